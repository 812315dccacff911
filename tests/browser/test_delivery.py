"""Delivery to a lecture hall, in a real browser: static files under content-hashed,
immutable, compressed URLs (a second visit fetches only the page's own answers); Plotly's
3D part fetched only when a 3D view is first shown; the playground on a phone (390×844)
and a tablet (768×1024) in portrait with touch: the contour and Play in the first screen,
a tap sets the start, Play/Pause and η work, the formula whole; the QR code dialog."""

from __future__ import annotations

import re

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from test_lectures import poll

from gdviz.scenarios.schema import contour_grid_path

pytestmark = pytest.mark.browser

PAGE = "/?v=1&surface=himmelblau&r0=gd&r0.lr=0.01&r0.start=-0.5,0&speed=20"


@pytest.fixture
def browser(sync_pw):
    b = sync_pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def load(context, url: str, ready: str = "document.body.dataset.ready === '1'") -> dict:
    """Open url in a new tab: {url: (status, bytes on the wire, headers)} of its HTTP answers."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict] = {}
    cdp.on("Network.responseReceived", lambda e: seen.setdefault(e["requestId"], {}).update(
        url=e["response"]["url"], status=e["response"]["status"],
        headers={k.lower(): v for k, v in e["response"]["headers"].items()}))
    cdp.on("Network.loadingFinished", lambda e: seen.setdefault(e["requestId"], {}).update(
        wire=e["encodedDataLength"]))
    page.goto(url)
    poll(page, f"() => {ready}")
    poll(page, "() => ['drawn', 'deferred', 'none'].includes(document.body.dataset.surface3d)")
    page.wait_for_load_state("networkidle")
    page.close()
    return {r["url"]: r for r in seen.values() if "url" in r}


def test_a_second_visit_fetches_no_static_file_and_gets_304s(browser, server_url):
    context = browser.new_context(viewport=VIEWPORT)
    cold = load(context, server_url + PAGE)
    static = {u: r for u, r in cold.items() if "/static/" in u}
    assert static, "no static files?"
    for url, r in static.items():
        assert re.search(r"/static/[0-9a-f]{12}/", url), url  # under the tree's hash
        assert r["headers"]["cache-control"] == "public, max-age=31536000, immutable", url
        if url.endswith((".js", ".css")):
            # brotli once the server has made it (in the background), gzip until then
            assert r["headers"].get("content-encoding") in ("br", "gzip"), url
    page_answer = cold[server_url + PAGE]
    assert page_answer["headers"]["content-encoding"] == "gzip" and "etag" in page_answer["headers"]
    warm = load(context, server_url + PAGE)
    sent = {u: r for u, r in warm.items() if r.get("wire", 0) > 0}
    assert not [u for u in sent if "/static/" in u], sent  # every static file from the cache
    # the page and the catalogs are asked again and answered 304 (DevTools reports the
    # cached answer's 200): headers only, a few hundred bytes each
    assert all(r["wire"] < 1_000 for u, r in sent.items() if u.endswith(("/api/surfaces", PAGE))), sent
    assert sum(r["wire"] for r in sent.values()) < 8_000, {u: r["wire"] for u, r in sent.items()}
    context.close()


def test_the_page_runs_one_linked_file_of_modules_and_asks_for_its_grid_once(browser, server_url):
    """The playground's modules come as one file (static/js/main.linked.js), a kind's view
    from inside it (no file of its own), and the contour grid the HTML preloads is the very
    one the page uses: asked for once."""
    context = browser.new_context(viewport=VIEWPORT)
    for query, grid in [(PAGE, contour_grid_path("himmelblau")), ("/?v=1&model=cnn", None)]:
        page = context.new_page()
        urls, errors = [], []
        page.on("request", lambda r: urls.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.goto(server_url + query)
        poll(page, "() => document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
        scripts = [u.split("/static/", 1)[1].split("/", 1)[1] for u in urls if "/static/" in u and "/js/" in u]
        assert scripts in ([], ["js/main.linked.js"]), scripts  # (none: cached by the first page)
        if grid:
            assert scripts == ["js/main.linked.js"]
            assert [u for u in urls if "/grid?" in u] == [server_url + grid]
            assert page.inner_text("#contour-hint") == "click to move the selected run's start"
        else:
            poll(page, "() => !!document.querySelector('#plugin-main canvas, #plugin-main svg')")
        assert errors == [], errors  # (an unused preload is a console warning)
        page.close()
    context.close()


def test_plotlys_3d_part_loads_only_when_a_3d_view_is_shown(page, server_url, page_log):
    page.goto(f"{server_url}{PAGE}&tab=stability")
    poll(page, "() => document.body.dataset.ready === '1' && document.body.dataset.surface3d === 'deferred'")
    assert any(u.endswith("/vendor/plotly/plotly-2d.js") for u in page_log.urls)
    assert not any(u.endswith("/vendor/plotly/plotly-3d.js") for u in page_log.urls)
    page.click("#tab-3d")
    poll(page, "() => !!document.querySelector('#surface3d .gl-container, #surface3d canvas')")
    assert any(u.endswith("/vendor/plotly/plotly-3d.js") for u in page_log.urls)
    assert page.evaluate("window.Plotly.version") and page_log.page_errors == []


@pytest.mark.parametrize("device, size", [("iPhone 13", (390, 844)), ("iPad Mini", (768, 1024))])
def test_the_playground_on_a_phone_and_a_tablet(browser, server_url, sync_pw, device, size):
    spec = {k: v for k, v in sync_pw.devices[device].items() if k != "default_browser_type"}
    spec["viewport"] = {"width": size[0], "height": size[1]}
    context = browser.new_context(**spec)
    page = context.new_page()
    # a run that cannot end while we tap; the 3D view (software GL) not in the way
    page.goto(server_url + PAGE.replace("r0.lr=0.01", "r0.lr=0.0002").replace("speed=20", "speed=5")
              + "&tab=stability")
    poll(page, "() => document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    width, height = size
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling

    def box(selector):
        return page.locator(selector).first.bounding_box()

    # the first screen: the contour and Play, both whole, the status under them
    for selector in ("#contour .main-svg", "#btn-play", "#status-badge"):
        b = box(selector)
        assert b and b["y"] >= 0 and b["y"] + b["height"] <= height and b["x"] + b["width"] <= width, (selector, b)
    assert box("#btn-play")["y"] > box("#contour .main-svg")["y"]  # under the plot it starts
    assert box("#btn-play")["height"] >= 44  # a finger's size
    # the sentence under the badge speaks of taps, not of keys a phone does not have
    reason = page.text_content("#status-reason")
    assert "Tap Play" in reason and "Tap the contour" in reason and "Space" not in reason, reason
    assert page.inner_text("#contour-hint") == "tap to move the selected run's start"
    # the formula whole, not cut with an ellipsis
    assert page.evaluate("(() => { const f = document.getElementById('formula');"
                         " return f.scrollWidth <= f.clientWidth + 1 && f.getBoundingClientRect().right <= innerWidth; })()")
    # a tap on the contour moves the start there
    target = [2.5, 1.5]
    x, y = page.evaluate("xy => window.__gdviz.toClient(xy)", target)
    page.touchscreen.tap(x, y)
    poll(page, "t => { const s = window.__gdviz.scenario().runs[0].start;"
               " return Math.abs(s[0] - t[0]) < 0.15 && Math.abs(s[1] - t[1]) < 0.15; }", arg=target)
    # Play and Pause by tapping; η by typing
    page.tap("#btn-play")
    poll(page, "() => document.body.dataset.status === 'running'")
    page.tap("#btn-play")
    poll(page, "() => document.body.dataset.status === 'paused'")
    page.locator("#lr-input").fill("0.02")
    page.locator("#lr-input").press("Enter")
    poll(page, "() => window.__gdviz.scenario().runs[0].lr === 0.02")
    assert page.input_value("#lr-input") == "0.02"
    context.close()


def test_the_qr_dialog_says_why_a_loopback_only_server_has_no_code(page, server_url):
    page.goto(server_url + PAGE)
    poll(page, "() => document.body.dataset.ready === '1'")
    page.click("#btn-qr")
    poll(page, "() => document.getElementById('qr-dialog').dataset.state")
    state = page.evaluate("document.getElementById('qr-dialog').dataset.state")
    note = page.text_content("#qr-note")
    # the test server listens on 127.0.0.1 only: phones could not open it
    assert state == "unreachable" and ("--host 0.0.0.0" in note or "no network address" in note), (state, note)
    assert page.is_hidden("#qr-image")
    page.keyboard.press("Escape")
    poll(page, "() => !document.getElementById('qr-dialog').open")


@pytest.mark.parametrize("device, size", [("iPhone 13", (390, 844)), ("iPad Mini", (768, 1024))])
def test_a_lesson_on_a_phone_keeps_play_and_the_status_in_the_first_screen(browser, server_url,
                                                                             sync_pw, device, size):
    """A lesson's link gives the wide layout's rows (gallery.css); the one-column layout
    must not inherit them (a 60vh row made Play and the status half a screen each)."""
    spec = {k: v for k, v in sync_pw.devices[device].items() if k != "default_browser_type"}
    spec["viewport"] = {"width": size[0], "height": size[1]}
    context = browser.new_context(**spec)
    page = context.new_page()
    page.goto(server_url + "/?v=1&preset=ravine-momentum&tab=stability")
    poll(page, "() => document.body.dataset.ready === '1' && document.body.dataset.step === '0'"
               " && document.body.dataset.lesson !== undefined")
    play = page.locator("#btn-play").bounding_box()
    status = page.locator("#status-badge").bounding_box()
    assert 44 <= play["height"] <= 100, play
    assert status["y"] + status["height"] <= size[1], status
    lesson = page.locator(".panel-lesson").bounding_box()
    assert lesson and lesson["height"] > 100 and lesson["y"] > status["y"]  # after the controls, readable
    context.close()
