"""Slow and greedy clients against a real uvicorn running gdviz's HTTP protocol
(gdviz/http_protocol.py), as `gdviz serve` runs it: a request that does not arrive
whole in time is answered 408 and closed (a silent connection, trickled headers, a
trickled body); what did arrive in time is never cut (a long computation, an upgraded
WebSocket, a keep-alive connection); one address holds at most
``connections_per_client`` connections, this machine's own address any number.

The deadline is set short here (``FAST``); the tests wait for the server's answer, not
for a duration. bench/slowloris.py measures the same guards at a 1,024-fd limit."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time

import pytest
import uvicorn
from websockets.sync.client import connect

from gdviz.cli import HTTP_PROTOCOL, server_options
from gdviz.main import create_app
from gdviz.settings import get_settings
from live_server import serving

FAST = 0.3  # seconds: the request deadline in these tests
OTHER = "127.0.0.2"  # a second loopback address: "another machine", counted per address


@pytest.fixture
def guarded(monkeypatch):
    """A server with the guards: deadline ``FAST`` s, 3 connections per address."""
    settings = get_settings()
    monkeypatch.setattr(settings, "request_timeout", FAST)
    monkeypatch.setattr(settings, "connections_per_client", 3)
    options = {**server_options("127.0.0.1", 0), "factory": False, "lifespan": "off"}
    assert options["http"] == HTTP_PROTOCOL
    with serving(uvicorn.Config(create_app(), **options)) as port:
        yield port


def dial(port: int, source: str = "127.0.0.1") -> socket.socket:
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(60)  # a hang guard, not a time bound
    return s


def read_all(s: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data


def read_response(s: socket.socket) -> bytes:
    """One response with a Content-Length, whole (the connection stays open)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body


def body_of(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def get(path: str = "/api/optimizers") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def test_a_connection_that_sends_nothing_is_closed(guarded):
    """Silently, as uvicorn closes an idle keep-alive connection: a browser's
    preconnected socket that was never used has no request to answer."""
    with dial(guarded) as s:
        assert read_all(s) == b""


def test_headers_trickled_a_byte_at_a_time_are_cut_off_with_408(guarded):
    request = get() + b"X-Pad: " + b"x" * 10_000  # never finished
    sent = 0
    with dial(guarded) as s:
        try:
            for byte in request:
                s.send(bytes([byte]))
                sent += 1
                time.sleep(FAST / 10)
        except OSError:  # the server closed while we still trickled
            pass
        answer = read_all(s)
    assert sent < len(request)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout"), answer[:100]
    assert body_of(answer)["message"] == (f"request: not received whole within {FAST:g} s "
                                          "(GDVIZ_REQUEST_TIMEOUT)")
    assert b"x-content-type-options: nosniff" in answer


def test_a_body_that_never_finishes_is_cut_off_with_408(guarded):
    with dial(guarded) as s:
        s.sendall(b"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        answer = read_all(s)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]


def test_a_request_that_arrived_whole_may_take_as_long_as_it_takes(guarded):
    """The deadline stops when the request is in: a run computing for many times the
    deadline is answered in full."""
    body = json.dumps({"surface": "rosenbrock", "steps": 2_000,
                       "runs": [{"optimizer": "adam", "lr": 0.01}] * 2}).encode()
    with dial(guarded) as s:
        s.sendall(b"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                  % (len(body), body))
        answer = read_all(s)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert len(body_of(answer)["runs"][0]["frames"]) > 1


def test_a_keep_alive_connection_serves_one_request_after_another(guarded):
    with dial(guarded) as s:
        for _ in range(3):
            s.sendall(get())
            answer = read_response(s)
            assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
        # then idle: closed without a word (the deadline, or uvicorn's keep-alive timeout)
        assert read_all(s) == b""


def test_an_upgraded_websocket_outlives_the_deadline(guarded):
    with connect(f"ws://127.0.0.1:{guarded}/ws/run") as ws:
        time.sleep(FAST * 4)  # several deadlines' worth: the socket's own rules apply
        ws.send(json.dumps({"type": "speed", "steps_per_second": 5}))
        assert json.loads(ws.recv(timeout=20))["type"] == "state"


def test_one_address_holds_at_most_its_share_of_connections(guarded):
    held = [dial(guarded, OTHER) for _ in range(3)]
    with dial(guarded, OTHER) as extra:
        answer = read_all(extra)
    assert answer.startswith(b"HTTP/1.1 429 Too Many Requests"), answer[:100]
    assert body_of(answer)["message"] == (
        "connections: 3 open connections from one address is the limit "
        "(GDVIZ_CONNECTIONS_PER_CLIENT); close some and try again")
    # this machine's own address is not counted: its browser, or a reverse proxy on it
    mine = [dial(guarded) for _ in range(5)]
    for s in mine:
        s.sendall(get())
        assert read_response(s).startswith(b"HTTP/1.1 200")
    # a connection that closes gives its place back
    held.pop().close()
    assert _admitted_again(guarded)
    for s in held + mine:
        s.close()


def test_websockets_count_against_their_address_too(guarded):
    with contextlib.ExitStack() as stack:
        for _ in range(3):
            stack.enter_context(connect(f"ws://127.0.0.1:{guarded}/ws/run",
                                        source_address=(OTHER, 0)))
        with dial(guarded, OTHER) as extra:
            assert read_all(extra).startswith(b"HTTP/1.1 429")
    assert _admitted_again(guarded)


def _admitted_again(port: int, within: float = 20.0) -> bool:
    """Whether a new connection from ``OTHER`` is served (once the server has seen the
    others close), trying until ``within`` seconds pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with dial(port, OTHER) as s:
            s.sendall(get())
            if s.recv(65536).startswith(b"HTTP/1.1 200"):
                return True
        time.sleep(0.05)
    return False
