"""A deck hosted online framing the local server: what "Copy embed code" gives, pasted into
a page Chromium treats as public (its response says `Content-Security-Policy:
treat-as-public-address`, the switch Chromium's own Local Network Access tests use).

Chromium (142+) refuses a public page's frame of 127.0.0.1 until the lecturer allows the
deck's site to reach this device; once allowed, the frame draws and plays. The snippet
carries the `allow` that delegates that permission into the frame (docs/lectures.md)."""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager

import pytest
from test_lectures import assert_plot_shown_in, embed_frame, play_on_space, poll

pytestmark = pytest.mark.browser

LNA_FEATURES = ("local-network-access", "loopback-network", "local-network")


@contextmanager
def public_deck(html: str):
    """A one-page site on a free loopback port whose page Chromium treats as public."""
    body = html.encode()

    class Deck(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", "treat-as-public-address")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Deck)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="public-deck")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def copied_embed_code(page, server_url) -> str:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page.goto(f"{server_url}/?v=1&surface=bowl&r0=gd&r0.lr=0.1&r0.start=1.5,1")
    poll(page, "() => document.body.dataset.ready === '1'")
    page.click("#btn-copy-embed")
    poll(page, "() => !!document.querySelector('.toast')")
    return page.evaluate("() => navigator.clipboard.readText()")


def allow_local_network(page, origin: str) -> None:
    """What the lecturer's click on "Allow" does: the LNA permissions for the deck's site."""
    context_id = page.context.new_cdp_session(page).send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    cdp = page.context.browser.new_browser_cdp_session()
    for name in LNA_FEATURES:  # (an older Chromium knows only the first)
        try:
            cdp.send("Browser.setPermission", {"permission": {"name": name}, "setting": "granted",
                                               "origin": origin, "browserContextId": context_id})
        except Exception:  # noqa: BLE001 — a permission name this Chromium does not know
            pass


def test_a_public_deck_frames_the_local_server_once_the_lecturer_allows_it(strict_page, server_url):
    page = strict_page
    page.set_viewport_size({"width": 1100, "height": 700})
    code = copied_embed_code(page, server_url)
    allow = code.split('allow="', 1)[1].split('"', 1)[0].split("; ")
    assert set(LNA_FEATURES) <= set(allow) and "fullscreen" in allow
    with public_deck(f"<!doctype html><meta charset='utf-8'><title>deck</title><body>{code}</body>") as deck:
        if int(page.context.browser.version.split(".")[0]) >= 142:
            page.goto(deck)  # not allowed yet: Chromium puts an error page in the frame's place
            for _ in range(600):
                urls = [f.url for f in page.frames[1:]]
                assert not any(u.startswith(server_url) for u in urls), \
                    "Chromium framed the local server from a public page without asking"
                if any(u.startswith("chrome-error://") for u in urls):
                    break
                page.wait_for_timeout(100)
            else:
                raise AssertionError(f"the frame neither loaded nor failed: {urls}")
        allow_local_network(page, deck)
        page.goto(deck)
        frame = embed_frame(page)
        assert_plot_shown_in(page, frame)
        play_on_space(page, frame)
