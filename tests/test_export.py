"""``gdviz export``: JSON equals POST /api/run's runs, CSV's numbers equal the JSON's,
bad input is refused with a message on stderr."""

import csv
import io
import sys
import types
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from strict_json import loads

from gdviz import cli, export
from gdviz.scenarios.simulate import MAX_RUN_NUMBERS
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.url import with_suggestions
from gdviz.scenarios.simulate import simulate
from gdviz.scenarios.url import scenario_from_query, scenario_to_query

SURFACE_LINK = ("http://127.0.0.1:8000/?v=1&surface=rosenbrock&steps=400&seed=3"
                "&r0=adam&r0.lr=0.01&r0.start=-1.5,2&r1=gd&r1.lr=0.001&r1.schedule=cosine"
                "&r1.T_max=400&r2=momentum&r2.lr=0.002&r2.noise=0.5"
                "&r3=gd&r3.lr=1000000&r3.start=1e4,1e4")  # r3 diverges: nulls
MLP_LINK = ("?v=1&model=mlp&model.dataset=moons&model.n=80&model.hidden=6,5"
            "&model.batch_size=16&steps=60&r0=adam&r0.lr=0.01&r1=gd&r1.lr=0.5&r1.init=he")
LOGREG_LINK = "v=1&model=logreg2&steps=80&r0=gd&r0.lr=0.5&r1=adagrad&r1.lr=0.3"


@pytest.fixture
def runner():
    return CliRunner()


def export_cli(runner, *args):
    return runner.invoke(cli.main, ["export", *args], catch_exceptions=False)


def query_of(link):
    return dict(p.split("=", 1) for p in link.split("?", 1)[-1].split("&"))


