"""/embed in a real browser: it fills its frame, shows the panels and controls its link
asks for, dresses page and plots in the link's theme and font scale, plays on its own
with autoplay=1, and in a frame drives the plot with Space/→/R while the deck's keys go
back to the deck (docs/lectures.md)."""

from __future__ import annotations

import json
import re

import pytest
from stepping import play_pause_step

pytestmark = pytest.mark.browser

# GD from near Himmelblau's saddle at a small η: hundreds of steps, nothing ends soon.
SLOW = "v=1&surface=himmelblau&steps=3000&speed=30&r0=gd&r0.start=-0.5,0&r0.lr=0.0002"
RACE = "v=1&surface=himmelblau&steps=3000&speed=30&r0=gd&r0.start=-0.5,0&r0.lr=0.0002&r1=momentum&r1.start=1,1&r1.lr=0.0002"


def open_embed(page, server_url, query, size=(960, 540)):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{server_url}/embed?{query}")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    return page


def box(page, selector):
    b = page.locator(selector).first.bounding_box()
    assert b is not None, f"{selector} is not displayed"
    return b


def step(target) -> int:
    return int(target.evaluate("document.body.dataset.step || '-1'"))


def inside(b, w, h):
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= w + 0.5 and b["y"] + b["height"] <= h + 0.5


def no_scrollbars(page):
    return page.evaluate("""(() => {
        const d = document.documentElement;
        return d.scrollWidth <= innerWidth && d.scrollHeight <= innerHeight
            && document.body.scrollHeight <= innerHeight && document.body.scrollWidth <= innerWidth; })()""")


@pytest.mark.parametrize("size", [(480, 320), (960, 540)])
def test_embed_fills_its_frame_with_the_plots_and_no_chrome(page, server_url, page_log, size):
    w, h = size
    open_embed(page, server_url, RACE, size)
    for chrome in (".topbar", ".version", ".keys", "#surface-select", "#btn-copy-link", ".explore-head"):
        assert not page.is_visible(chrome), chrome
    assert no_scrollbars(page)
    # the main plot (its whole Plotly figure) is on screen and takes a good part of the frame
    main = box(page, "#contour .main-svg")
    assert inside(main, w, h), main
    assert main["width"] >= 0.45 * w and main["height"] >= 0.6 * h, main
    # the loss curve beside it, on screen too; nothing else
    loss = box(page, "#loss-plot .main-svg")
    assert inside(loss, w, h) and loss["x"] >= main["x"] + main["width"] - 1, loss
    assert loss["width"] >= 0.25 * w and loss["height"] >= 0.5 * h, loss
    for other in ("#surface3d", "#gradnorm-plot", "#lr-plot", ".panel-explore"):
        assert not page.is_visible(other), other
    # the bar under them, whole
    bar = box(page, ".controls")
    assert inside(bar, w, h) and bar["y"] >= main["y"] + main["height"] - 1
    assert page.evaluate("(() => { const c = document.querySelector('.controls'); return c.scrollWidth <= c.clientWidth; })()")
    for sel in ("#btn-play", "#btn-step", "#btn-reset", "#lr-input", "#status-badge", "#step-count"):
        assert inside(box(page, sel), w, h), sel
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_plots_follow_the_frame_when_it_is_resized(page, server_url):
    open_embed(page, server_url, SLOW, (960, 540))
    before = box(page, "#contour .main-svg")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_function("document.querySelector('#contour .main-svg').getBoundingClientRect().height > "
                           f"{before['height'] * 1.2}")
    after = box(page, "#contour .main-svg")
    assert inside(after, 1280, 720) and no_scrollbars(page)
    assert inside(box(page, "#loss-plot .main-svg"), 1280, 720)


