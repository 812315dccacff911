"""The guided path's pages: a first-time visitor to / lands on /start; /playground makes the
full playground the home page (a cookie, so the server decides before anything is drawn); a
link with a scenario always opens that scenario; GET /api/course lists the steps."""

from __future__ import annotations

import re

from local_client import local_client
from gdviz.scenarios.course import COURSE
from gdviz.scenarios.presets import PRESETS


def test_a_first_time_visitor_to_the_root_lands_on_the_guided_path(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/start"
    assert r.headers["vary"] == "Cookie"
    page = client.get("/")
    assert page.url.path == "/start" and "Gradient descent, one idea at a time" in page.text


def test_choosing_the_playground_is_remembered():
    client = local_client()  # its own cookie jar: the session's client stays a first-timer
    r = client.get("/playground", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("gdviz_home=playground;") and "SameSite=lax" in cookie
    assert "Max-Age=31536000" in cookie
    home = client.get("/", follow_redirects=False)  # the jar kept the cookie
    assert home.status_code == 200 and 'id="contour"' in home.text


def test_a_scenario_given_to_the_playground_goes_along():
    client = local_client()
    r = client.get("/playground?v=1&surface=himmelblau&r0=momentum&r0.lr=0.003",
                   follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/?v=1&surface=himmelblau&r0=momentum&r0.lr=0.003"


def test_a_link_with_a_scenario_never_opens_the_guide(client):
    for link in ("/?v=1", "/?surface=bowl", PRESETS["plateau"].url, COURSE[0].public()["url"]):
        r = client.get(link, follow_redirects=False)
        assert r.status_code == 200 and 'id="contour"' in r.text, link
    assert client.get("/s/plateau").url.path == "/"
    assert client.get("/embed", follow_redirects=False).status_code == 200


def test_the_course_page_lists_every_step_as_its_link(client):
    r = client.get("/start")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "<script>" not in r.text
    hrefs = re.findall(r'<li class="start-step" data-preset="([^"]+)">\s*<a href="([^"]+)"', r.text)
    assert [p for p, _ in hrefs] == [s.preset for s in COURSE]
    for preset, href in hrefs:
        assert href.replace("&amp;", "&") == PRESETS[preset].url_with(guide=True)
    for s in COURSE:
        assert s.goal.replace("'", "&#39;") in r.text
    assert 'href="/playground"' in r.text


def test_api_course(client):
    steps = client.get("/api/course").json()
    assert [s["preset"] for s in steps] == [s.preset for s in COURSE]
    first = steps[0]
    assert set(first) == {"preset", "title", "chapter", "goal", "check", "url"}
    assert first["check"] == {"kind": "converged", "run": 0, "by": 9}
    assert any(s["check"] is None for s in steps)
