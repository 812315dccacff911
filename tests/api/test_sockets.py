"""What both WebSocket routes share (gdviz/api/sockets.py), without a server: a failing
protocol, the Origin rule and the stall rule (each with its own fake)."""

import asyncio
import json
import logging

import pytest

from gdviz.api.sockets import Live, check, origin_refusal, serve_guarded, stalled
from gdviz.scenarios.jsonsafe import dumps
from gdviz.settings import get_settings
from gdviz.streaming.channel import IDLE, ClientGone
from gdviz.streaming.inbox import Inbox


class FakeSocket:
    """Records what a route sends; ``gone`` makes every send fail as a closed socket does."""

    def __init__(self, gone: bool = False, headers: dict | None = None):
        self.gone = gone
        self.sent: list[str] = []
        self.closed: int | None = None
        self.headers = headers or {}
        self.url = type("Url", (), {"path": "/ws/test"})()

    async def send_text(self, text: str) -> None:
        if self.gone:
            raise RuntimeError("websocket.send after websocket.close")
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = code


def test_a_reply_that_fails_to_serialise_is_reported_not_taken_for_a_client_leaving():
    """Regression: a reply that failed to serialise inside the send's try (then: one with
    NaN) was taken for the client going away: the socket was dropped without a word. Now
    it is a bug of ours, said as such: an `error` and close code 1011."""
    ws = FakeSocket()

    async def protocol(channel):
        dumps({"type": "hyper", "hyper": {"lr": float("nan"), "seed": 2 ** 70}})

    asyncio.run(serve_guarded(ws, protocol, None, logging.getLogger("test")))
    (text,) = ws.sent
    assert json.loads(text)["message"].startswith("internal error: ValueError")
    assert ws.closed == 1011


def test_a_client_leaving_ends_the_route_quietly():
    ws = FakeSocket(gone=True)

    async def protocol(channel):
        raise ClientGone

    asyncio.run(serve_guarded(ws, protocol, None, logging.getLogger("test")))
    assert ws.sent == [] and ws.closed is None


@pytest.mark.parametrize("origin, host, allowed", [
    (None, "127.0.0.1:8000", True),  # not a browser page
    ("http://127.0.0.1:8000", "127.0.0.1:8000", True),  # the server's own page (/ or /embed)
    ("https://gdviz.example.org", "gdviz.example.org", True),  # behind a TLS proxy
    ("http://gdviz.example.org:80", "gdviz.example.org", True),
    ("http://LOCALHOST:8000", "localhost:8000", True),
    ("https://evil.example", "127.0.0.1:8000", False),
    ("http://127.0.0.1:9999", "127.0.0.1:8000", False),  # another port is another origin
    ("null", "127.0.0.1:8000", False),  # a sandboxed frame or a file:// page
    ("http://127.0.0.1:8000.evil.example", "127.0.0.1:8000", False),
])
def test_only_the_servers_own_pages_may_use_its_sockets(origin, host, allowed):
    headers = {"host": host} | ({"origin": origin} if origin is not None else {})
    refusal = origin_refusal(FakeSocket(headers=headers))
    assert (refusal is None) == allowed, refusal
    if not allowed:
        assert "GDVIZ_WS_ORIGINS" in refusal and len(refusal.encode()) <= 123


def test_the_allow_list_admits_named_origins_or_any(monkeypatch):
    ws = FakeSocket(headers={"host": "127.0.0.1:8000", "origin": "https://slides.example.org"})
    monkeypatch.setattr(get_settings(), "ws_origins", "https://slides.example.org/, http://x")
    assert origin_refusal(ws) is None
    monkeypatch.setattr(get_settings(), "ws_origins", "http://other.example")
    assert origin_refusal(ws) is not None
    monkeypatch.setattr(get_settings(), "ws_origins", "*")
    assert origin_refusal(ws) is None


class FakeTransport:
    def __init__(self):
        self.size = 0

    def get_write_buffer_size(self) -> int:
        return self.size


def test_a_send_buffer_that_does_not_drain_for_the_timeout_is_a_stall():
    t = FakeTransport()
    me = Live(ws=None, inbox=None, active=0.0, transport=t, drained=0.0)
    t.size = 0
    assert not stalled(me, 1.0, timeout=10)
    t.size = 70_000  # a peer that stops reading: the buffer fills and stays
    assert not stalled(me, 2.0, timeout=10)
    t.size = 90_000  # growing is not draining
    assert not stalled(me, 11.0, timeout=10)
    assert stalled(me, 11.5, timeout=10)


