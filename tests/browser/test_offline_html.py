"""The offline HTML export opened from file:// in Chromium, under its own CSP (no
bypass): it fetches nothing, plays, pauses, steps, resets, shows each run's end, and
a network's decision boundary is the engine's."""

import time

import numpy as np
import pytest

from gdviz.export_html import to_html
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.simulate import simulate

pytestmark = pytest.mark.browser

BOWL = Scenario.model_validate({"surface": "bowl", "steps": 120, "speed": 20, "runs": [
    {"optimizer": "gd", "lr": 0.3, "start": [1.5, 1.0]},   # converges at step 17
    {"optimizer": "gd", "lr": 1.1, "start": [1.5, 1.0]},   # diverges at step 39
    {"optimizer": "gd", "lr": 0.001, "start": [1.5, 1.0]}]})  # max_steps at 120
NET = Scenario.model_validate({
    "model": {"kind": "mlp", "dataset": "moons", "n": 120, "hidden": [8, 6], "activation": "tanh"},
    "steps": 40, "runs": [{"optimizer": "adam", "lr": 0.02}, {"optimizer": "gd", "lr": 0.5}]})
LOCAL = ("file:", "data:", "blob:", "about:")


def poll(page, js, timeout=60.0):
    """Python-side polling with page.evaluate — wait_for_function would eval a string
    inside the page, which its policy forbids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(js)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {js}")


def open_export(page, tmp_path, scenario, **text):
    """Write the export, open it from file:// and wait until it is drawn; returns the
    page's log of requests and errors, and the runs."""
    runs = simulate(scenario)
    path = tmp_path / "export.html"
    path.write_text(to_html(scenario, runs, **text), encoding="utf-8")
    log = {"requests": [], "errors": []}
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    return log, runs


def step_of(page):
    return page.evaluate("window.__gdvizOffline.step()")


def test_a_surface_export_plays_offline(strict_page, tmp_path):
    page = strict_page
    log, runs = open_export(page, tmp_path, BOWL, title="Three learning rates",
                            lesson="0.3 converges, 1.1 diverges, 0.001 crawls.")
    ends = [len(r["frames"]) - 1 for r in runs]
    assert [r["status"] for r in runs] == ["converged", "diverged", "max_steps"]
    assert page.text_content("h1") == "Three learning rates"
    assert step_of(page) == 0 and page.evaluate("window.__gdvizOffline.pathPoints(0)") == 1

    # Space plays: the step counter and the path grow
    page.keyboard.press("Space")
    poll(page, "() => window.__gdvizOffline.step() >= 3")
    assert page.get_attribute("body", "data-playing") == "1"
    poll(page, "() => window.__gdvizOffline.pathPoints(0) >= 3")
    assert int(page.text_content("#step-count")) >= 3
    # Pause stops it where it is
    page.click("#btn-play")
    poll(page, "() => document.body.dataset.playing === '0'")
    paused = step_of(page)
    page.wait_for_timeout(400)
    assert step_of(page) == paused and page.text_content("#btn-play").strip() == "Play"
    # → takes exactly one step, and the path shows it
    page.keyboard.press("ArrowRight")
    assert step_of(page) == paused + 1
    poll(page, f"() => document.body.dataset.step === '{paused + 1}'")
    assert page.evaluate("window.__gdvizOffline.pathPoints(0)") == min(paused + 1, ends[0]) + 1
    # R goes back to the start
    page.keyboard.press("r")
    poll(page, "() => document.body.dataset.step === '0'")
    assert page.evaluate("window.__gdvizOffline.pathPoints(0)") == 1
    assert page.get_attribute("#run-list li[data-run='0'] .badge", "data-status") == "paused"

    # fast, to the end: every run shows its status and its reason
    page.select_option("#speed-select", "1000")
    page.keyboard.press("Space")
    poll(page, f"() => document.body.dataset.step === '{max(ends)}' && "
               "document.body.dataset.playing === '0'")
    for i, run in enumerate(runs):
        row = f"#run-list li[data-run='{i}']"
        assert page.get_attribute(f"{row} .badge", "data-status") == run["status"]
        assert page.text_content(f"{row} .reason") == run["reason"]
        assert page.evaluate(f"window.__gdvizOffline.pathPoints({i})") == ends[i] + 1
    # scrubbing back to step 10: runs that had not ended by then say so no longer
    page.fill("#step-slider", "10")
    poll(page, "() => document.body.dataset.step === '10'")
    assert page.get_attribute("#run-list li[data-run='0'] .badge", "data-status") == "paused"
    assert page.evaluate("window.__gdvizOffline.pathPoints(1)") == 11

    # a 960×540 slide frame: one screen, nothing pushed off it, every plot still a plot
    page.set_viewport_size({"width": 960, "height": 540})
    poll(page, "() => document.querySelector('footer').getBoundingClientRect().bottom <= 540")
    sizes = page.evaluate("""() => ['main-plot', 'loss-plot', 'run-list'].map(
        (id) => document.getElementById(id).getBoundingClientRect().height)""")
    assert sizes[0] >= 200 and sizes[1] >= 100 and sizes[2] >= 100, sizes

    assert log["errors"] == []
    assert log["requests"] and all(u.startswith(LOCAL) for u in log["requests"]), log["requests"]


