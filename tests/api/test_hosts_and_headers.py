"""Nothing foreign: the Host check (DNS rebinding), the headers on every answer and the
API documentation's policy. What a real uvicorn sends on the wire (the WebSocket
refusal, the 101's headers) is in tests/hostile/test_hostile_requests.py; the docs
working offline in tests/browser/test_api_docs.py."""

from __future__ import annotations

import pytest
from starlette.testclient import WebSocketDenialResponse

from local_client import local_client
from gdviz.api.hosts import AllowedHosts, host_name
from gdviz.main import create_app
from gdviz.settings import get_settings


@pytest.mark.parametrize("header, name", [
    ("127.0.0.1:8000", "127.0.0.1"), ("LOCALHOST", "localhost"), ("localhost.:80", "localhost"),
    ("[::1]:8000", "::1"), ("[::1]", "::1"), ("gdviz.example.org", "gdviz.example.org"),
])
def test_the_name_in_a_host_header(header, name):
    assert host_name(header) == name


ALLOWED = AllowedHosts(["gdviz.example.org", "*.school.example", ""], own_names={"lab-pc"})


@pytest.mark.parametrize("header, local, allowed", [
    ("127.0.0.1:8000", "127.0.0.1", True),
    ("127.0.0.2:8000", "127.0.0.1", True),  # any loopback address
    ("localhost:8000", "127.0.0.1", True),
    ("[::1]:8000", "::1", True),
    ("192.168.1.23:8000", "192.168.1.23", True),  # the address the student typed
    ("192.168.1.23:8000", "::ffff:192.168.1.23", True),  # ... on a dual-stack socket
    ("192.168.1.99:8000", "192.168.1.23", False),  # an address this socket is not
    ("10.0.0.1", "127.0.0.1", False),
    ("lab-pc:8000", "192.168.1.23", True),  # the machine's own name
    ("gdviz.example.org", "127.0.0.1", True),  # listed (a reverse proxy's name)
    ("GDVIZ.example.org.", "127.0.0.1", True),
    ("room1.school.example", "127.0.0.1", True),  # *.school.example
    ("school.example", "127.0.0.1", False),
    ("evil.example", "127.0.0.1", False),  # DNS rebinding
    ("gdviz.example.org.evil.example", "127.0.0.1", False),
    ("localhost.evil.example", "127.0.0.1", False),
    ("testserver", "testserver", False),  # not a name of this server
    ("", "127.0.0.1", False),
    (None, "127.0.0.1", False),
])
def test_which_hosts_are_allowed(header, local, allowed):
    assert ALLOWED.allows(header, local) is allowed


def test_a_star_turns_the_check_off():
    assert AllowedHosts(["*"]).allows("evil.example", "127.0.0.1")
    assert not AllowedHosts([]).allows("evil.example", "127.0.0.1")


def test_the_default_allows_this_machines_name():
    import socket
    assert AllowedHosts.from_setting("").allows(socket.gethostname(), "192.168.1.23")


def test_a_foreign_host_gets_400_naming_the_header_and_the_setting(client):
    r = client.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert r.json()["message"] == (
        "Host: 'evil.example' is not a name of this server; open gdviz by its address "
        "(e.g. http://127.0.0.1:8000/), or ask whoever runs it to add the name to "
        "GDVIZ_ALLOWED_HOSTS")
    assert r.headers["x-content-type-options"] == "nosniff"
    for path in ("/api/surfaces", "/static/js/main.js", "/openapi.json", "/docs"):
        assert client.get(path, headers={"Host": "evil.example:8000"}).status_code == 400, path
    assert client.post("/api/run", json={}, headers={"Host": "evil.example"}).status_code == 400


def test_testclients_default_host_is_refused_too():
    from fastapi.testclient import TestClient
    with TestClient(create_app()) as c:  # Host: testserver
        assert c.get("/api/surfaces").status_code == 400
        with pytest.raises(WebSocketDenialResponse) as refused:
            with c.websocket_connect("/ws/run"):
                pass
        assert refused.value.status_code == 400
        assert refused.value.json()["message"].startswith("Host: 'testserver' is not a name")


@pytest.mark.parametrize("path", ["/ws/run", "/ws/landscape"])
def test_a_socket_with_a_foreign_host_is_refused_before_the_upgrade(client, path):
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect(path, headers={"Host": "evil.example"}):
            pass
    assert refused.value.status_code == 400
    assert refused.value.headers["x-content-type-options"] == "nosniff"
    assert refused.value.json()["message"].startswith("Host: 'evil.example'")


def test_allowed_hosts_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("GDVIZ_ALLOWED_HOSTS", "gdviz.example.org, *.school.example")
    get_settings.cache_clear()
    try:
        with local_client() as c:
            for host in ("gdviz.example.org", "room1.school.example:8000", "127.0.0.1"):
                assert c.get("/api/surfaces", headers={"Host": host}).status_code == 200, host
            assert c.get("/api/surfaces", headers={"Host": "evil.example"}).status_code == 400
    finally:
        get_settings.cache_clear()


# -- headers on every answer ----------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/embed"), ("GET", "/api/surfaces"), ("GET", "/static/js/main.js"),
    ("GET", "/static/css/app.css"), ("GET", "/vendor/plotly.min.js"), ("GET", "/openapi.json"),
    ("GET", "/docs"), ("GET", "/redoc"), ("GET", "/static/vendor/redoc/redoc.standalone.js"),
    ("GET", "/no/such/page"), ("GET", "/s/no-such-preset"), ("GET", "/s/lr-too-small"),
    ("POST", "/api/run"), ("GET", "/api/surfaces/bowl/grid?n=100000"),
])
def test_every_answer_carries_nosniff_and_a_referrer_policy(client, method, path):
    r = client.request(method, path, json={"steps": 0} if method == "POST" else None,
                       follow_redirects=False)
    assert r.headers["x-content-type-options"] == "nosniff", (path, r.status_code)
    assert r.headers["referrer-policy"] == "same-origin", (path, r.status_code)


def test_a_body_over_the_limit_is_refused_with_the_headers_too(client):
    r = client.post("/api/run", content=b"x" * (get_settings().max_body_bytes + 1))
    assert r.status_code == 413 and r.headers["x-content-type-options"] == "nosniff"


# -- the API documentation ------------------------------------------------------------

@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_load_everything_from_the_server_under_a_csp(client, path):
    r = client.get(path)
    assert r.status_code == 200
    csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert "cdn" not in r.text and "http" not in r.text.replace('xmlns="http', "")
    assert "<script>" not in r.text  # no inline script
    for src in ([s.split('"')[0] for s in r.text.split('src="')[1:]]
                + [s.split('"')[0] for s in r.text.split('href="')[1:]]):
        assert src.startswith("/"), src
        assert client.get(src).status_code == 200, src


def test_fastapis_own_docs_pages_are_not_served(client):
    assert client.get("/docs/oauth2-redirect").status_code == 404
    assert "/docs" not in client.get("/openapi.json").json()["paths"]