def test_show_lays_out_the_panels_it_names_in_order(page, server_url):
    open_embed(page, server_url, SLOW + "&show=loss,main,grad", (1280, 720))
    loss, main, grad = (box(page, s) for s in ("#loss-plot .main-svg", "#contour .main-svg", "#gradnorm-plot .main-svg"))
    assert loss["width"] * loss["height"] > 1.5 * grad["width"] * grad["height"]  # the first is the large one
    assert main["x"] > loss["x"] and grad["y"] > main["y"]  # the others beside it, stacked
    assert page.evaluate("document.querySelector('.embed-panels').dataset.names") == "loss,main,grad"
    # a network: main is its decision boundary, and a panel it lacks (grad) is skipped
    open_embed(page, server_url, "v=1&model=mlp&model.dataset=moons&model.hidden=8&r0=adam&r0.lr=0.01&show=main,grad,acc")
    assert page.evaluate("document.querySelector('.embed-panels').dataset.names") == "main,acc"
    assert inside(box(page, "#boundary .main-svg"), 960, 540) and inside(box(page, "#acc-plot .main-svg"), 960, 540)
    assert not page.is_visible("#contour")


def test_the_tab_panel_is_titled_by_its_tab_alone(page, server_url):
    open_embed(page, server_url, SLOW + "&tab=stability", (960, 540))
    assert page.evaluate("document.querySelector('.embed-panels').dataset.names") == "main,tab"
    tabs = page.locator("#explore-tabs [role=tab]:visible")
    assert tabs.count() == 1 and tabs.first.get_attribute("aria-selected") == "true"
    pane = box(page, ".panel-explore .pane.active")
    assert inside(pane, 960, 540) and pane["height"] > 0.5 * 540
    assert no_scrollbars(page)


def test_controls_none_few_and_all(page, server_url):
    few = ("#btn-play", "#btn-step", "#btn-reset", "#lr-slider", "#lr-input", "#step-count", "#status-badge")
    rest = ("#optimizer-select", "#speed-slider", "#runs-list", "#btn-add-run", ".readouts", "#run-options")

    open_embed(page, server_url, SLOW)  # few is /embed's default
    for sel in few:
        assert page.is_visible(sel), sel
    for sel in rest:
        assert not page.is_visible(sel), sel
    # the reason sentence is the badge's tooltip
    assert page.get_attribute("#status-badge", "title") == page.text_content("#status-reason") != ""
    # the bar's η edits the selected run
    page.fill("#lr-input", "0.004")
    page.press("#lr-input", "Enter")
    page.wait_for_function("window.__gdviz.scenario().runs[0].lr === 0.004")

    open_embed(page, server_url, SLOW + "&controls=none")
    assert not page.is_visible(".controls") and not page.is_visible("#btn-play")
    page.keyboard.press("Space")  # the keys still work
    page.wait_for_function("Number(document.body.dataset.step) >= 3")
    page.keyboard.press("Space")

    open_embed(page, server_url, SLOW + "&controls=all", (1280, 720))
    for sel in (*few, "#optimizer-select", "#speed-slider", "#runs-list", "#btn-add-run"):
        assert page.is_visible(sel), sel
    column, main = box(page, ".controls"), box(page, "#contour .main-svg")
    assert column["x"] + column["width"] <= main["x"] and column["height"] > 0.8 * 720  # beside the plots
    assert not page.is_visible(".topbar") and no_scrollbars(page)


def test_autoplay_starts_playing_once_the_first_frame_is_shown(page, server_url):
    page.goto(f"{server_url}/embed?{SLOW}&autoplay=1")
    page.wait_for_function("Number(document.body.dataset.step) >= 5")  # nobody pressed anything
    assert page.get_attribute("body", "data-status") == "running"
    # without it the frame waits at the start
    open_embed(page, server_url, SLOW)
    page.wait_for_timeout(500)
    assert step(page) == 0 and page.get_attribute("body", "data-status") == "paused"