def test_a_network_export_draws_the_engines_boundary(strict_page, tmp_path):
    page = strict_page
    log, runs = open_export(page, tmp_path, NET)
    net = objective_of(NET)
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    poll(page, "() => window.__gdvizOffline.boundary()?.step === 5")
    snap = page.evaluate("window.__gdvizOffline.boundary()")
    assert snap["run"] == 0 and snap["params"] == runs[0]["frames"][5]["params"]
    want = net.predict_proba_grid(np.array([snap["params"]]), snap["xs"], snap["ys"])[0]
    assert len(snap["xs"]) >= 50 and len(snap["ys"]) >= 50
    assert np.abs(np.asarray(snap["proba"]) - want).max() < 1e-9
    # selecting run 2 shows its network at the same step
    page.click("#run-list li[data-run='1'] .offline-run-name")
    poll(page, "() => window.__gdvizOffline.boundary()?.run === 1")
    snap = page.evaluate("window.__gdvizOffline.boundary()")
    assert snap["params"] == runs[1]["frames"][5]["params"]
    want = net.predict_proba_grid(np.array([snap["params"]]), snap["xs"], snap["ys"])[0]
    assert np.abs(np.asarray(snap["proba"]) - want).max() < 1e-9
    assert log["errors"] == []
    assert all(u.startswith(LOCAL) for u in log["requests"]), log["requests"]


def _look(page):
    return page.evaluate("""() => {
        const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
        const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        const layout = (id) => document.querySelector(`#${id} .main-svg`).closest('.js-plotly-plot')._fullLayout;
        const loss = layout('loss-plot');
        return {
            page: lum(rgb(getComputedStyle(document.body).backgroundColor)),
            panel: lum(rgb(getComputedStyle(document.querySelector('.offline-loss')).backgroundColor)),
            lossPaper: lum(rgb(getComputedStyle(document.querySelector('#loss-plot .main-svg')).backgroundColor)),
            lossFont: loss.font.size,
            contourFont: layout('main-plot').font.size,
            step: px('.offline-scrub .stepinfo'), runName: px('.offline-run-name'),
        };
    }""")


def test_the_links_dark_theme_and_scale_dress_the_export(strict_page, tmp_path):
    page = strict_page
    runs = simulate(BOWL)
    looks = []
    for name, look in (("light", {}), ("dark", {"theme": "dark", "scale": 2.0})):
        path = tmp_path / f"{name}.html"
        path.write_text(to_html(BOWL, runs, **look), encoding="utf-8")
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        looks.append(_look(page))
        assert errors == []
    light, dark = looks
    assert light["panel"] > 0.9 and light["lossPaper"] > 0.9
    assert dark["page"] < 0.15 and dark["panel"] < 0.15 and dark["lossPaper"] < 0.15
    for key in ("lossFont", "contourFont", "step", "runName"):
        assert dark[key] == pytest.approx(2 * light[key], rel=0.02), key


CURVE = Scenario.model_validate({"model": {"kind": "f1d", "f": "quadratic"}, "steps": 100,
                                 "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1.5]},
                                          {"optimizer": "gd", "lr": 1.1, "start": [1.5]}]})


def test_a_curve_export_draws_the_curve_view_offline(strict_page, tmp_path):
    page = strict_page
    log, runs = open_export(page, tmp_path, CURVE)
    poll(page, "document.querySelector('#main-plot').dataset.drawn === '1'")
    assert page.text_content("#curve-arithmetic") == "x ← 1.5 − 0.1 × 3 = 1.2"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    poll(page, "window.__gdvizOffline.step() === 3")
    poll(page, "document.querySelector('#curve-arithmetic').textContent.startsWith('x ← 0.768')")
    assert page.text_content("#curve-arithmetic") == "x ← 0.768 − 0.1 × 1.54 = 0.614"
    path = page.evaluate("""() => document.querySelector('#main-plot .curve-plot').data
        .filter((t) => t.name === 'run 1').map((t) => Array.from(t.x))[0]""")
    assert path == pytest.approx([f["params"][0] for f in runs[0]["frames"][:4]])
    assert page.text_content("#loss-title").startswith("Loss f vs step")
    assert not log["errors"]
    assert all(u.startswith(LOCAL) for u in log["requests"])
