"""The playground page in a real browser: drawing, clicking, streaming, keys, status; on a
phone, the step bar and a kind's own view laid out to be used."""

from __future__ import annotations

import re

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS
from stepping import settled_step

from gdviz.scenarios.course import guide_url
from gdviz.scenarios.presets import PRESETS

pytestmark = pytest.mark.browser

# A long, slow run: GD crawls from near Himmelblau's saddle at a tiny lr (minutes at 40 steps/s).
SLOW_LR = 0.0002
SLOW = f"surface=himmelblau&r0=gd&r0.lr={SLOW_LR}&r0.start=-0.5,0&steps=5000&speed=40"


def step(page) -> int:
    return int(page.evaluate("document.body.dataset.step || '-1'"))


def wait_step_at_least(page, n: int, timeout: float = 10_000):
    page.wait_for_function(f"Number(document.body.dataset.step) >= {n}", timeout=timeout)


def test_page_loads_cleanly_and_talks_only_to_its_host(open_playground, page_log, server_url):
    page = open_playground()  # the server's default scenario
    # every panel in view is drawn; the 3D view waits until its tab is opened
    assert page.get_attribute("body", "data-surface3d") == "deferred"
    assert page.locator("#surface3d canvas").count() == 0
    page.wait_for_selector("#stab-verdict")
    for sel in ("#contour .main-svg", "#loss-plot .main-svg", "#gradnorm-plot .main-svg"):
        page.wait_for_selector(sel, state="attached")  # (the curves share a redraw budget: one may come a frame later)
    assert page.locator("#contour .contourlayer path").count() > 0, "the contour itself is drawn"
    assert page.locator("#surface-select option").count() > 3
    assert page.locator("#optimizer-select option").count() == 7
    # waiting at the start: frame 0 is shown, paused
    assert page.get_attribute("body", "data-status") == "paused"
    assert page.text_content("#step-count") == "0"
    assert "paused" in page.text_content("#status-badge").lower()
    # run a little, so the stream is exercised too
    page.keyboard.press("Space")
    wait_step_at_least(page, 3)
    page.wait_for_timeout(300)
    assert page_log.page_errors == []
    assert page_log.console_errors == []
    host = server_url.split("://", 1)[1]
    allowed = re.compile(rf"^(https?|wss?)://{re.escape(host)}/")
    assert page_log.urls, "no requests were recorded"
    off_host = [u for u in page_log.urls if not allowed.match(u) and not u.startswith(("data:", "blob:"))]
    assert off_host == []
    assert any(u.endswith("/vendor/plotly/plotly-2d.js") for u in page_log.urls)
    assert any(u.startswith("ws://") and u.endswith("/ws/run") for u in page_log.urls)


def test_click_on_contour_sets_the_start(open_playground):
    page = open_playground("surface=himmelblau&r0=gd&r0.lr=0.01")
    target = [2.0, -3.0]
    x, y = page.evaluate("xy => window.__gdviz.toClient(xy)", target)
    page.mouse.click(x, y)
    page.wait_for_function(
        "t => { const f = window.__gdviz.frames().filter(f => f.run === 0 && f.step === 0).pop();"
        " return f && Math.abs(f.params[0] - t[0]) < 0.1 && Math.abs(f.params[1] - t[1]) < 0.1; }",
        arg=target)
    start = page.evaluate("window.__gdviz.scenario().runs[0].start")
    assert start == pytest.approx(target, abs=0.06)  # within a pixel or two of the click
    assert step(page) == 0
    assert page.get_attribute("body", "data-status") == "paused"  # reset there, waiting for Play
    assert page.text_content("#readout-x") == "2" or abs(float(page.text_content("#readout-x")) - 2) < 0.06


def test_play_grows_the_path(open_playground):
    page = open_playground(SLOW + "&tab=3d")
    assert page.evaluate("window.__gdviz.pathPoints()") == 1
    page.click("#btn-play")
    page.wait_for_function("document.body.dataset.status === 'running'")
    wait_step_at_least(page, 5)
    n1 = page.evaluate("window.__gdviz.pathPoints()")
    s1 = step(page)
    wait_step_at_least(page, s1 + 10)
    n2 = page.evaluate("window.__gdviz.pathPoints()")
    assert n2 > n1 > 1
    assert int(page.text_content("#step-count")) >= s1 + 10
    # the 3D path and the loss curve follow the same frames
    # (the 3D view and the curves redraw less often: they wait for the main thread)
    # (software GL in CI can take seconds per 3D draw on a loaded machine: wait longer)
    page.wait_for_function("document.getElementById('surface3d').data[1].x.length > 5",
                           timeout=120_000)
    page.wait_for_function("document.getElementById('loss-plot').data[0].x.length > 5",
                           timeout=120_000)
    page.click("#btn-play")  # pause
    page.wait_for_function("document.body.dataset.status === 'paused'")