def luminance(css_color: str) -> float:
    """WCAG relative luminance of `#rrggbb`, `rgb(…)` or `rgba(…)`."""
    c = css_color.strip()
    if c.startswith("#"):
        rgb = [int(c[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [float(v) for v in re.findall(r"[\d.]+", c)[:3]]
    lin = [v / 255 / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("route", ["/embed", "/"])
def test_dark_theme_darkens_the_page_and_every_plot_and_keeps_run_colours(page, server_url, route, page_log):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server_url}{route}?{RACE}&preset=himmelblau-basins&theme=dark")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    style = lambda sel, prop: page.evaluate(f"getComputedStyle(document.querySelector({json.dumps(sel)})).{prop}")  # noqa: E731
    assert luminance(style("body", "backgroundColor")) < 0.02
    assert luminance(style(".panel-contour", "backgroundColor")) < 0.02
    assert luminance(style(".panel h2", "color")) > 0.7
    assert luminance(style("#btn-step", "backgroundColor")) < 0.05
    _plots_laid_out(page)
    layout = lambda plot, key: page.evaluate(f"document.getElementById('{plot}')._fullLayout.{key}")  # noqa: E731
    assert luminance(layout("loss-plot", "paper_bgcolor")) < 0.02
    assert luminance(layout("loss-plot", "font.color")) > 0.7
    # the contour's axes and colour bar: light tick labels on the dark panel
    tick = page.evaluate("getComputedStyle(document.querySelector('#contour .xtick text')).fill")
    cbar = page.evaluate("getComputedStyle(document.querySelector('#contour .cbaxis text, #contour .colorbar text')).fill")
    assert luminance(tick) > 0.7 and luminance(cbar) > 0.7
    # run colours as chosen for the dark curve panels and the contour (a light-themed curve
    # darkens them to read on white: test_look.py)
    page.wait_for_function("document.getElementById('loss-plot').data?.[0]?.x.length > 0")  # (frame 0 drawn)
    colours = page.evaluate("document.getElementById('loss-plot')._fullData.map(t => (t.line ?? t.marker).color)")
    assert colours[:2] == ["#ff7a00", "#ff2fa0"]
    if route == "/":  # the lesson beside the plots (not shown in /embed)
        page.wait_for_selector(".panel-lesson", state="visible")
        assert luminance(style(".panel-lesson", "backgroundColor")) < 0.03
        assert luminance(style(".lesson-text", "color")) > 0.7
    else:
        assert not page.is_visible(".panel-lesson")
    assert page_log.page_errors == [] and page_log.console_errors == []


def _plots_laid_out(page):
    """Wait until Plotly has laid out the loss plot and the contour's axes: the page says
    ready, at step 0, a moment before."""
    page.wait_for_function("document.getElementById('loss-plot')._fullLayout?.yaxis"
                           " && document.querySelector('#contour .xtick text')")


def _font_sizes(page):
    _plots_laid_out(page)
    return page.evaluate("""(() => {
        const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
        return {
            title: px('.panel-contour h2'), step: px('#step-count'), lr: px('#lr-input'), badge: px('#status-badge'),
            // (the axis's font, not a label's: on a log axis Plotly draws the labels between
            // the powers of ten smaller, and which labels show depends on the frames so far)
            tick: document.getElementById('loss-plot')._fullLayout.yaxis.tickfont.size,
            contourTick: parseFloat(document.querySelector('#contour .xtick text').style.fontSize),
            layoutFont: document.getElementById('loss-plot')._fullLayout.font.size,
        }; })()""")


def test_scale_multiplies_every_font_and_scale_2_still_fits_a_projector(page, server_url):
    one = _font_sizes(open_embed(page, server_url, SLOW, (1280, 720)))
    two = _font_sizes(open_embed(page, server_url, SLOW + "&scale=2", (1280, 720)))
    for key in one:
        assert two[key] == pytest.approx(2 * one[key], rel=0.05), (key, one[key], two[key])
    # still usable at 1280×720: no scrollbars, the plots on screen, the bar whole
    assert no_scrollbars(page)
    main = box(page, "#contour .main-svg")
    assert inside(main, 1280, 720) and main["height"] > 0.6 * 720
    assert inside(box(page, "#loss-plot .main-svg"), 1280, 720)
    for sel in ("#btn-play", "#lr-input", "#status-badge", "#step-count"):
        assert inside(box(page, sel), 1280, 720), sel
    assert page.evaluate("(() => { const c = document.querySelector('.controls'); return c.scrollWidth <= c.clientWidth; })()")


def test_link_warnings_float_over_the_plots_and_can_be_dismissed(page, server_url):
    open_embed(page, server_url, SLOW + "&theme=purple&r0.lr=banana", (480, 320))
    assert page.is_visible("#warnings")
    assert "theme" in page.text_content("#warnings")
    assert no_scrollbars(page)
    main = box(page, "#contour .main-svg")
    assert inside(main, 480, 320) and main["height"] >= 0.6 * 320  # not pushed down
    page.click("#warnings-close")
    assert page.locator("#warnings").count() == 0


def frame_host(page, server_url, query, size=(960, 540)):
    """A page (about:blank, like a deck) holding /embed in an iframe, recording the
    messages the frame posts to it."""
    page.set_viewport_size({"width": size[0] + 100, "height": size[1] + 100})
    page.set_content(f'<p id="deck">deck</p><iframe id="gd" src="{server_url}/embed?{query}" '
                     f'width="{size[0]}" height="{size[1]}" style="border:0"></iframe>')
    page.evaluate("() => { window.__msgs = []; addEventListener('message', (e) => __msgs.push(e.data)); }")
    frame = page.wait_for_selector("#gd").content_frame()
    frame.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    return frame


def messages(page):
    return [json.loads(m) for m in page.evaluate("window.__msgs")]


def test_a_focused_frame_plays_on_its_keys_and_sends_the_deck_its_keys(page, server_url):
    frame = frame_host(page, server_url, SLOW)
    assert frame.evaluate("document.body.dataset.frameFocus") == "0"
    frame.click(".panel-contour h2")  # the lecturer clicks the frame
    frame.wait_for_function("document.body.dataset.frameFocus === '1'")
    play_pause_step(page, frame)
    assert messages(page) == []  # the frame's own keys stay in the frame
    page.keyboard.press("PageDown")
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.wait_for_function("window.__msgs.length === 3")
    assert messages(page) == [
        {"method": "next", "args": [], "source": "gdviz", "key": "PageDown"},
        {"method": "toggleOverview", "args": [], "source": "gdviz", "key": "Escape"},
        {"method": "togglePause", "args": [], "source": "gdviz", "key": "b"},
    ]
    page.keyboard.press("r")
    frame.wait_for_function("document.body.dataset.step === '0'")
    # typing in the η field is typing, not the deck's keys
    frame.click("#lr-input")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("n")
    page.wait_for_timeout(200)
    assert len(messages(page)) == 3


def test_the_click_that_focuses_the_frame_does_not_move_the_start(page, server_url):
    frame = frame_host(page, server_url, SLOW)
    page.click("#deck")  # the deck has the focus
    start = frame.evaluate("window.__gdviz.scenario().runs[0].start")
    x, y = frame.evaluate("xy => window.__gdviz.toClient(xy)", [3.0, -3.0])
    offset = page.locator("#gd").bounding_box()
    page.mouse.click(offset["x"] + x, offset["y"] + y)
    frame.wait_for_function("document.body.dataset.frameFocus === '1'")
    page.wait_for_timeout(300)
    assert frame.evaluate("window.__gdviz.scenario().runs[0].start") == start
    page.mouse.click(offset["x"] + x, offset["y"] + y)  # now it has the focus: a click picks
    frame.wait_for_function("Math.abs(window.__gdviz.scenario().runs[0].start[0] - 3) < 0.2")


def test_keys_are_not_posted_when_not_in_a_frame(page, server_url):
    # /embed opened on its own: nobody to send them to
    open_embed(page, server_url, SLOW)
    page.evaluate("() => { window.__msgs = []; addEventListener('message', (e) => __msgs.push(e.data)); }")
    page.keyboard.press("PageDown")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__msgs") == []
    # the playground in a frame of its own site: the playground never forwards keys
    page.goto(f"{server_url}/docs")
    page.evaluate("""q => { window.__msgs = []; addEventListener('message', (e) => __msgs.push(e.data));
        const f = document.createElement('iframe'); f.id = 'pg'; f.width = 1280; f.height = 720;
        f.src = '/?' + q; document.body.prepend(f); }""", SLOW)
    frame = page.wait_for_selector("#pg").content_frame()
    frame.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    frame.click(".panel-contour h2")
    page.keyboard.press("PageDown")
    page.keyboard.press("Space")
    frame.wait_for_function("Number(document.body.dataset.step) >= 2")  # its keys work…
    assert page.evaluate("window.__msgs") == []  # …and nothing was posted


def _ticks_overlap(page, plot: str) -> list:
    """Pairs of neighbouring x tick labels of `plot` whose boxes overlap, and tilted labels."""
    return page.evaluate(f"""(() => {{
        const texts = [...document.querySelectorAll('{plot} .xtick text')].filter(t => t.textContent);
        const bad = texts.filter(t => /rotate\\((?!0)/.test(t.getAttribute('transform') || '')).map(t => 'tilted ' + t.textContent);
        const boxes = texts.map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left);
        for (let k = 1; k < boxes.length; k++) if (boxes[k].left < boxes[k - 1].right) bad.push('overlap ' + k);
        return bad; }})()""")


@pytest.mark.parametrize("surface", ["beale", "rosenbrock"])
def test_the_playgrounds_contour_labels_its_x_axis_as_densely_as_labels_fit(page, server_url,
                                                                           surface):
    """1280×720, a square domain beside the colour bar: five x labels fit (−4 … 4 every 2 on
    Beale), not the one or three left when the colour bar was counted twice."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server_url}/?v=1&surface={surface}")
    page.wait_for_function("document.body.dataset.ready === '1'")
    labels = page.evaluate("[...document.querySelectorAll('#contour .xtick text')]"
                           ".map(t => t.textContent).filter(Boolean)")
    assert len(labels) >= 5, labels
    assert _ticks_overlap(page, "#contour") == []


@pytest.mark.parametrize("scale", [1, 1.5])
def test_a_small_embed_reads_at_scale(page, server_url, scale):
    """480×320 (a slide's corner): the ticks thin out instead of piling up or tilting, the
    badge shortens to what fits, and the step counter stays."""
    open_embed(page, server_url, f"{SLOW}&scale={scale}", (480, 320))
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.body.dataset.step) >= 40")
    page.wait_for_function("document.getElementById('loss-plot').data?.[0]?.x.length > 30")
    for plot in ("#contour", "#loss-plot"):
        assert _ticks_overlap(page, plot) == [], plot
    for sel in ("#status-badge", "#step-count", "#btn-play", "#lr-input"):
        b = box(page, sel)
        assert inside(b, 480, 320) and b["width"] > 5, sel
    assert page.evaluate("(() => { const c = document.querySelector('.controls'); return c.scrollWidth <= c.clientWidth; })()")
    badge = page.evaluate("(() => { const b = document.getElementById('status-badge'); return [b.scrollWidth, b.clientWidth]; })()")
    assert badge[0] <= badge[1]  # nothing of it cut off
    assert int(page.text_content("#step-count")) >= 40
    assert no_scrollbars(page)


def test_a_kinds_own_view_keeps_what_it_can_show_whole_in_a_small_frame(page, server_url):
    """A CNN at 480×320, scale 1.5: the image and the network's answer for it, whole — the
    window's sum, the kernels and the maps wait for a larger frame — and the loss axis
    (about one decade) is labelled."""
    open_embed(page, server_url, "v=1&model=cnn&model.n=100&model.kernels=4&steps=200&speed=20"
                                 "&r0=adam&r0.lr=0.01&scale=1.5", (480, 320))
    page.wait_for_selector(".cnn-view .cnn-bars .cnn-barrow")
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.body.dataset.step) >= 20")
    for sel in (".cnn-input canvas", ".cnn-bars", "#step-count", "#btn-play"):
        assert inside(box(page, sel), 480, 320), sel
    for sel in (".cnn-sum", ".cnn-kernels", ".cnn-maps"):
        assert not page.is_visible(sel), sel
    page.wait_for_function("document.querySelectorAll('#loss-plot .ytick text').length >= 2")
    assert no_scrollbars(page)
    page.set_viewport_size({"width": 1280, "height": 720})  # room again: the maps are back
    page.wait_for_selector(".cnn-maps", state="visible")


def test_controls_all_in_a_small_frame_becomes_the_bar(page, server_url):
    open_embed(page, server_url, SLOW + "&controls=all&scale=1.5", (480, 320))
    assert page.get_attribute("body", "data-controls") == "few"
    for sel in ("#btn-play", "#lr-input", "#status-badge", "#step-count"):
        assert inside(box(page, sel), 480, 320), sel
    assert not page.is_visible("#runs-list")
    main = box(page, "#contour .main-svg")
    assert main["width"] >= 0.45 * 480 and no_scrollbars(page)
    page.set_viewport_size({"width": 1280 * 2, "height": 720 * 2})  # large again: the column is back
    page.wait_for_function("document.body.dataset.controls === 'all'")
    assert page.is_visible("#runs-list") and page.is_visible("#optimizer-select")