def test_a_slow_reader_whose_buffer_drains_a_little_is_not_a_stall():
    t = FakeTransport()
    me = Live(ws=None, inbox=None, active=0.0, transport=t, drained=0.0)
    for second in range(1, 60):
        t.size = 70_000 if second % 2 else 60_000  # drains, is refilled, drains …
        assert not stalled(me, float(second), timeout=10)


def test_without_a_transport_nothing_is_ever_a_stall():
    me = Live(ws=None, inbox=None, active=0.0, transport=None)
    assert not stalled(me, 1e9, timeout=1)


def test_a_socket_is_idle_only_when_nothing_was_said_either_way_for_the_idle_time():
    me = Live(ws=None, inbox=Inbox(), active=100.0, transport=None)
    check(me, 100.0 + 899, send_timeout=10, idle_seconds=900)
    assert not me.idle and me.inbox.empty()
    me.active = 1000.0  # a frame went out, or a message came in
    check(me, 1899.0, send_timeout=10, idle_seconds=900)
    assert not me.idle
    check(me, 1900.5, send_timeout=10, idle_seconds=900)
    assert me.idle and me.inbox._items[0] is IDLE  # the protocol ends; the route closes
    check(me, 5000.0, send_timeout=10, idle_seconds=900)
    assert len(me.inbox._items) == 1  # said once


def test_a_stalled_connection_is_aborted_by_the_watchdog():
    t = FakeTransport()
    t.aborted = False
    t.abort = lambda: setattr(t, "aborted", True)
    me = Live(ws=None, inbox=Inbox(), active=0.0, transport=t, drained=0.0)
    t.size = 80_000
    check(me, 5.0, send_timeout=10, idle_seconds=900)
    assert not t.aborted
    check(me, 10.5, send_timeout=10, idle_seconds=900)
    assert t.aborted


def _depth(task: asyncio.Task) -> int:
    """Coroutines from a task's own coroutine down to where it is suspended."""
    n, coro = 0, task.get_coro()
    while coro is not None and hasattr(coro, "cr_await"):
        n, coro = n + 1, coro.cr_await
    return n


def test_a_protocol_loop_runs_apart_from_the_routes_deep_stack():
    """``apart``: the loop that wakes every tick runs in a task of its own, so a wake-up
    resumes its few coroutines, not the route's ~30 (uvicorn, the middlewares, the
    router) above it; what it returns or raises reaches the route."""
    from gdviz.api.sockets import apart

    seen = {}

    async def loop_body(wake: asyncio.Event):
        seen["task"] = asyncio.current_task()
        await wake.wait()
        return "ended"

    async def route(depth: int, wake):  # a deep ASGI stack, as a route sits in one
        if depth:
            return await route(depth - 1, wake)
        return await apart(loop_body(wake))

    async def scenario():
        wake = asyncio.Event()
        outer = asyncio.create_task(route(30, wake))
        while "task" not in seen:
            await asyncio.sleep(0)
        inner = seen["task"]
        depths = (_depth(outer), _depth(inner))
        wake.set()
        return inner is not outer, depths, await outer

    apart_task, (outer_depth, inner_depth), result = asyncio.run(scenario())
    assert apart_task and outer_depth > 30 and inner_depth <= 3
    assert result == "ended"


def test_a_cancelled_route_cancels_its_loop_and_waits_for_it_to_end():
    from gdviz.api.sockets import apart

    order = []

    async def loop_body():
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(0)  # its own cleanup takes a turn
            order.append("loop cleaned up")

    async def route():
        try:
            await apart(loop_body())
        finally:
            order.append("route's finally")

    async def scenario():
        outer = asyncio.create_task(route())
        for _ in range(3):
            await asyncio.sleep(0)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer

    asyncio.run(scenario())
    assert order == ["loop cleaned up", "route's finally"]


def test_what_the_loop_raises_reaches_the_route():
    from gdviz.api.sockets import apart

    async def loop_body():
        await asyncio.sleep(0)
        raise ClientGone

    with pytest.raises(ClientGone):
        asyncio.run(apart(loop_body()))
