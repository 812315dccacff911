"""The offline HTML export: one file, nothing fetched, the numbers simulate() gives, the
background the playground draws, text that cannot break out of its element."""

import base64
import datetime
import hashlib
import html as html_lib
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from strict_json import loads

from gdviz import export as ex
from gdviz import js_bundle
from gdviz.export_html import (MODEL_FIELDS, PLAYER_MODULES, inline_script, run_label, script_json,
                             to_html)
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.simulate import MAX_RUN_NUMBERS, TooLarge, simulate

SURFACE = Scenario.model_validate({"surface": "ravine", "steps": 60, "runs": [
    {"optimizer": "gd", "lr": 0.095, "start": [-1.8, 0.6]},
    {"optimizer": "momentum", "lr": 0.095, "momentum": 0.3, "start": [-1.8, 0.6]},
    {"optimizer": "gd", "lr": 1e5, "start": [1, 1]}]})  # diverges: nulls
LINREG = Scenario.model_validate({"model": {"kind": "linreg2"}, "steps": 40,
                                  "runs": [{"optimizer": "gd", "lr": 0.1}]})
LOGREG = Scenario.model_validate({"model": {"kind": "logreg2"}, "steps": 40,
                                  "runs": [{"optimizer": "adam", "lr": 0.1}]})
MLP = Scenario.model_validate({
    "model": {"kind": "mlp", "dataset": "moons", "n": 80, "hidden": [6, 5]}, "steps": 30,
    "runs": [{"optimizer": "adam", "lr": 0.01}, {"optimizer": "gd", "lr": 0.5, "init": "he"}]})


