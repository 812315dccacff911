"""The address bar follows the page: every edit of the scenario rewrites the query string of
`/` (history.replaceState, docs/url.md), the link reproduces the scenario, and the header's
"Copy link" / "Copy embed code" give it away. (The view keys: test_view_url.py.)"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.url import fmt_number as _fmt, scenario_from_query, scenario_to_query
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.view import View, view_from_query, view_to_query

pytestmark = pytest.mark.browser

URL_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "url.js"


def query_of(url: str) -> list[tuple[str, str]]:
    # keep_blank_values: `model.hidden=` (no hidden layer) is a value, as the server reads it
    return parse_qsl(urlparse(url).query, keep_blank_values=True)


def wait_url_follows(page) -> str:
    """Wait until the address bar holds the page's scenario (it is rewritten within 300 ms)."""
    page.wait_for_function("location.search === '?' + window.__gdviz.query()")
    return page.url


def page_link(page) -> tuple[Scenario, View]:
    """The address bar is a v=1 link to exactly what the page runs and shows, written as the
    server writes it (scenario keys, then view keys); returns what the server reads in it."""
    url = wait_url_follows(page)
    pairs = query_of(url)
    scenario, warnings = scenario_from_query(dict(pairs))
    view, view_warnings = view_from_query(dict(pairs), presets=PRESETS)
    assert warnings == [] and view_warnings == []
    assert scenario == Scenario.model_validate(page.evaluate("window.__gdviz.forServer()"))
    # the same keys, order and spelling as gdviz/scenarios/url.py and view.py
    assert pairs == list(scenario_to_query(scenario).items()) + list(view_to_query(view).items())
    assert urlparse(url).fragment == ""  # an old link's #tab is in `tab=` now
    return scenario, view


def check_link(page) -> Scenario:
    """page_link's scenario."""
    return page_link(page)[0]


def last_start(page) -> dict:
    starts = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "start"]
    assert starts, "no start message was sent"
    return starts[-1]["scenario"]


