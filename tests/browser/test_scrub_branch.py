"""Scrub and branch in Chromium (issue 17 item 3): drag the step slider back and every view
shows that step; branch at step 40 of a ravine run with another momentum; the branch is
bit for bit POST /api/run of the page's scenario, and its link reopens it."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser

RAVINE = ("v=1&surface=ravine&steps=300&r0=momentum&r0.lr=0.095&r0.momentum=0.9"
          "&r0.start=-1.8,0.6")
MLP = "v=1&model=mlp&model.dataset=moons&steps=200&r0=adam&r0.lr=0.01"


def step_to(page, k):
    """Take exactly k steps (paused): one with the Step button, then k − 1 at once."""
    page.click("#btn-step")
    page.wait_for_function("document.body.dataset.step === '1'")
    page.evaluate(f"window.__gdviz.send({{type: 'step', count: {k - 1}}})")
    page.wait_for_function(f"document.body.dataset.step === '{k}'")


def drag_slider_to(page, k):
    """Move the step slider to step k as a student would: a press on its track near k, then
    the arrow keys to k exactly."""
    box = page.locator("#scrub-slider").bounding_box()
    top = int(page.get_attribute("#scrub-slider", "max"))
    page.mouse.click(box["x"] + box["width"] * k / top, box["y"] + box["height"] / 2)
    shown = int(page.evaluate("document.getElementById('scrub-slider').value"))
    for _ in range(abs(shown - k)):
        page.keyboard.press("ArrowLeft" if shown > k else "ArrowRight")
    page.wait_for_function(f"document.body.dataset.step === '{k}'"
                           f" && document.getElementById('scrub-slider').value === '{k}'")


def frames_of(page, run):
    return page.evaluate(f"window.__gdviz.state.runs[{run}].frames")


def test_drag_back_every_view_shows_the_step_then_branch_and_reopen(open_playground, page,
                                                                     server_url, page_log):
    open_playground(RAVINE + "#3d")  # (a surface opens on a 2D tab; the 3D view is asked for)
    page.wait_for_function("document.body.dataset.surface3d === 'drawn'", timeout=90_000)
    step_to(page, 100)
    drag_slider_to(page, 40)
    f40 = frames_of(page, 0)[40]
    assert f40["step"] == 40
    # readouts, the contour path and the now-point, the curves, the 3D path: step 40
    assert page.text_content("#step-count") == "40"
    assert page.text_content("#scrub-label") == "step 40 of 100"
    assert page.evaluate("window.__gdviz.pathPoints(0)") == 41
    assert page.evaluate("window.__gdviz.state.liveRuns[0].xs.length") == 101  # (all kept)
    # (the curves and the 3D view redraw at most once per animation frame)
    page.wait_for_function("document.getElementById('loss-plot').data[0].x.length === 41")
    assert page.evaluate("document.getElementById('loss-plot').data[0].x.at(-1)") == 40
    page.wait_for_function("document.getElementById('surface3d').data"
                           ".find(t => t.name === 'path 1').x.length === 41")
    path3d = page.evaluate("document.getElementById('surface3d').data.find(t => t.name === 'path 1').x")
    assert path3d[-1] == f40["params"][0]
    x_text = page.text_content("#readout-x")
    assert float(x_text) == pytest.approx(f40["params"][0], rel=5e-3)
    assert "Back at step 40" in page.text_content("#status-reason")
    # the update's arithmetic is step 40's
    page.click("#tab-step")
    page.wait_for_function("document.getElementById('step-where').textContent"
                           ".includes('from step 40 to 41')")

    # branch from here with momentum 0.3
    page.click("#branch-box summary")
    page.wait_for_function("document.getElementById('branch-title').textContent"
                           ".endsWith('from step 40')")
    page.fill("#branch-fields input[name=momentum]", "0.3")
    page.click("#branch-go")
    page.wait_for_function("window.__gdviz.scenario().runs.length === 2")
    spec = page.evaluate("window.__gdviz.scenario().runs[1]")
    assert (spec["branch_of"], spec["branch_at"], spec["momentum"]) == (0, 40, 0.3)
    assert "⑂1@40" in page.text_content(".run-row[data-run='1']")
    page.wait_for_function("window.__gdviz.state.runs[1].status !== null", timeout=60_000)
    live = frames_of(page, 1)
    # the branch is the parent before step 40, its own from there; POST /api/run agrees
    whole = httpx.post(f"{server_url}/api/run", json=page.evaluate("window.__gdviz.forServer()"),
                       timeout=60).json()["runs"][1]["frames"]
    assert [f["step"] for f in live] == list(range(len(live)))
    for f in live[40:]:
        w = whole[f["step"]]
        assert (f["params"], f["loss"], f["grad"], f["update"]) == (
            w["params"], w["loss"], w["grad"], w["update"])
    assert live[39]["params"] == frames_of(page, 0)[39]["params"]
    assert live[41]["params"] != frames_of(page, 0)[41]["params"]
    ended = page.evaluate("window.__gdviz.state.runs[1].status")

    # the link reopens it: the branch leaves run 1 at step 40, with the same numbers
    query = page.evaluate("window.__gdviz.query()")
    assert "r1.branch_of=0" in query and "r1.branch_at=40" in query and "r1.momentum=0.3" in query
    open_playground(query)
    page.click("#btn-play")
    page.wait_for_function("window.__gdviz.state.runs[1].status !== null", timeout=60_000)
    again = frames_of(page, 1)
    assert [f["params"] for f in again] == [f["params"] for f in live]
    assert page.evaluate("window.__gdviz.state.runs[1].status") == ended
    assert not page_log.page_errors


def test_a_network_scrubbed_back_asks_for_the_thin_frame_and_draws_it(open_playground, page,
                                                                      server_url, page_log):
    open_playground(MLP + "#net")
    step_to(page, 60)
    # a network's stream frames are thin: the weights only on the newest of each message.
    # Which frames those are depends on how many steps fit in a call's compute budget, so
    # scrub to one that came thin (there are some unless an MLP step took over 20 ms)
    thin = [f["step"] for f in frames_of(page, 0)[1:] if "params" not in f]
    assert thin, "every frame carried the weights"
    k = thin[len(thin) // 2]
    page.evaluate(f"window.__gdviz.scrub({k})")
    page.wait_for_function(f"window.__gdviz.sent().some(m => m.type === 'past' && m.step === {k})")
    page.wait_for_function(f"window.__gdviz.diagram()?.step === {k}")
    page.wait_for_function(f"window.__gdviz.boundary()?.step === {k}")
    whole = httpx.post(f"{server_url}/api/run", json=page.evaluate("window.__gdviz.forServer()"),
                       timeout=60).json()["runs"][0]["frames"][k]
    assert page.evaluate("window.__gdviz.diagram().params") == whole["params"]
    assert page.evaluate("window.__gdviz.boundary().params") == whole["params"]
    assert page.text_content("#step-count") == str(k)
    # back to the newest: the views follow the run again
    page.click("#scrub-live")
    page.wait_for_function("window.__gdviz.diagram()?.step === 60")
    assert not page_log.page_errors





CNN = "v=1&model=cnn&model.n=100&model.kernels=4&steps=40&r0=adam&r0.lr=0.01"


def test_a_kinds_plugin_view_shows_the_scrubbed_step(open_playground, page, server_url,
                                                     page_log):
    """The CNN's confusion matrix (a plug-in view) rides on the frames with weights only:
    scrubbed back, it is the step's, from the server's `past`."""
    open_playground(CNN + "#confusion")
    step_to(page, 20)
    page.evaluate("window.__gdviz.scrub(8)")
    page.wait_for_function("document.body.textContent.includes('images at step 8:')")
    whole = httpx.post(f"{server_url}/api/run", json=page.evaluate("window.__gdviz.forServer()"),
                       timeout=60).json()["runs"][0]["frames"][8]
    right = sum(whole["confusion"][i][i] for i in range(len(whole["confusion"])))
    assert f"images at step 8: {right} of" in page.text_content("body")
    assert not page_log.page_errors