def test_changing_lr_mid_run_changes_the_next_steps_without_restarting(open_playground):
    page = open_playground(SLOW)
    page.keyboard.press("Space")
    wait_step_at_least(page, 15)
    page.fill("#lr-input", "0.004")
    page.press("#lr-input", "Enter")
    page.wait_for_function("window.__gdviz.frames().some(f => f.lr === 0.004)")
    frames = page.evaluate("window.__gdviz.frames().filter(f => f.run === 0)")
    sets = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "set"]
    page.keyboard.press("Space")
    assert sets and sets[-1]["changes"] == {"lr": 0.004} and sets[-1]["run"] == 0
    sent_after = sets[-1]["lastStep"]  # newest step the page had received when it sent `set`
    assert sent_after >= 15
    steps = [f["step"] for f in frames]
    assert steps == list(range(steps[0], steps[0] + len(steps))), "the run restarted or skipped"
    first_new = next(f for f in frames if f["lr"] == 0.004)
    assert first_new["step"] > sent_after  # went on from where it was: no restart at step 0
    # applied from the next step the server takes: exactly one switch, old η before it
    # and the new η after (tests/streaming pins "the very next step" without a browser)
    assert all(f["lr"] == SLOW_LR for f in frames if f["step"] < first_new["step"])
    assert all(f["lr"] == 0.004 for f in frames if f["step"] >= first_new["step"])
    # and it really steps with the new rate: for plain GD, update = −η∇f
    for f in (f for f in frames if f["lr"] == 0.004 and f["update"] is not None):
        assert f["update"][0] == pytest.approx(-0.004 * f["grad"][0], rel=1e-9)
        assert f["update"][1] == pytest.approx(-0.004 * f["grad"][1], rel=1e-9)
    assert all(f["lr"] == SLOW_LR for f in frames if f["step"] <= sent_after)
    assert float(page.input_value("#lr-input")) == 0.004
    # the run's label says from when (a link of it gives each run its η from step 0)
    assert f"η=0.004 from step {first_new['step']}" in page.text_content("#runs-list")
    page.click("#btn-copy-link")
    page.wait_for_function("""() => [...document.querySelectorAll('.toast, #share-label')]
        .some((e) => e.textContent.includes('the change mid-way'))""")


def test_keyboard_space_arrow_and_r(open_playground):
    page = open_playground(SLOW)
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'running'")
    wait_step_at_least(page, 5)
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'paused'")
    paused_at = settled_step(page)  # fails if pause did not stop the run
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"Number(document.body.dataset.step) === {paused_at + 1}")
    page.wait_for_timeout(300)
    assert step(page) == paused_at + 1, "→ took more than one step"
    page.keyboard.press("r")
    page.wait_for_function("document.body.dataset.step === '0'")
    assert page.get_attribute("body", "data-status") == "paused"
    # → from the start takes exactly one step
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    page.wait_for_timeout(400)
    assert step(page) == 1
    # Space on a focused button still means play/pause, not "press this button"
    page.focus("#btn-reset")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'running'")
    wait_step_at_least(page, 4)
    # keys typed into an input are left alone
    page.focus("#lr-input")
    page.keyboard.press("r")
    page.wait_for_timeout(200)
    assert step(page) > 1 and page.get_attribute("body", "data-status") == "running"


def test_status_badge_converged_then_diverged(open_playground):
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1&r0.start=1,1&speed=300")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'converged'")
    assert "converged" in page.text_content("#status-badge").lower()
    assert page.get_attribute("#status-badge", "data-status") == "converged"
    assert "onverged" in page.text_content("#status-reason")
    assert page.text_content("#btn-play").strip().endswith("Play")
    assert step(page) > 10
    # a new lr after the end: the verdict made with the old one goes, and the run waits at
    # its start with the new one; then Play runs it from the start
    page.fill("#lr-input", "1.1")
    page.press("#lr-input", "Enter")
    page.wait_for_function("document.body.dataset.step === '0'")
    assert page.evaluate("window.__gdviz.state.runs[0].steps") == [0]
    assert "converged" not in page.text_content("#runs-list").lower()
    assert "η=1.1" in page.text_content("#runs-list")
    assert page.text_content("#status-reason").startswith("At the start")
    page.click("#btn-play")
    page.wait_for_function("document.body.dataset.status === 'diverged'")
    assert "diverged" in page.text_content("#status-badge").lower()
    assert "2/λ_max" in page.text_content("#status-reason")
    frames = page.evaluate("window.__gdviz.frames().filter(f => f.run === 0)")
    assert frames[0]["step"] == 0 and frames[0]["params"] == [1.0, 1.0]
    assert {f["lr"] for f in frames} == {1.1}


