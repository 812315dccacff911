"""A page the server turns away at its connection cap (README, Limits: close code 1013)
says so in the student's words, asks again spread out over seconds rather than every
half second, and gets in by itself once there is room."""

from __future__ import annotations

import pytest

from gdviz.settings import get_settings

pytestmark = pytest.mark.browser

SLOW = "v=1&surface=himmelblau&steps=3000&speed=30&r0=gd&r0.start=-0.5,0&r0.lr=0.0002"


# When the page itself opened each /ws/run socket (its own clock: Playwright's events reach
# the test late and in bunches on a loaded machine)
OPENINGS = """
window.__opened = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(url, ...rest) {
    super(url, ...rest);
    if (String(url).endsWith("/ws/run")) window.__opened.push(performance.now() / 1000);
  }
};
"""


def test_a_page_turned_away_at_the_cap_says_so_and_gets_in_once_there_is_room(page, server_url, monkeypatch):
    page.add_init_script(OPENINGS)
    monkeypatch.setattr(get_settings(), "max_connections", 0)  # every stream is one too many
    page.goto(f"{server_url}/?{SLOW}")
    page.wait_for_function("document.body.dataset.status === 'busy'")
    badge, reason, ready = page.evaluate("[document.getElementById('status-badge').textContent,"
                                         " document.getElementById('status-reason').textContent, document.body.dataset.ready]")
    assert badge.endswith("server full") and ready != "1"
    assert reason.startswith("The server is full (0 live streams is the limit). Trying again in "), reason
    assert "try again in a moment" not in reason  # the server's own advice is replaced by when

    # it asks again, but not in a burst: 2 s (±25 %), then 4 s … apart — not every 0.5 s.
    # (A busy main thread only delays a retry, so the gaps can only grow.)
    page.wait_for_function("window.__opened.length >= 3")
    attempts = page.evaluate("window.__opened")
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert all(g >= 1.3 for g in gaps), gaps
    # and between two refusals the page never says it is ready
    assert page.evaluate("[document.body.dataset.status, document.body.dataset.ready]") == ["busy", "0"]

    monkeypatch.setattr(get_settings(), "max_connections", 200)  # a student left
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'"
                           " && document.body.dataset.status === 'paused'", timeout=40_000)
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.body.dataset.step) >= 3")


def test_a_landscape_job_turned_away_at_the_cap_says_why(page, server_url, monkeypatch):
    page.goto(f"{server_url}/?{SLOW}")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    # the page's own stream holds its slot; the landscape socket opens with the first job
    monkeypatch.setattr(get_settings(), "max_connections", 1)
    page.click("#tab-sweep")
    page.click("#btn-sweep")
    page.wait_for_function("document.getElementById('sweep-caption').dataset.state === 'error'")
    assert page.text_content("#sweep-caption") == (
        "Sweep failed: The server is full (1 live streams is the limit). Try again in a moment.")