def test_the_url_follows_edits_and_the_link_reproduces_them(open_playground, page_log):
    page = open_playground("surface=himmelblau&r0=gd&r0.lr=0.01#basins")  # (not the default tab: Stability)
    history_length = page.evaluate("history.length")
    url_at_open = page.url

    # the learning rate, typed
    page.fill("#lr-input", "0.05")
    page.press("#lr-input", "Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('r0.lr') === '0.05'")
    # the page fills in the surface's suggested start: the link names it, so it stays put
    assert page.url == (url_at_open.split("?")[0] + "?v=1&surface=himmelblau&steps=500&seed=0&speed=30"
                        "&r0=gd&r0.start=-0.5,0&r0.lr=0.05&tab=basins")  # the old #tab, now a view key
    check_link(page)

    # another optimizer and one of its hyperparameters
    page.select_option("#optimizer-select", "momentum")
    page.fill("#hp-momentum", "0.8")
    page.press("#hp-momentum", "Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('r0.momentum') === '0.8'")
    # a second run (a copy of the first), with its own lr, schedule and clipping
    page.click("#btn-add-run")
    page.wait_for_function("new URLSearchParams(location.search).get('r1') === 'momentum'")
    page.fill("#lr-input", "0.002")
    page.press("#lr-input", "Enter")
    page.click("#run-options summary")
    page.select_option("#schedule-select", "cosine")
    page.check("#clip-toggle")
    page.fill("#clip-input", "5")
    page.press("#clip-input", "Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('r1.clip_norm') === '5'")
    # the speed slider: a drag is many edits, but only a few rewrites and no history entry
    writes = page.evaluate("""() => {
        let n = 0;
        const replace = history.replaceState.bind(history);
        history.replaceState = (...a) => { n += 1; return replace(...a); };
        window.__replaceCount = () => n;
        const s = document.getElementById('speed-slider');
        for (let v = 500; v <= 700; v += 10) { s.value = v; s.dispatchEvent(new Event('input')); }
        return n; }""")
    assert writes == 0  # none during the drag's events themselves
    page.wait_for_function("location.search === '?' + window.__gdviz.query()")
    assert page.evaluate("window.__replaceCount()") == 1  # 21 edits, one rewrite with the last
    # a new start for run 1, by clicking the contour
    x, y = page.evaluate("xy => window.__gdviz.toClient(xy)", [2.0, -3.0])
    page.mouse.click(x, y)
    page.wait_for_function("window.__gdviz.scenario().runs[1].start[0] !== window.__gdviz.scenario().runs[0].start[0]")

    scenario = check_link(page)
    assert [r.optimizer for r in scenario.runs] == ["momentum", "momentum"]
    assert [r.lr for r in scenario.runs] == [0.05, 0.002]
    assert scenario.runs[0].momentum == scenario.runs[1].momentum == 0.8
    assert (scenario.runs[1].schedule, scenario.runs[1].clip_norm) == ("cosine", 5.0)
    assert scenario.runs[1].start == pytest.approx([2.0, -3.0], abs=0.06)
    assert scenario.speed == page.evaluate("window.__gdviz.scenario().speed") > 30
    assert dict(query_of(page.url))["tab"] == "basins"  # the open tab stays in the link
    assert page.evaluate("history.length") == history_length  # replaceState, never a new entry
    link = page.url
    print("link after edits:", link)

    # what the stream is given is what the link says
    page.click("#btn-step")
    page.wait_for_function("window.__gdviz.sent().some(m => m.type === 'start')")
    assert Scenario.model_validate(last_start(page)) == scenario

    # open the link: the same scenario, the same controls, no warnings
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    assert page.locator("#warnings").count() == 0
    assert Scenario.model_validate(page.evaluate("window.__gdviz.forServer()")) == scenario
    assert page.evaluate("window.__gdviz.selected()") == 1  # run 1 was selected: `select=1`
    assert page.input_value("#lr-input") == "0.002"
    assert page.input_value("#hp-momentum") == "0.8"
    assert page.locator("#runs-list li").count() == 2
    assert page.get_attribute("#tab-basins", "aria-selected") == "true"
    assert page.url == link  # opening a link does not rewrite it
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_the_url_follows_a_model_and_its_options(open_playground, page_log):
    page = open_playground("surface=himmelblau&r0=adam&r0.lr=0.01")
    page.select_option("#surface-select", "model:mlp")
    page.wait_for_function("new URLSearchParams(location.search).get('model') === 'mlp'")
    page.wait_for_function("window.__gdviz.model()?.kind === 'mlp' && document.body.dataset.step === '0'")
    q = dict(query_of(wait_url_follows(page)))
    assert "surface" not in q and "r0.start" not in q  # a network's runs start from their init
    assert q["model.dataset"] == "moons" and q["model.hidden"] == "16,16"  # defaults are spelled out

    page.select_option("#model-activation", "relu")
    page.wait_for_function("new URLSearchParams(location.search).get('model.activation') === 'relu'")
    page.fill("#model-hidden", "8,8")
    page.press("#model-hidden", "Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('model.hidden') === '8,8'")
    page.fill("#model-batch_size", "32")
    page.press("#model-batch_size", "Enter")
    page.wait_for_function("window.__gdviz.model()?.batches_per_epoch === 10")
    page.select_option("#run-init-select", "he")
    page.fill("#lr-input", "0.003")
    page.press("#lr-input", "Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('r0.lr') === '0.003'")

    scenario = check_link(page)
    assert scenario.model.kind == "mlp"
    assert (scenario.model.activation, scenario.model.hidden, scenario.model.batch_size) == ("relu", [8, 8], 32)
    assert (scenario.runs[0].optimizer, scenario.runs[0].lr, scenario.runs[0].init) == ("adam", 0.003, "he")
    link = page.url
    print("model link:", link)

    page.goto("about:blank")
    page.goto(link)
    page.wait_for_function("window.__gdviz?.model()?.kind === 'mlp' && document.body.dataset.step === '0'")
    assert page.locator("#warnings").count() == 0
    assert Scenario.model_validate(page.evaluate("window.__gdviz.forServer()")) == scenario
    assert page.input_value("#model-activation") == "relu"
    assert page.input_value("#model-hidden") == "8,8"
    assert page.input_value("#model-batch_size") == "32"
    assert page.input_value("#run-init-select") == "he"
    assert page.input_value("#lr-input") == "0.003"
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_copy_link_and_embed_code_use_the_clipboard(browser_context, open_playground, server_url, page_log):
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    try:
        page = open_playground("surface=rosenbrock&r0=adam&r0.lr=0.01#sweep")  # (#: no 3D to draw)
        page.fill("#lr-input", "0.02")
        page.press("#lr-input", "Enter")
        page.click("#btn-copy-link")  # at once: the copied link has the edit in it even so
        page.wait_for_selector(".toast:has-text('Link copied')")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.url
        assert dict(query_of(copied))["r0.lr"] == "0.02"
        assert page.is_hidden("#share-box")

        page.click("#btn-copy-embed")
        page.wait_for_selector(".toast:has-text('Embed code copied')")
        code = page.evaluate("navigator.clipboard.readText()")
        m = re.fullmatch(r'<iframe src="([^"]+)" width="960" height="540" style="border:0" '
                         r'allow="fullscreen; local-network-access; loopback-network; local-network" '
                         r'title="gdviz: ([^"]+)"></iframe>', code)
        assert m, code
        src = html.unescape(m.group(1))
        assert src == f"{server_url}/embed?{urlparse(page.url).query}"  # the same view too
        assert dict(query_of(src))["tab"] == "sweep"
        assert "Rosenbrock" in m.group(2) and "0.02" in m.group(2)
        assert page_log.page_errors == [] and page_log.console_errors == []
    finally:
        browser_context.clear_permissions()


