"""Heavy REST work in the job pool, over a real server: a full pool answers 503 with
Retry-After at once, a client that hangs up cancels its job, memory is trimmed after a
job, and the server's event loop never builds a custom f(x, y) itself."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from live_server import WAIT, LiveServer, raw_connect, raw_send_text, until
from strict_json import loads

from gdviz.engine.expr import surface as expr_surface_module
from gdviz.settings import get_settings

# Adam on Rastrigin rarely converges: seconds of work (just within POST /api/basins's
# time limit), far more than the test needs to see it running and hang up
LONG = {"surface": "rastrigin", "run": {"optimizer": "adam", "lr": 0.01}, "grid": {"n": 105},
        "steps": 2000}
SMALL_RUN = {"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1}], "steps": 10}


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_jobs", 1)
    monkeypatch.setattr(get_settings(), "max_queued_jobs", 0)
    with LiveServer() as s:
        yield s


def post(port: int, path: str, body: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as r:
            return r.status, dict(r.headers), loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), loads(e.read())


def hanging_post(port: int, path: str, body: dict) -> socket.socket:
    """A POST whose client will hang up before the answer."""
    data = json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: "
              f"application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
    return s


def running(server) -> int:
    pool = getattr(server.app.state, "job_pool", None)
    return 0 if pool is None else pool.snapshot()["lanes"]["jobs"]["running"]


def test_a_full_pool_answers_503_with_retry_after_and_a_hung_up_job_is_cancelled(server):
    first = hanging_post(server.port, "/api/basins", LONG)
    assert until(lambda: running(server) == 1)
    status, headers, body = post(server.port, "/api/run", SMALL_RUN)
    assert status == 503
    assert int(headers["retry-after"]) >= 1
    assert body["message"].startswith("server busy: 1 computations running and 0 waiting")
    assert "GDVIZ_MAX_JOBS=1" in body["message"] and "GDVIZ_MAX_QUEUED_JOBS=0" in body["message"]
    first.close()  # the student closed the tab: the basin map stops at its next chunk
    pool = server.app.state.job_pool
    assert until(lambda: pool.counts["cancelled"] == 1 and not pool.busy())
    assert pool.counts["done"] == 0
    status, _, body = post(server.port, "/api/run", SMALL_RUN)  # room again
    assert status == 200 and body["runs"][0]["status"]


def test_memory_is_handed_back_after_a_rest_job(server, monkeypatch):
    from gdviz.api import memory
    from gdviz.jobs import trim
    trims = []
    monkeypatch.setattr(trim, "_malloc_trim", trims.append)
    monkeypatch.setattr(memory, "IDLE_TRIM_DELAY", 0.05)
    assert post(server.port, "/api/run", SMALL_RUN)[0] == 200
    assert until(lambda: trims == [0])


def test_a_job_that_waits_is_cancelled_when_its_client_hangs_up(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_jobs", 1)
    monkeypatch.setattr(get_settings(), "max_queued_jobs", 1)
    with LiveServer() as server:
        first = hanging_post(server.port, "/api/basins", LONG)
        assert until(lambda: running(server) == 1)
        second = hanging_post(server.port, "/api/basins", LONG)
        pool = server.app.state.job_pool
        assert until(lambda: pool.snapshot()["lanes"]["jobs"]["waiting"] == 1)
        second.close()
        assert until(lambda: pool.snapshot()["lanes"]["jobs"]["waiting"] == 0)
        first.close()
        assert until(lambda: not pool.busy())
        assert pool.counts["cancelled"] == 1 and pool.counts["done"] == 0  # one ran, one never


class Builds:
    """Records every custom f(x, y) built in this process (the server's, in these tests —
    the job pool's workers are other processes)."""

    def __init__(self, monkeypatch):
        self.texts: list[str] = []
        build = expr_surface_module._build

        def recording(text, box):
            self.texts.append(text)
            return build(text, box)
        monkeypatch.setattr(expr_surface_module, "_build", recording)


def test_the_event_loop_never_builds_an_expression(monkeypatch):
    builds = Builds(monkeypatch)
    tag = threading.get_ident()  # texts no earlier test can have built
    with LiveServer() as server:
        base = f"http://127.0.0.1:{server.port}"
        expr = f"x**2 + {tag % 97 + 1}*y**2 + sin(x*y)"
        assert post(server.port, "/api/run", {"expr": expr, "domain": [[-2, 2], [-2, 2]],
                                               "runs": [{"optimizer": "gd", "lr": 0.01}],
                                               "steps": 5})[0] == 200
        status, _, body = post(server.port, "/api/expr", {"expr": expr + " + x"})
        assert status == 200 and body["gradient"]
        status, _, body = post(server.port, "/api/expr", {"expr": "x +* y"})
        assert status == 422 and body["detail"][0]["field"] == "expr"
        with urllib.request.urlopen(f"{base}/?expr={urllib.parse.quote(expr + ' - y')}") as r:
            assert r.status == 200
        q = urllib.parse.urlencode({"expr": expr + " + 2", "x": 0.5, "y": 0.5})
        with urllib.request.urlopen(f"{base}/api/stability?{q}") as r:
            assert r.status == 200
        s = raw_connect(server.port)
        raw_send_text(s, json.dumps({"type": "start", "scenario": {
            "expr": expr + " + 3", "runs": [{"optimizer": "gd", "lr": 0.01}]}}))
        got = b""
        while b'"started"' not in got:
            got += s.recv(65536)
        s.close()
        s = raw_connect(server.port, "/ws/landscape")
        raw_send_text(s, json.dumps({"type": "run", "id": 1, "kind": "sweep", "request": {
            "expr": expr + " + 4", "run": {"optimizer": "gd", "start": [1, 1]},
            "lrs": [0.01, 0.1], "steps": 20}}))
        got = b""
        while b'"result"' not in got:
            got += s.recv(65536)
        s.close()
    assert builds.texts == []
