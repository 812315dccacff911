"""Browser-test fixtures: a real uvicorn server on a free port and Debian's Chromium.

Never runs `playwright install`: the tests drive /usr/bin/chromium. Without it they
are skipped with a message — except in CI (CI=true), where they are required.
"""

from __future__ import annotations

import os

import pytest
from live_server import serving

from chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: F401


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (browser tests skipped)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message.replace("(browser tests skipped)", "— browser tests are required in CI"))
    pytest.skip(message)


@pytest.fixture(scope="session")
def server_url():
    """Base URL of a real gdviz server (uvicorn in a background thread)."""
    import uvicorn

    from gdviz.cli import WS_PROTOCOL
    from gdviz.main import create_app

    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning",
                            ws=WS_PROTOCOL, lifespan="on")
    with serving(config) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def sync_pw():
    """One Playwright for the session: a second sync_playwright() while one runs fails
    ("Sync API inside the asyncio loop"), so every browser fixture shares this one."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser_context(sync_pw, tmp_path_factory):
    """One persistent browser profile for the session: Plotly's parts (static/vendor/plotly/,
    immutable) are fetched once and, from the third page on, V8 reuses their compiled
    code. The page keeps no state between loads (no storage, no cookies)."""
    # bypass_csp: Playwright's wait_for_function evaluates its predicate string with
    # eval() inside the page, which the page's strict script-src forbids. The page's
    # own code under its real CSP is checked with `strict_page` (a browser without it).
    context = sync_pw.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
        args=CHROMIUM_ARGS, viewport=VIEWPORT, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def strict_page(sync_pw, server_url):
    """A page in a fresh browser that honours the server's Content-Security-Policy."""
    browser = sync_pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    pg = browser.new_page(viewport=VIEWPORT)
    yield pg
    browser.close()


class PageLog:
    """What a page did: console errors, uncaught exceptions, every URL it asked for."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.urls: list[str] = []


@pytest.fixture
def page_log():
    return PageLog()


@pytest.fixture
def page(browser_context, server_url, page_log):
    pg = browser_context.new_page()
    # generous: a loaded CI machine renders WebGL in software, and a waited-for condition is
    # only given up on after this (never a claim about speed: that is bench/'s)
    pg.set_default_timeout(120_000)
    pg.on("console", lambda m: page_log.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
    pg.on("request", lambda r: page_log.urls.append(r.url))
    pg.on("websocket", lambda ws: page_log.urls.append(ws.url))
    yield pg
    pg.close()


@pytest.fixture
def open_playground(page, server_url):
    """Open the playground with a query string (and optionally a #tab); wait until it is
    drawn, connected and at step 0, and the 3D view is drawn (or deferred, when the page
    opens on another tab) — its first draw holds the main thread for seconds under
    software GL, which must not eat into a test's own waits."""

    def _open(query: str = ""):
        # no query: the default scenario, through /playground (the home page's choice)
        page.goto(f"{server_url}/?{query}" if query else f"{server_url}/playground")
        page.wait_for_function("document.body.dataset.ready === '1'")
        page.wait_for_function("document.body.dataset.step === '0'")
        # "none": a network has no 3D view
        page.wait_for_function("['drawn', 'deferred', 'none'].includes(document.body.dataset.surface3d)")
        return page

    return _open
