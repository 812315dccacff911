"""A race of several runs in one stream: the run list, per-run edits, and every plot
drawing every shown run; schedules, clipping and noise of the selected run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# GD crawling from near Himmelblau's saddle: minutes of steps at 40 steps/s.
SLOW = "surface=himmelblau&r0=gd&r0.lr=0.0002&r0.start=-0.5,0&steps=5000&speed=25"


def rows(page):
    return page.locator("#runs-list .run-row")


def run_frames(page, run):
    return page.evaluate(f"window.__gdviz.frames().filter(f => f.run === {run})")


def test_race_two_runs_one_stream_select_edit_hide_remove(open_playground, page_log):
    # Opened on another tab: the 3D view (seconds of software GL per scene) is drawn
    # once, when the test opens its tab below.
    page = open_playground(SLOW + "#stability")
    assert rows(page).count() == 1
    assert page.locator(".run-row[data-run='0'] .run-remove").is_hidden(), "the last run cannot be removed"

    # + Add run copies the selected run and selects the copy
    page.click("#btn-add-run")
    assert rows(page).count() == 2
    assert page.evaluate("window.__gdviz.selected()") == 1
    assert "selected" in page.get_attribute(".run-row[data-run='1']", "class")
    runs = page.evaluate("window.__gdviz.scenario().runs")
    assert runs[1] == runs[0]
    assert "2 · GD η=2e-4" in page.text_content(".run-row[data-run='1']")

    # Play: ONE start carries both runs; both paths grow, every plot has both
    page.keyboard.press("Space")
    page.wait_for_function("window.__gdviz.pathPoints(0) > 5 && window.__gdviz.pathPoints(1) > 5")
    starts = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "start"]
    assert len(starts[-1]["scenario"]["runs"]) == 2
    # change the selected run's (run 2's) η while running: a `set` for run index 1 only
    page.fill("#lr-input", "0.004")
    page.press("#lr-input", "Enter")
    page.wait_for_function("window.__gdviz.frames().some(f => f.run === 1 && f.lr === 0.004)")
    sets = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "set"]
    assert sets[-1]["run"] == 1 and sets[-1]["changes"] == {"lr": 0.004}
    assert {f["lr"] for f in run_frames(page, 0)} == {0.0002}, "run 1 kept its own η"
    assert "2 · GD η=0.004" in page.text_content(".run-row[data-run='1']")

    page.wait_for_function("['loss-plot', 'gradnorm-plot', 'lr-plot'].every(id =>"
                           " document.getElementById(id).data?.filter(t => t.meta !== 'now').length === 2"
                           " && document.getElementById(id).data.every(t => t.meta === 'now' || t.x.length > 3))")
    # the loss curves have a key that matches the run list's numbers
    legend = page.locator("#loss-plot .legend .legendtext").all_text_contents()
    assert legend == ["1", "2"]

    # hide run 1: its path leaves the contour, its curves go, but it keeps running
    n_sent = len(page.evaluate("window.__gdviz.sent()"))
    page.click(".run-row[data-run='0'] .run-toggle")
    assert page.get_attribute("#contour .overlay g.run[data-run='0']", "display") == "none"
    assert page.evaluate("window.__gdviz.pathPoints(0)") == 0
    page.wait_for_function("document.getElementById('loss-plot').data[0].visible === false")
    assert len(page.evaluate("window.__gdviz.sent()")) == n_sent, "hiding a run must not touch the stream"
    n0 = len(page.evaluate("window.__gdviz.path(0).x"))
    page.wait_for_function(f"window.__gdviz.path(0).x.length > {n0 + 2} || window.__gdviz.state.runs[0].status")
    page.wait_for_function("window.__gdviz.pathPoints(1) > 5")  # the other is still drawn

    # clicking a row selects that run: the controls now edit it
    page.click(".run-row[data-run='0'] .run-select")
    assert page.evaluate("window.__gdviz.selected()") == 0
    assert float(page.input_value("#lr-input")) == 0.0002
    # the 3D view: only the shown run has a path; showing the other brings its path back
    page.click("#tab-3d")
    page.wait_for_function("document.getElementById('surface3d').data?.[2]?.x.length > 3"
                           " && document.getElementById('surface3d').data[1].x.length === 0")
    page.click(".run-row[data-run='0'] .run-toggle")  # show it again
    page.wait_for_function("window.__gdviz.pathPoints(0) > 5")
    page.wait_for_function("document.getElementById('surface3d').data[1].x.length > 3")
    page.click("#tab-stability")  # covered: the 3D view stops redrawing

    # a click on the contour moves the selected run's start only
    page.click("#btn-play")  # pause (Space would toggle the focused show/hide box)
    page.wait_for_function("document.body.dataset.status === 'paused'")
    x, y = page.evaluate("xy => window.__gdviz.toClient(xy)", [2.0, -3.0])
    page.mouse.click(x, y)
    runs = page.evaluate("window.__gdviz.scenario().runs")
    assert runs[0]["start"] == pytest.approx([2.0, -3.0], abs=0.06)
    assert runs[1]["start"] == [-0.5, 0]
    page.click("#btn-play")  # play again, from the starts

    # remove run 2 (its "remove" is on its row once it is selected): one stream with one run again
    page.click(".run-row[data-run='1'] .run-select")
    page.click(".run-row[data-run='1'] .run-remove")
    assert rows(page).count() == 1
    page.wait_for_function("window.__gdviz.sent().filter(m => m.type === 'start').pop().scenario.runs.length === 1")
    page.click("#btn-play")  # pause

    # at most six runs: the button says so
    for _ in range(5):
        page.click("#btn-add-run")
    assert rows(page).count() == 6
    assert page.is_disabled("#btn-add-run")
    assert "6" in page.get_attribute("#btn-add-run", "title")
    assert page.is_visible("#runs-limit")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_schedule_clip_and_noise_of_the_selected_run(open_playground, page_log):
    # opened on the stability tab: this test needs no 3D view (seconds of software GL)
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1&r0.start=1,1&steps=300&speed=20#stability")
    page.click("#run-options summary")
    # only the chosen schedule's fields are shown
    page.select_option("#schedule-select", "cosine")
    assert page.is_visible("#schedule-T_max") and page.is_visible("#schedule-eta_min")
    assert page.is_hidden("#schedule-step_size") and page.is_hidden("#schedule-warmup_steps")
    page.fill("#schedule-T_max", "10")
    page.press("#schedule-T_max", "Enter")
    spec = page.evaluate("window.__gdviz.scenario().runs[0]")
    assert spec["schedule"] == "cosine" and spec["T_max"] == 10
    page.select_option("#schedule-select", "step")
    assert page.is_visible("#schedule-step_size") and page.is_visible("#schedule-gamma")
    assert page.is_hidden("#schedule-T_max")
    page.select_option("#schedule-select", "cosine")
    spec = page.evaluate("window.__gdviz.scenario().runs[0]")
    assert spec["schedule"] == "cosine" and spec["T_max"] == 10 and "step_size" not in spec

    # the current η is shown and plotted; a cosine schedule moves it step by step
    page.wait_for_function("document.getElementById('readout-lr').textContent === '0.1'")
    seen = set()
    for k in range(1, 6):
        page.click("#btn-step")
        page.wait_for_function(f"document.body.dataset.step === '{k}'")
        seen.add(page.text_content("#readout-lr"))
    assert len(seen) == 5, f"η did not change every step: {seen}"
    lrs = [f["lr"] for f in run_frames(page, 0)]
    assert lrs == sorted(lrs, reverse=True) and lrs[0] == 0.1 and lrs[-1] < 0.1
    page.wait_for_function("document.getElementById('lr-plot').data[0].y.length >= 6")
    start = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "start"][-1]
    assert start["scenario"]["runs"][0]["schedule"] == "cosine"

    # clipping and noise: a change restarts from the start with them in the scenario
    page.check("#clip-toggle")
    page.fill("#clip-input", "0.5")
    page.press("#clip-input", "Enter")
    page.fill("#noise-input", "0.3")
    page.press("#noise-input", "Enter")
    page.wait_for_function("document.body.dataset.step === '0'")
    assert "minibatch" in page.text_content("#noise-hint")
    page.click("#btn-step")
    page.wait_for_function("document.body.dataset.step === '1'")
    start = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "start"][-1]
    run = start["scenario"]["runs"][0]
    assert run["clip_norm"] == 0.5 and run["noise"] == 0.3 and run["schedule"] == "cosine"
    # clipping really applies: the first step is at most η·0.5 long
    f1 = run_frames(page, 0)[-1]
    assert f1["step"] == 1
    assert "clip 0.5" in page.text_content(".run-row[data-run='0']")
    page.uncheck("#clip-toggle")
    page.fill("#noise-input", "0")
    page.press("#noise-input", "Enter")
    page.wait_for_function("!('clip_norm' in window.__gdviz.scenario().runs[0]) && !('noise' in window.__gdviz.scenario().runs[0])")
    assert page_log.page_errors == [] and page_log.console_errors == []