def test_copy_link_falls_back_to_a_selected_field(open_playground, page_log):
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1#basins")
    # as on http:// from another host, or with the permission refused
    page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError')); }")
    page.click("#btn-copy-link")
    page.wait_for_selector("#share-box", state="visible")
    assert page.input_value("#share-field") == page.url
    # a link typed by hand is given out as the page writes it: v=1, every field named, the tab
    assert [k for k, _ in query_of(page.url)] == ["v", "surface", "steps", "seed", "speed", "r0", "r0.start", "r0.lr", "tab"]
    assert urlparse(page.url).fragment == ""
    assert page.evaluate("""(() => { const f = document.getElementById('share-field');
        return document.activeElement === f && f.selectionStart === 0 && f.selectionEnd === f.value.length; })()""")
    assert "Ctrl+C" in page.text_content("#share-label") or "copied" in page.text_content("#share-label")
    page.keyboard.press("Escape")
    page.wait_for_selector("#share-box", state="hidden")
    page.click("#btn-copy-embed")
    page.wait_for_selector("#share-box", state="visible")
    assert page.input_value("#share-field").startswith('<iframe src="')
    page.click("#share-close")
    page.wait_for_selector("#share-box", state="hidden")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_numbers_are_spelled_as_the_server_spells_them(page, server_url):
    page.goto(f"{server_url}/static/js/url.js")  # any page of the origin can import the module
    values = [0.01, 0.05, 1e-4, 1e-5, 2.5e-7, 1e16, 1234567890123456.0, 0.1 + 0.2, 30.0, 2.0, -1.5,
              -0.0004, 123.456, 1e-100, 5e-324, 1.7976931348623157e308, 0.9, 0.999, 1e-8]
    spelled = page.evaluate("async vs => (await import('/static/js/url.js')).pyNumber && "
                            "vs.map((await import('/static/js/url.js')).pyNumber)", values)
    assert spelled == [_fmt(v) for v in values]


def test_the_page_copies_no_key_list_of_the_server():
    """url.js writes a run's fields in the order the schema gives (RunSpec's:
    tests/api/test_schema.py), with no list of its own (tests/js/url.test.mjs writes every
    preset's link with it)."""
    text = URL_JS.read_text()
    assert "RUN_FIELDS" not in text and '"lr"' not in text and '"start"' not in text


def test_a_network_without_hidden_layers_round_trips(open_playground, page_log):
    """`model.hidden=` (empty: no hidden layer) is a value, written and read back as []."""
    page = open_playground("model=mlp&model.hidden=4&r0=gd&r0.lr=0.1")
    page.click("#model-options summary")
    page.fill("#model-hidden", "")
    page.press("#model-hidden", "Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('model.hidden') === ''")
    page.wait_for_function("window.__gdviz.model()?.kind === 'mlp' && document.body.dataset.step === '0'")
    scenario = check_link(page)
    assert scenario.model.hidden == []
    assert "model.hidden=&" in page.url
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_function("window.__gdviz?.model()?.kind === 'mlp' && document.body.dataset.step === '0'")
    assert page.locator("#warnings").count() == 0
    assert Scenario.model_validate(page.evaluate("window.__gdviz.forServer()")) == scenario
    assert page.input_value("#model-hidden") == ""
    assert page_log.page_errors == [] and page_log.console_errors == []
