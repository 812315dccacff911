"""/docs (Swagger UI) and /redoc (ReDoc) work offline and under their own CSP: a browser
whose every request not to the server is aborted renders both, with no CSP violation,
and asks nothing of any other host. Swagger UI's "Try it out" really calls the API."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

from polling import poll

pytestmark = pytest.mark.browser


@pytest.fixture
def offline_page(strict_page, server_url):
    """A page that honours the CSP, with every request not to the server aborted; yields
    (page, what it saw): console errors, page errors, the foreign URLs it asked for."""
    own = urlsplit(server_url).netloc
    seen = {"errors": [], "foreign": []}

    def route(r):
        if urlsplit(r.request.url).netloc == own:
            r.continue_()
        else:
            seen["foreign"].append(r.request.url)
            r.abort()

    strict_page.route("**/*", route)
    strict_page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    strict_page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return strict_page, seen


def test_swagger_ui_renders_every_endpoint_offline_and_try_it_out_works(offline_page, server_url):
    page, seen = offline_page
    response = page.goto(f"{server_url}/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    poll(page, "() => document.querySelectorAll('.opblock').length > 10")
    summaries = page.evaluate(
        "() => [...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)")
    assert "/api/run" in [s.replace("\u200b", "") for s in summaries]
    # Try it out: GET /api/optimizers, answered by the server
    block = page.locator(".opblock", has_text=re.compile(r"/api/optimizers"))
    block.locator(".opblock-summary").first.click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    poll(page, "() => [...document.querySelectorAll('.response .response-col_status')]"
                ".some(e => e.textContent.trim() === '200')")
    _shoot(page, "docs-swagger.png")
    assert seen["errors"] == [] and seen["foreign"] == [], seen


def test_redoc_renders_offline(offline_page, server_url):
    page, seen = offline_page
    response = page.goto(f"{server_url}/redoc")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    poll(page, "() => document.body.innerText.includes('Run a scenario to the end and return "
                "every frame')")
    poll(page, "() => document.querySelectorAll('[data-section-id]').length > 10")
    _shoot(page, "docs-redoc.png")
    # ReDoc's "API docs by Redocly" logo is an <img> from cdn.redoc.ly: the CSP stops it
    # before any request leaves (it hides itself when it fails)
    assert seen["foreign"] == [], seen
    assert [e for e in seen["errors"] if "cdn.redoc.ly" not in e] == [], seen


def _shoot(page, name: str) -> None:
    """A screenshot into $GDVIZ_SHOTS when it is set, to look at (not compared)."""
    folder = os.environ.get("GDVIZ_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name))