def test_link_warnings_bad_input_and_server_errors_are_shown(open_playground, page_log):
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1&r0.start=1,1&bogus=1")
    # problems in the link: a visible notice that can be dismissed
    notice = page.locator("#warnings")
    assert notice.is_visible()
    assert "bogus" in notice.text_content()
    height = page.evaluate("document.querySelector('#contour .main-svg').getBoundingClientRect().height")
    page.click("#warnings-close")
    assert page.locator("#warnings").count() == 0
    # the plots take the freed room (they follow their containers, not only the window)
    page.wait_for_function(
        f"document.querySelector('#contour .main-svg').getBoundingClientRect().height > {height} + 10")
    # typed values beyond the slider (1e-4 … 10) but within the server's limits are fine
    page.fill("#lr-input", "20")
    page.press("#lr-input", "Enter")
    assert page.evaluate("window.__gdviz.scenario().runs[0].lr") == 20
    assert float(page.input_value("#lr-slider")) == 1.0  # pinned at the slider's end (10)
    # beyond the server's limit: refused with a visible note, nothing changes
    page.fill("#lr-input", "1e7")
    page.press("#lr-input", "Enter")
    page.locator(".toast", has_text="between").wait_for(state="visible")
    assert page.evaluate("window.__gdviz.scenario().runs[0].lr") == 20
    assert page.get_attribute("#lr-input", "aria-invalid") == "true"
    # an `error` from the server is shown, and the page carries on
    page.evaluate("window.__gdviz.send({type: 'speed', steps_per_second: 99999})")
    page.locator(".toast", has_text="steps_per_second").wait_for(state="visible")
    assert page_log.page_errors == []


@pytest.fixture
def phone(sync_pw):
    """A page in an iPhone 13's shape (390×844, touch) in a browser of its own."""
    browser = sync_pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    spec = {k: v for k, v in sync_pw.devices["iPhone 13"].items() if k != "default_browser_type"}
    spec["viewport"] = {"width": 390, "height": 844}
    page = browser.new_context(bypass_csp=True, **spec).new_page()
    page.set_default_timeout(120_000)
    yield page
    browser.close()


def test_on_a_phone_the_step_bar_keeps_its_slider_and_its_branch_button(phone, server_url):
    """In one row at 390 px the step slider was a dot and "Branch from here…" went off the
    screen's right edge; the bar sat above the plot and pushed it (and Play) down as it appeared."""
    phone.goto(server_url + PRESETS["lr-just-right"].url)
    phone.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    phone.tap("#btn-play")
    phone.wait_for_function("Number(document.body.dataset.step) >= 4")
    phone.tap("#btn-play")
    phone.wait_for_function("document.body.dataset.status !== 'running'")
    phone.wait_for_selector("#scrub-bar", state="visible")
    box = lambda sel: phone.locator(sel).bounding_box()  # noqa: E731
    slider, branch, bar = box("#scrub-slider"), box("#branch-box > summary"), box("#scrub-bar")
    assert slider["width"] >= 100, slider
    assert branch["x"] >= 0 and branch["x"] + branch["width"] <= 390, branch
    assert bar["x"] + bar["width"] <= 390 and phone.evaluate("document.documentElement.scrollWidth") <= 390
    # under Play, above the status: the plot and Play stay where they were
    assert box("#btn-play")["y"] < bar["y"] < box("#status-badge")["y"]
    assert box("#contour")["y"] < box("#btn-play")["y"]
    # the slider moves the step; the branch form opens on the screen
    phone.fill("#scrub-slider", "2")
    phone.dispatch_event("#scrub-slider", "input")
    phone.wait_for_function("/^step 2\\b/.test(document.getElementById('scrub-label').textContent)")
    phone.tap("#branch-box > summary")
    form = box("#branch-form")
    assert form["x"] >= 0 and form["x"] + form["width"] <= 390 and form["y"] >= 0, form


def test_on_a_phone_the_curve_of_f1d_has_its_height_and_keeps_it_when_a_run_diverges(phone, server_url):
    """f1d's view (a kind's own, not the contour) had no height on a phone: a 130 px box the
    card, Play and the status overlapped."""
    link = guide_url("1d-slope").replace("r0.lr=0.1", "r0.lr=1.1").replace("speed=4", "speed=60")
    phone.goto(server_url + link)
    phone.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    phone.tap("#btn-play", timeout=10_000)  # (nothing over it)
    phone.wait_for_function("document.body.dataset.status === 'diverged'")
    phone.wait_for_function("document.querySelector('#plugin-main .curve-step').textContent.includes('Diverged at step')")
    room = phone.evaluate("""(() => {
        const r = (sel) => document.querySelector(sel).getBoundingClientRect();
        return {view: r('#plugin-main'), panel: r('.panel-plugin'), plot: r('#plugin-main .curve-plot'), play: r('#btn-play')};
    })()""")
    assert room["plot"]["height"] >= 200 and room["plot"]["height"] >= 0.6 * room["view"]["height"], room
    assert room["panel"]["bottom"] <= room["play"]["top"], room  # first, and nothing over it
