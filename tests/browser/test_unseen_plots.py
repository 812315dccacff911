"""Nothing is drawn that cannot be seen: a plot under a closed tab, a panel an /embed does
not show and a plot scrolled out of view make no Plotly call while the runs play, and
catch up once they come into view. (Speed itself is measured in bench/frame_rate.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from stepping import settled_step

pytestmark = pytest.mark.browser

# Two runs that play for minutes: GD and momentum creeping down the bowl.
RACE = ("v=1&surface=bowl&steps=10000&speed=100&r0=gd&r0.lr=0.0001&r0.start=1.5,1"
        "&r1=momentum&r1.lr=0.00001&r1.start=-1.5,1")

COUNT_PLOTLY = (Path(__file__).parent / "plotly_calls.js").read_text()


def calls(page, plot: str) -> int:
    return page.evaluate(f"window.__plotlyCalls[{plot!r}] || 0")


def open_counted(page, url: str):
    page.add_init_script(COUNT_PLOTLY)
    page.goto(url)
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    page.wait_for_function("['drawn', 'deferred', 'none'].includes(document.body.dataset.surface3d)")
    return page


def play_until(page, step: int):
    if page.get_attribute("body", "data-status") != "running":
        page.keyboard.press("Space")
    page.wait_for_function(f"Number(document.body.dataset.step) >= {step}")


def test_a_closed_tab_draws_nothing_and_catches_up_when_opened(page, server_url):
    open_counted(page, f"{server_url}/?{RACE}")  # a surface opens on Stability
    assert page.get_attribute("#tab-stability", "aria-selected") == "true"
    play_until(page, 60)
    page.wait_for_function("(window.__plotlyCalls['loss-plot'] || 0) > 0")  # the curves are drawn …
    assert calls(page, "surface3d") == 0  # … the 3D view under its closed tab is not, not even once
    assert page.locator("#surface3d canvas").count() == 0
    assert page.evaluate("window.__gdviz.surface3dUpdates()") == 0

    page.keyboard.press("Space")  # paused: opened, the 3D view is drawn with the paths as they are
    page.wait_for_function("document.body.dataset.status === 'paused'")
    page.click("#tab-3d")
    page.wait_for_function("document.body.dataset.surface3d === 'drawn'")
    page.wait_for_function("window.__gdviz.surface3dUpdates() > 0")
    page.wait_for_function("document.getElementById('surface3d').data[1].x.length > 60")

    page.click("#tab-stability")  # closed again: the paths stop moving in it
    page.wait_for_timeout(200)  # (a path update already queued may finish)
    before = (calls(page, "surface3d"), page.evaluate("window.__gdviz.surface3dUpdates()"))
    at = int(page.get_attribute("body", "data-step"))
    play_until(page, at + 100)
    assert (calls(page, "surface3d"), page.evaluate("window.__gdviz.surface3dUpdates()")) == before


def test_an_embed_draws_only_the_panels_it_shows(page, server_url):
    page.set_viewport_size({"width": 960, "height": 540})
    open_counted(page, f"{server_url}/embed?{RACE}&show=main,loss")
    play_until(page, 60)
    page.wait_for_function("(window.__plotlyCalls['loss-plot'] || 0) > 1")
    for unseen in ("gradnorm-plot", "lr-plot", "surface3d", "acc-plot", "layers-plot"):
        assert calls(page, unseen) == 0, unseen
    assert page.locator("#surface3d canvas").count() == 0


def test_an_embed_not_showing_its_contour_does_not_draw_it(page, server_url):
    page.set_viewport_size({"width": 960, "height": 540})
    open_counted(page, f"{server_url}/embed?{RACE}&show=loss,grad")
    play_until(page, 40)
    page.wait_for_function("(window.__plotlyCalls['gradnorm-plot'] || 0) > 0")
    assert page.evaluate("document.querySelector('#contour .plotly-host').data") is None
    assert page.evaluate("window.__gdviz.pathPoints(0)") == 0  # its paths are not drawn either


def test_a_plot_scrolled_out_of_view_waits_until_it_is_seen(page, server_url):
    page.set_viewport_size({"width": 900, "height": 700})  # one column: the curves are far below
    open_counted(page, f"{server_url}/?{RACE}")
    assert page.evaluate("document.getElementById('loss-plot').getBoundingClientRect().top") > 700
    play_until(page, 60)
    assert calls(page, "loss-plot") == 0 and calls(page, "gradnorm-plot") == 0
    page.keyboard.press("Space")  # pause, then look at the curves
    page.wait_for_function("document.body.dataset.status === 'paused'")
    at = settled_step(page)
    page.evaluate("document.getElementById('loss-plot').scrollIntoView()")
    # drawn once it is seen, up to the step where the runs are
    page.wait_for_function(f"document.getElementById('loss-plot').data?.[0]?.x.at(-1) === {at}")


# A small CNN that trains for minutes (a kind with two views of its own: cnn, confusion).
CNN_LONG = "v=1&model=cnn&model.n=100&model.kernels=4&steps=5000&speed=20&r0=adam&r0.lr=0.001"


def test_a_kinds_view_under_a_closed_tab_gets_no_frames_and_catches_up(page, server_url):
    page.goto(f"{server_url}/?{CNN_LONG}&tab=why")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    page.wait_for_selector(".cnn-view .cnn-kernel canvas")
    play_until(page, 8)
    page.wait_for_function("(window.__gdviz.pluginUpdates().cnn || 0) > 0")  # the main view plays …
    assert page.evaluate("window.__gdviz.pluginUpdates().confusion") == 0  # … the Mistakes tab is closed
    assert page.text_content("#confusion-panel").startswith("The counts appear")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'paused'")
    at = settled_step(page)
    page.wait_for_function(f"window.__gdviz.state.runs[0].withParams?.step === {at}")
    page.click("[data-tab='confusion']")  # opened: it shows where the run is
    page.wait_for_function(f"document.getElementById('confusion-panel').textContent.includes('at step {at}:')")
    assert page.evaluate("window.__gdviz.pluginUpdates().confusion") >= 1


def test_an_embed_not_showing_a_kinds_main_view_does_not_update_it(page, server_url):
    page.set_viewport_size({"width": 960, "height": 540})
    page.goto(f"{server_url}/embed?{CNN_LONG}&show=loss")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    play_until(page, 8)
    page.wait_for_function("document.getElementById('loss-plot').data?.[0]?.x.length > 4")
    assert page.evaluate("window.__gdviz.pluginUpdates()") == {"cnn": 0, "confusion": 0}