class Page(HTMLParser):
    """Every tag with its attributes, and the text of every <script>."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.scripts, self._in = [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append((self._in, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


@pytest.fixture(scope="module")
def surface_page():
    return to_html(SURFACE, simulate(SURFACE), title="Ravine", lesson="Watch the zig-zag.",
                   exported=datetime.date(2024, 5, 6))


def data_of(html):
    (text,) = [t for a, t in Page(html).scripts if a.get("id") == "gdviz-data"]
    return loads(text)


def test_one_file_that_fetches_nothing(surface_page):
    page = Page(surface_page)
    linked = [(tag, a) for tag, a in page.tags if {"src", "href", "srcset", "data"} & set(a)]
    assert linked == []
    assert not any(tag in ("link", "iframe", "img", "object", "embed", "base")
                   for tag, _ in page.tags)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", surface_page, flags=re.S)
    assert not re.search(r"https?://", markup)  # (Plotly's own code names a few URLs)
    # four scripts: the data, then Plotly, the playground's modules and the player, inline
    assert [a for a, _ in page.scripts] == [{"type": "application/json", "id": "gdviz-data"},
                                            {}, {}, {}]
    plotly, modules, player = (t for a, t in page.scripts[1:])
    assert "plotly.js" in plotly[:400] and "globalThis.Plotly" in plotly and len(plotly) > 5e5
    for rel in PLAYER_MODULES:
        assert f"gdvizModules['{rel}'] = " in modules
    assert "static/offline/player.js" in player or "offline player" in player
    # the policy lets exactly these three run and nothing load
    (csp,) = [a["content"] for tag, a in page.tags
              if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src" not in csp  # none: default
    hashes = re.findall(r"'sha256-([^']+)'", csp)
    assert sorted(hashes) == sorted(
        base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()
        for t in (plotly, modules, player))


def test_title_lesson_and_footer(surface_page):
    assert "<title>Ravine · gdviz</title>" in surface_page
    assert '<p class="offline-lesson">Watch the zig-zag.</p>' in surface_page
    from gdviz import __version__
    footer = re.search(r'<footer class="offline-footer">(.*?)</footer>', surface_page).group(1)
    steps = max(len(r["frames"]) - 1 for r in simulate(SURFACE))
    assert footer == (f"gdviz v{__version__} · exported 2024-05-06 · precomputed: {steps} steps"
                      " × 3 runs")
    # no title given: the objective's name
    bare = to_html(LINREG, simulate(LINREG))
    assert "<title>Linear regression" in bare and '<p class="offline-lesson"' not in bare


def kept_frames(run, network):
    keys = ["step", "params", "loss", "lr"] + ([] if network else ["grad", "update"])
    keys += [k for k in MODEL_FIELDS if k in run["frames"][0]]
    return {k: [f[k] for f in run["frames"]] for k in keys}


@pytest.mark.parametrize("scenario", [SURFACE, LINREG, LOGREG, MLP],
                         ids=["surface", "linreg2", "logreg2", "mlp"])
def test_data_is_simulate_numbers(scenario):
    runs = simulate(scenario)
    data = data_of(to_html(scenario, runs))
    assert Scenario.model_validate(data["scenario"]) == scenario
    network = scenario.model is not None and scenario.model.kind == "mlp"
    assert len(data["runs"]) == len(runs)
    for i, (got, want) in enumerate(zip(data["runs"], runs)):
        assert (got["status"], got["reason"]) == (want["status"], want["reason"])
        assert got["label"] == run_label(scenario, i)
        assert got["frames"] == kept_frames(want, network)  # every number, exactly
        assert ("grad" in got["frames"]) == (not network)
    if scenario is SURFACE:
        assert runs[2]["status"] == "diverged" and data["runs"][2]["frames"]["update"][-1] is None
    if scenario is LOGREG:
        assert "accuracy" in data["runs"][0]["frames"]
    if network:
        assert {"accuracy", "test_loss", "test_accuracy", "grad_norm"} <= set(
            data["runs"][0]["frames"])


def test_background_is_what_the_playground_draws(client):
    data = data_of(to_html(SURFACE, simulate(SURFACE)))
    bg = data["objective"]
    assert bg["kind"] == "surface" and bg["axes"] == ["x", "y", "f"]
    grid = loads(client.get("/api/surfaces/ravine/grid?n=120").content)
    assert bg["grid"] == grid
    info = next(s for s in loads(client.get("/api/surfaces").content) if s["id"] == "ravine")
    assert {k: bg[k] for k in info} == info

    for scenario in (LINREG, LOGREG):
        bg = data_of(to_html(scenario, simulate(scenario)))["objective"]
        desc = loads(client.post("/api/model?grid=120",
                                 json=scenario.model.model_dump(exclude_none=True)).content)
        assert bg["grid"] == desc["grid"]
        assert (bg["domain"], bg["minima"], bg["contour_scale"]) == (
            desc["domain"], desc["minima"], desc["contour_scale"])
        assert bg["axes"] == ["w1", "w2", "L"]

    bg = data_of(to_html(MLP, simulate(MLP)))["objective"]
    desc = loads(client.post("/api/model", json=MLP.model.model_dump(exclude_none=True)).content)
    assert bg == desc  # layout (sizes, activation, head) and the train/test points


def test_text_cannot_break_out():
    evil = "</script><script>alert(1)</script><!-- & </style>"
    html = to_html(LINREG, simulate(LINREG), title=evil, lesson=evil)
    page = Page(html)
    assert len(page.scripts) == 4 and "alert(1)" not in "".join(t for _, t in page.scripts)
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    # and in the data, should any text ever go there: "<" is written \u003c
    text = script_json({"lesson": evil, "n": [1.5, None]})
    assert "<" not in text and loads(text) == {"lesson": evil, "n": [1.5, None]}


def test_inline_script_escapes_a_closing_tag():
    assert inline_script('s = "</script>"; t = "</SCRIPT"') == r's = "<\/script>"; t = "<\/SCRIPT"'
    with pytest.raises(ValueError, match="<!--"):
        inline_script("a = '<!--';")


def test_over_the_size_bound_is_refused():
    big = Scenario.model_validate({"model": {"kind": "mlp", "hidden": [32, 32, 32, 32]},
                                   "steps": 2000, "runs": [{"optimizer": "adam"}] * 2})
    assert ex.result_size(big) > MAX_RUN_NUMBERS
    with pytest.raises(TooLarge, match="over the limit of 4,000,000 for an export"):
        to_html(big, [])


def test_run_labels_name_what_differs():
    s = Scenario.model_validate({"model": {"kind": "mlp"}, "runs": [
        {"optimizer": "gd", "lr": 0.5, "init": "he"},
        {"optimizer": "momentum", "lr": 0.01, "momentum": 0.3, "noise": 1.0},
        {"optimizer": "adam"}, {"optimizer": "adamw", "weight_decay": 0.1}]})
    # weight decay is wd (λ is a curvature)
    assert [run_label(s, i) for i in range(4)] == [
        "1 · GD η=0.5, init=he", "2 · Momentum η=0.01, μ=0.3, noise σ=1", "3 · Adam η=0.001",
        "4 · AdamW η=0.001, wd=0.1"]


# -- the module linker ------------------------------------------------------------------


def test_the_player_modules_link_into_one_classic_script():
    script = js_bundle.classic_script(PLAYER_MODULES)
    assert not re.search(r"^\s*(import|export)\s", script, re.M)
    files = [p.relative_to(js_bundle.JS_ROOT).as_posix()
             for p in js_bundle.module_files(PLAYER_MODULES)]
    # dependencies first: theme before contour, forward before boundary
    assert files.index("plots/theme.js") < files.index("plots/contour.js")
    assert files.index("nets/forward.js") < files.index("plots/boundary.js")
    node = shutil.which("node")
    if node:  # the syntax, and that every module's exports resolve when run
        probe = script + ("\nconst want = " + repr(files) + ";\n"
                          "for (const f of want) if (!gdvizModules[f]) throw new Error(f);\n"
                          "if (typeof gdvizModules['nets/forward.js'].scoreGrid !== 'function')"
                          " throw new Error('scoreGrid');\n")
        # (on stdin: the linked modules are longer than one command-line argument may be)
        r = subprocess.run([node], input=probe, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr


def test_the_linker_refuses_forms_it_does_not_handle(tmp_path, monkeypatch):
    monkeypatch.setattr(js_bundle, "JS_ROOT", tmp_path)
    (tmp_path / "a.js").write_text('import { b as c } from "./b.js";\nexport const a = c + 1;\n')
    (tmp_path / "b.js").write_text("export function b() {}\nexport default 3;\n")
    with pytest.raises(js_bundle.BundleError, match=r"b.js:2: unsupported export"):
        js_bundle.classic_script(["a.js"])
    (tmp_path / "b.js").write_text("export let b = 2;\n")
    out = js_bundle.classic_script(["a.js"])
    assert "const { b: c } = gdvizModules['b.js'];" in out and "return { a };" in out
    (tmp_path / "b.js").write_text('import { a } from "./a.js";\nexport let b = 2;\n')
    with pytest.raises(js_bundle.BundleError, match="cycle"):
        js_bundle.classic_script(["a.js"])


def test_the_links_theme_and_scale_dress_the_page():
    runs = simulate(SURFACE)
    light = to_html(SURFACE, runs)
    dark = to_html(SURFACE, runs, theme="dark", scale=1.5)
    assert 'data-theme="light"' in light and 'body[data-theme="dark"]' not in light
    assert 'data-theme="dark"' in dark and 'body[data-theme="dark"] {' in dark
    views = [loads(html_lib.unescape(re.search(r'<main id="app"[^>]* data-view="([^"]*)"', h).group(1)))
             for h in (light, dark)]
    assert views == [{"theme": "light", "scale": 1.0}, {"theme": "dark", "scale": 1.5}]


def test_an_exported_link_keeps_its_theme_and_scale(client):
    r = client.get("/export/html?v=1&surface=bowl&steps=20&r0=gd&r0.lr=0.1&theme=dark&scale=2")
    assert r.status_code == 200
    assert 'data-theme="dark"' in r.text and "&#34;scale&#34;:2.0" in r.text
