"""How both WebSocket routes serve their socket: the Origin check, the connection cap,
the reader, sending, the watchdog, and what happens when a protocol fails.

``serve_socket(ws, protocol)`` is a whole route:

1. **Origin.** A browser says which page opened the socket. Only the server's own pages
   (``/`` and ``/embed``, wherever they are framed: the socket's Origin is the embed's)
   and the origins in ``GDVIZ_WS_ORIGINS`` may use it; any other is closed with 1008 and
   a reason naming the setting — a page on another site cannot run work on a student's
   laptop server. A client that sends no Origin is not a browser page and may.
2. **Cap.** Beyond ``GDVIZ_MAX_CONNECTIONS`` live sockets (both routes together) the
   socket is closed with 1013 and the reason.
3. The protocol (gdviz/streaming/) gets a ``Channel``: the inbox a reader task fills, a
   ``send``, the job pool.
4. **Watchdog** (one per app, every ``CHECK_INTERVAL`` s): a socket whose send buffer has
   not drained for ``GDVIZ_WS_SEND_TIMEOUT`` s — a peer that stopped reading, whose
   close would wait for that buffer for ever — has its connection aborted, freeing its
   slot and buffers; a socket on which nothing was said either way for
   ``GDVIZ_WS_IDLE_SECONDS`` is closed with ``IDLE`` (4000) and a reason (the page
   reconnects when the student is back).
5. A protocol that fails is a bug of ours: logged, told to the client as an ``error``,
   closed with 1011 — never a socket that goes silent while the client waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import WebSocket

from gdviz.jobs.expressions import named_in, prepare
from gdviz.jobs.offload import job_pool
from gdviz.settings import get_settings
from gdviz.streaming.channel import GONE, IDLE, Channel, ClientGone
from gdviz.streaming.inbox import Inbox
from gdviz.streaming.session import MAX_TICK_COMPUTE
from gdviz.streaming.turns import loop_turns

from .json import dumps
from .memory import live_sockets, release_when_quiet

BUSY = 1013  # WebSocket close code "try again later"
POLICY = 1008  # "policy violation": a foreign Origin
IDLE_CLOSE = 4000  # nothing said either way for GDVIZ_WS_IDLE_SECONDS
CHECK_INTERVAL = 1.0  # seconds between the watchdog's rounds
TRANSPORT = "gdviz.transport"  # scope key: the connection's asyncio transport, if known

Protocol = Callable[[Channel], Awaitable[None]]


# -- 1. Origin ------------------------------------------------------------------------


def _netloc(host: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    host = host.strip().lower()
    for default in (":80", ":443"):
        if host.endswith(default):
            return host[: -len(default)]
    return host


def origin_refusal(ws: WebSocket) -> str | None:
    """None if the socket's Origin may use it, else the close reason."""
    origin = ws.headers.get("origin")
    if origin is None:
        return None  # not a page in a browser (scripts, the tests, the benchmarks)
    allowed = [o.strip().rstrip("/").lower() for o in get_settings().ws_origins.split(",")
               if o.strip()]
    if "*" in allowed or origin.strip().rstrip("/").lower() in allowed:
        return None
    parts = urlsplit(origin.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        if _netloc(parts.netloc) == _netloc(ws.headers.get("host", "")):
            return None  # the server's own page
    shown = origin if len(origin) <= 50 else origin[:50] + "..."  # a reason is ≤ 123 bytes
    return f"origin: {shown} may not use these sockets; see GDVIZ_WS_ORIGINS"


# -- 2. the cap, and each admitted socket ----------------------------------------------


@dataclass(eq=False)
class Live:
    """One admitted socket, as the watchdog sees it."""

    ws: WebSocket
    inbox: Inbox
    active: float  # loop time of the last message either way
    transport: object | None = None
    buffered: int = 0  # the send buffer at the last check
    drained: float = 0.0  # loop time the buffer was last seen empty or shrinking
    idle: bool = field(default=False)


async def serve_socket(ws: WebSocket, protocol: Protocol, logger: logging.Logger) -> None:
    refusal = origin_refusal(ws)
    await ws.accept()
    if refusal is not None:
        await ws.close(code=POLICY, reason=refusal)
        return
    settings = get_settings()
    live = live_sockets(ws.app)
    if len(live) >= settings.max_connections:
        await ws.close(code=BUSY, reason=f"server busy: {settings.max_connections} live streams "
                                         "is the limit; try again in a moment")
        return
    loop = asyncio.get_running_loop()
    me = Live(ws, Inbox(maxsize=8), loop.time(), ws.scope.get(TRANSPORT), drained=loop.time())
    live[ws] = me
    _watch(ws.app)
    reader = asyncio.create_task(read_into(ws, me))
    try:
        await apart(serve_guarded(ws, protocol, _channel(ws, me), logger))
        if me.idle:
            with contextlib.suppress(Exception):
                minutes = settings.ws_idle_seconds / 60
                await _close(ws, me, IDLE_CLOSE, f"idle for {minutes:g} minutes; the page "
                                                 "reconnects when you come back")
    finally:
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader
        live.pop(ws, None)
        if not live:  # the last one left: once the connections are torn down, trim
            _unwatch(ws.app)
            release_when_quiet(ws.app, after_job=False)


async def apart(coro):
    """Await ``coro`` in a task of its own (its result, or what it raises); cancelled with
    the caller, which then waits for it to end.

    A socket's protocol loop wakes every tick (and again for each turn it waits,
    turns.py). Awaited where the route runs, each wake-up would resume the whole ASGI
    call stack above it — uvicorn's, every middleware's, Starlette's router and
    FastAPI's, ~30 coroutines — and suspend it again. In a task of its own the loop
    resumes only its few frames; the route's stack wakes once, when it ends. 150 playing
    streams cost 209–215 µs of server CPU a message before, 185–193 after
    (bench/ws_floor.py)."""
    task = asyncio.create_task(coro)
    try:
        return await task
    finally:
        if not task.done():  # the caller was cancelled (the task with it): let it end
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _channel(ws: WebSocket, me: Live) -> Channel:
    settings = get_settings()
    loop = asyncio.get_running_loop()
    pool = job_pool(ws.app)

    async def send(text: str) -> None:
        me.active = loop.time()
        try:
            await ws.send_text(text)
        except Exception as e:
            raise ClientGone from e

    async def compute(lane, task, payload, memory, on_progress=None, allowance=None):
        try:
            return await pool.run(lane, task, payload, memory, on_progress,
                                  allowance=allowance)
        finally:
            release_when_quiet(ws.app)

    async def prepare_exprs(message) -> None:
        await prepare(pool, named_in(message))

    return Channel(inbox=me.inbox, send=send, compute=compute, prepare=prepare_exprs,
                   max_message_bytes=settings.ws_max_message_bytes, clock=time.perf_counter,
                   now=loop.time, budget=MAX_TICK_COMPUTE, turns=loop_turns(ws.app.state))


async def read_into(ws: WebSocket, me: Live) -> None:
    """Move incoming messages into the inbox (text, or bytes) until the peer leaves, then
    put GONE. The bounded inbox means a flooding client waits on its own socket instead
    of growing server memory."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            me.active = loop.time()
            await me.inbox.put(message.get("text", message.get("bytes")))
    except Exception:  # the peer vanished mid-read: same as a disconnect
        pass
    finally:
        with contextlib.suppress(asyncio.QueueFull):
            me.inbox.put_nowait(GONE)


async def _close(ws: WebSocket, me: Live, code: int, reason: str) -> None:
    """Close, but never wait longer than the send timeout for a buffer that will not
    drain: then abort the connection."""
    try:
        async with asyncio.timeout(get_settings().ws_send_timeout):
            await ws.close(code=code, reason=reason)
    except TimeoutError:
        _abort(me)


def _abort(me: Live) -> None:
    if me.transport is not None:
        me.transport.abort()


# -- 4. the watchdog -----------------------------------------------------------------


def _watch(app) -> None:
    """Start the app's watchdog if it is not running (it stops with the last socket)."""
    task = getattr(app.state, "socket_watchdog", None)
    if task is None or task.done():
        app.state.socket_watchdog = asyncio.get_running_loop().create_task(
            _watchdog(app), name="gdviz-socket-watchdog")


def _unwatch(app) -> None:
    task = getattr(app.state, "socket_watchdog", None)
    if task is not None:
        task.cancel()
        app.state.socket_watchdog = None


async def _watchdog(app) -> None:
    loop = asyncio.get_running_loop()
    live = live_sockets(app)
    while live:
        await asyncio.sleep(CHECK_INTERVAL)
        settings = get_settings()
        now = loop.time()
        for me in list(live.values()):
            check(me, now, settings.ws_send_timeout, settings.ws_idle_seconds)


def check(me: Live, now: float, send_timeout: float, idle_seconds: float) -> None:
    """One socket's round: abort a stalled connection; end an idle socket's protocol
    (IDLE in its inbox: the route then closes it with IDLE_CLOSE)."""
    if stalled(me, now, send_timeout):
        _abort(me)
    elif not me.idle and now - me.active > idle_seconds:
        me.idle = True
        with contextlib.suppress(asyncio.QueueFull):
            me.inbox.put_nowait(IDLE)


def stalled(me: Live, now: float, timeout: float) -> bool:
    """Whether the socket's send buffer has held data without shrinking for ``timeout``
    seconds (updates what was last seen)."""
    transport = me.transport
    if transport is None:
        return False
    try:
        size = transport.get_write_buffer_size()
    except Exception:
        return False
    if size == 0 or size < me.buffered:
        me.drained = now
    me.buffered = size
    return size > 0 and now - me.drained > timeout


# -- 5. a failing protocol --------------------------------------------------------------


async def serve_guarded(ws: WebSocket, protocol: Protocol, channel: Channel,
                        logger: logging.Logger) -> None:
    """Run ``protocol``. A client leaving ends it quietly; anything else is a bug of ours:
    logged, told to the client as an ``error``, and the socket closed with 1011."""
    try:
        await protocol(channel)
    except ClientGone:
        pass
    except Exception as e:
        logger.exception("%s failed", ws.url.path)
        with contextlib.suppress(Exception):
            await ws.send_text(dumps({"type": "error", "message": f"internal error: {e!r}"}))
            await ws.close(code=1011, reason="internal error")


class TransportHandle:
    """ASGI middleware, outermost: records a WebSocket connection's asyncio transport in
    its scope (uvicorn's ``send`` is a method of the connection's protocol object), so the
    watchdog can abort a connection whose peer stopped reading. Elsewhere (TestClient)
    there is no transport and nothing is aborted."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None:
                scope[TRANSPORT] = transport
        await self.app(scope, receive, send)