@pytest.mark.parametrize("link", [SURFACE_LINK, MLP_LINK, LOGREG_LINK])
def test_json_equals_api_run(runner, client, link):
    r = export_cli(runner, link, "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    out = loads(r.stdout)
    assert set(out) == {"scenario", "runs"}
    scenario, warnings = scenario_from_query(query_of(link))
    assert warnings == []
    assert Scenario.model_validate(out["scenario"]) == scenario
    api = client.post("/api/run", json=out["scenario"])
    assert api.status_code == 200
    assert out["runs"] == loads(api.content)["runs"]


def test_progress_steps_match_simulate():
    scenario = scenario_from_query(query_of(SURFACE_LINK))[0]
    done = []
    runs = export.simulate_with_progress(scenario, done.append)
    assert runs == simulate(scenario)
    assert sum(done) == export.total_steps(scenario) == 4 * 400
    # a run that ends early reports the steps it did not need at once
    assert any(n > 1 for n in done) and runs[3]["status"] == "diverged"


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def cell(v):
    return None if v == "" else float(v)


@pytest.mark.parametrize("link", [SURFACE_LINK, MLP_LINK, LOGREG_LINK])
def test_csv_numbers_equal_the_json(runner, link):
    runs = loads(export_cli(runner, link, "-f", "json").stdout)["runs"]
    r = export_cli(runner, link, "-f", "csv")
    assert r.exit_code == 0
    rows = read_csv(r.stdout)
    assert len(rows) == sum(len(run["frames"]) for run in runs)
    scenario = scenario_from_query(query_of(link))[0]
    dim = len(runs[0]["frames"][0]["params"])
    names = (["x", "y"], ["gx", "gy"], ["ux", "uy"]) if dim == 2 else tuple(
        [f"{c}{i}" for i in range(dim)] for c in "pgu")
    it = iter(rows)
    for k, run in enumerate(runs):
        for f in run["frames"]:
            row = next(it)
            assert int(row["run"]) == k and row["optimizer"] == scenario.runs[k].optimizer
            assert (row["status"], row["reason"]) == (run["status"], run["reason"])
            assert int(row["step"]) == f["step"]
            assert cell(row["loss"]) == f["loss"] and cell(row["lr"]) == f["lr"]
            for key, cols in zip(("params", "grad", "update"), names):
                assert [cell(row[c]) for c in cols] == (f[key] or [None] * dim)
            for key, value in f.items():
                if key in ("step", "params", "loss", "grad", "update", "lr"):
                    continue
                if isinstance(value, list):
                    assert [cell(row[f"{key}{i}"]) for i in range(len(value))] == value
                else:
                    assert cell(row[key]) == value


def test_csv_columns():
    surface = Scenario.model_validate({"surface": "bowl", "steps": 3})
    runs = simulate(surface)
    assert export.csv_columns(surface, runs) == [
        "run", "optimizer", "status", "stall", "reason", "step", "loss", "lr",
        "x", "y", "gx", "gy", "ux", "uy"]
    net = scenario_from_query(query_of(MLP_LINK))[0]
    cols = export.csv_columns(net, simulate(net))
    dim = 2 * 6 + 6 + 6 * 5 + 5 + 5 * 2 + 2
    assert cols[8:8 + 3 * dim] == ([f"p{i}" for i in range(dim)] + [f"g{i}" for i in range(dim)]
                                   + [f"u{i}" for i in range(dim)])
    assert cols[8 + 3 * dim:] == ["grad_norm", "rel_update", "accuracy", "test_loss",
                                  "test_accuracy", "grad_norms0", "grad_norms1", "grad_norms2",
                                  "epoch", "batch", "batches_per_epoch"]


def test_diverged_frames_are_empty_cells(runner):
    link = "?v=1&surface=rosenbrock&steps=50&r0=gd&r0.lr=1000000&r0.start=1e4,1e4"
    rows = read_csv(export_cli(runner, link, "-f", "csv").stdout)
    last = rows[-1]
    assert last["ux"] == last["uy"] == ""  # a diverged run takes no next step
    assert "nan" not in "".join(v.lower() for row in rows for v in row.values())


def test_output_file_and_format_from_its_suffix(runner, tmp_path):
    link = "?v=1&surface=bowl&steps=20&r0=gd&r0.lr=0.1"
    for name in ("out.csv", "out.json"):
        r = export_cli(runner, link, "-o", str(tmp_path / name))
        assert r.exit_code == 0 and r.stdout == ""
        assert f"wrote {tmp_path / name}: 1 run(s), 21 frames" in r.stderr
    runs = loads((tmp_path / "out.json").read_text())["runs"]
    rows = read_csv((tmp_path / "out.csv").read_text())
    assert [float(row["loss"]) for row in rows] == [f["loss"] for f in runs[0]["frames"]]
    # -f beats the suffix
    export_cli(runner, link, "-f", "csv", "-o", str(tmp_path / "x.json"))
    assert (tmp_path / "x.json").read_text().startswith("run,optimizer,status,stall,reason,step,")


def test_a_query_string_alone_and_a_full_url_give_the_same_export(runner):
    scenario = Scenario.model_validate({"surface": "ravine", "steps": 30, "runs": [
        {"optimizer": "momentum", "lr": 0.01, "momentum": 0.8}]})
    q = urlencode(scenario_to_query(scenario))
    outs = [export_cli(runner, link).stdout for link in
            (f"http://localhost:8000/?{q}", f"/embed?{q}", f"?{q}", q)]
    assert len(set(outs)) == 1
    assert Scenario.model_validate(loads(outs[0])["scenario"]) == with_suggestions(scenario)


def test_bad_link_parameters_are_warnings(runner):
    link = "?v=1&surface=nowhere&steps=20&r0=gd&r0.lr=-3&bogus=1"
    r = export_cli(runner, link)
    assert r.exit_code == 0
    assert "warning: surface: unknown surface 'nowhere'" in r.stderr
    assert "warning: r0.lr: " in r.stderr and "warning: bogus: unknown parameter" in r.stderr
    out = loads(r.stdout)  # the rest of the link still works; stdout is only the JSON
    assert out["scenario"]["surface"] == "himmelblau" and out["scenario"]["steps"] == 20
    strict = export_cli(runner, link, "--strict")
    assert strict.exit_code == 1 and strict.stdout == ""
    assert "3 bad link parameter(s) (--strict)" in strict.stderr


def test_a_link_without_a_query_is_the_default_scenario_with_a_warning(runner):
    r = export_cli(runner, "http://127.0.0.1:8000/")
    assert r.exit_code == 0 and "no query string" in r.stderr
    # the default surface, at its own start and η (a link's runs always have both)
    assert Scenario.model_validate(loads(r.stdout)["scenario"]) == with_suggestions(Scenario())


def test_unknown_preset_id(runner, monkeypatch):
    monkeypatch.setitem(sys.modules, "gdviz.scenarios.presets", types.SimpleNamespace(
        PRESETS={"tiny": types.SimpleNamespace(id="tiny", title="t", lesson="l",
                                               scenario=Scenario())}))
    for arg in ("no-such-lesson", "/s/no-such-lesson"):
        r = export_cli(runner, arg)
        assert r.exit_code == 2 and r.stdout == ""
        assert "unknown preset 'no-such-lesson' (choose one of tiny)" in r.stderr


def test_unknown_preset_id_without_presets(runner, monkeypatch):
    monkeypatch.setitem(sys.modules, "gdviz.scenarios.presets", None)
    r = export_cli(runner, "ravine")
    assert r.exit_code == 2 and "unknown preset 'ravine' (no presets are installed)" in r.stderr


def test_export_a_preset_by_id_and_by_its_link(runner, monkeypatch):
    scenario = Scenario.model_validate({"surface": "bowl", "steps": 7, "runs": [
        {"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]})
    monkeypatch.setitem(sys.modules, "gdviz.scenarios.presets", types.SimpleNamespace(
        PRESETS={"tiny": types.SimpleNamespace(id="tiny", title="t", lesson="l",
                                               scenario=scenario)}))
    by_id = export_cli(runner, "tiny", "-f", "json")
    assert by_id.exit_code == 0 and by_id.stderr == ""
    assert loads(by_id.stdout)["runs"] == simulate(scenario)
    assert export_cli(runner, "http://127.0.0.1:8000/s/tiny").stdout == by_id.stdout


def test_over_the_size_bound(runner, tmp_path):
    link = ("?v=1&model=mlp&model.hidden=32,32,32,32&steps=10000"
            "&r0=adam&r1=adam&r2=gd&r3=gd&r4=momentum&r5=rmsprop")
    scenario = scenario_from_query(query_of(link))[0]
    assert export.result_size(scenario) > MAX_RUN_NUMBERS
    out = tmp_path / "big.csv"
    r = export_cli(runner, link, "-f", "csv", "-o", str(out))
    assert r.exit_code == 1 and r.stdout == "" and not out.exists()
    assert f"over the limit of {MAX_RUN_NUMBERS:,} for an export" in r.stderr
    assert "use at most " in r.stderr
    most = int(r.stderr.split("use at most ")[1].split()[0].replace(",", ""))
    fits = scenario.model_copy(update={"steps": most})
    export.check_size(fits)
    with pytest.raises(export.TooLarge):
        export.check_size(scenario.model_copy(update={"steps": most + 1}))


def html_data(text):
    """The player's data in an html export (strict JSON)."""
    start = text.index('<script type="application/json" id="gdviz-data">')
    body = text[text.index(">", start) + 1:text.index("</script>", start)]
    return loads(body)


def test_html_of_a_preset_to_a_file(runner, tmp_path):
    from gdviz.scenarios.presets import PRESETS
    p = PRESETS["lr-just-right"]
    out = tmp_path / "lesson.html"
    r = export_cli(runner, "lr-just-right", "-o", str(out))  # format from the suffix
    assert r.exit_code == 0 and r.stdout == ""
    runs = simulate(p.scenario)
    frames = sum(len(run["frames"]) for run in runs)
    assert f"wrote {out}: 1 run(s), {frames} frames (html)" in r.stderr
    text = out.read_text(encoding="utf-8")
    assert f"<title>{p.title} · gdviz</title>" in text and p.lesson[:40] in text
    data = html_data(text)
    assert Scenario.model_validate(data["scenario"]) == p.scenario
    assert data["runs"][0]["frames"]["loss"] == [f["loss"] for f in runs[0]["frames"]]
    assert data["runs"][0]["status"] == runs[0]["status"] == "converged"


def test_html_of_a_link(runner):
    link = "http://127.0.0.1:8000/?v=1&surface=bowl&steps=20&r0=gd&r0.lr=0.1"
    r = export_cli(runner, link, "-f", "html")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.startswith("<!doctype html>")
    assert "<title>Bowl · 1 run · gdviz</title>" in r.stdout  # no preset: the objective
    assert '<p class="offline-lesson">' not in r.stdout
    data = html_data(r.stdout)
    assert data["runs"][0]["frames"]["params"] == [
        f["params"] for f in simulate(scenario_from_query(query_of(link))[0])[0]["frames"]]
    # the page's preset= names the lesson; an unknown one is a warning, as on the page
    with_preset = export_cli(runner, link + "&preset=lr-just-right", "-f", "html")
    assert with_preset.exit_code == 0 and with_preset.stderr == ""
    assert "<title>Learning rate just right · gdviz</title>" in with_preset.stdout
    unknown = export_cli(runner, link + "&preset=nope", "-f", "html")
    assert "warning: preset: unknown preset 'nope'; exporting without its lesson" in unknown.stderr
    assert "<title>Bowl · 1 run · gdviz</title>" in unknown.stdout


def test_a_lesson_beside_runs_that_are_not_its_own_says_so_first(runner, client):
    """A preset's own link exports its lesson as it is; with another η the lesson's
    numbers are not about the runs, and the page says so above it (CLI and GET /export)."""
    from gdviz.scenarios.presets import LESSON_CHANGED, PRESETS
    own = "http://127.0.0.1:8000" + PRESETS["lr-just-right"].url
    changed = own.replace("r0.lr=0.3", "r0.lr=1.5")
    assert changed != own
    note = f'<p class="offline-lesson-changed"><strong>Changed:</strong> {LESSON_CHANGED}.'
    note = note.replace("'", "&#39;")
    for link, shown in ((own, False), (own.replace("speed=", "speed=9&x="), False),
                        (changed, True)):
        page = export_cli(runner, link, "-f", "html").stdout
        assert '<p class="offline-lesson">' in page and (note in page) == shown, link
    served = client.get("/export/html?" + changed.split("?", 1)[1]).text
    assert note in served


def test_every_real_preset_exports():
    presets = pytest.importorskip("gdviz.scenarios.presets")
    found = cli.load_presets()
    assert set(found) == set(
        presets.PRESETS if isinstance(presets.PRESETS, dict) else [p.id for p in presets.PRESETS])
    for p in found.values():
        export.check_size(p.scenario)  # every lesson fits an export
    pid, p = min(found.items(), key=lambda kv: export.result_size(kv[1].scenario))
    r = CliRunner().invoke(cli.main, ["export", pid, "-f", "csv"])
    assert r.exit_code == 0, r.output
    frames = sum(len(run["frames"]) for run in simulate(p.scenario))
    assert len(read_csv(r.stdout)) == frames
