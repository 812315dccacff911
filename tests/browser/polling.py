"""Waiting on a page that runs under its real Content-Security-Policy."""

from __future__ import annotations

import time


def poll(page, js: str, timeout: float = 60.0) -> None:
    """Until ``js`` (a function's source) is truthy in the page. Python-side polling with
    page.evaluate (CDP, allowed under CSP): wait_for_function would eval a string inside
    the page, which a strict script-src forbids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(js):
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {js}")
