"""What every WebSocket route shares: the connection cap, the reader task, sending,
and what happens when a route's loop fails."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import ctypes.util
import gc
import logging
from typing import AsyncIterator, Awaitable, Callable

from fastapi import WebSocket

from gdviz.settings import get_settings

from .json import dumps

BUSY = 1013  # WebSocket close code "try again later"
GONE = object()  # put in the inbox when the peer has gone


IDLE_TRIM_DELAY = 2.0  # seconds without any stream before freed memory goes back to the OS


def _find_malloc_trim():
    """glibc's ``malloc_trim``, or None (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None).malloc_trim
    except (AttributeError, OSError, TypeError):
        return None


_malloc_trim = _find_malloc_trim()


def _release_if_idle(live: set) -> None:
    """Hand freed heap pages back to the OS if no stream came back meanwhile. A class of
    200 streams leaves ~20 MB of freed blocks in glibc's heap; glibc would keep them
    for the next class (the server does not grow further), but until then the process
    looks 20–30 % bigger. Costs a few ms, only on a server with no live streams."""
    if not live and _malloc_trim is not None:
        gc.collect()  # closed connections' cycles (exceptions, frames) first
        _malloc_trim(0)


@contextlib.asynccontextmanager
async def admit(ws: WebSocket) -> AsyncIterator[bool]:
    """Accept ``ws`` and count it against ``max_connections`` (all WS routes together);
    over the cap it is closed with 1013 and a reason, and this yields False."""
    limit = get_settings().max_connections
    live = ws.app.state.__dict__.setdefault("live_streams", set())
    await ws.accept()
    if len(live) >= limit:
        await ws.close(code=BUSY, reason=f"server busy: {limit} live streams is the limit; "
                                         "try again in a moment")
        yield False
        return
    live.add(ws)
    try:
        yield True
    finally:
        live.discard(ws)
        if not live:  # the last one left: once the connections are torn down, trim
            asyncio.get_running_loop().call_later(IDLE_TRIM_DELAY, _release_if_idle, live)


class Inbox:
    """A bounded queue of one socket's incoming messages, read by one loop that waits
    for the next message *or* its next tick.

    ``get(timeout)`` waits on one plain future with a timer, where
    ``asyncio.wait_for(queue.get(), timeout)`` would wrap the wait in a Task and, each
    time the tick comes first, cancel it and wait for the cancellation: two extra
    event-loop turns per tick per socket, a large share of a streamed step's cost
    at 200 sockets (bench/README.md). ``put``/``put_nowait`` behave as
    ``asyncio.Queue``'s (``read_into`` and slice replies use them)."""

    def __init__(self, maxsize: int = 8):
        self.maxsize = maxsize
        self._items: collections.deque = collections.deque()
        self._getter: asyncio.Future | None = None
        self._putters: collections.deque = collections.deque()

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item) -> None:
        if len(self._items) >= self.maxsize:
            raise asyncio.QueueFull
        self._items.append(item)
        _wake(self._getter)

    async def put(self, item) -> None:
        """Wait while the inbox is full (a flooding client waits on its own socket)."""
        while len(self._items) >= self.maxsize:
            space = asyncio.get_running_loop().create_future()
            self._putters.append(space)
            try:
                await space
            finally:
                with contextlib.suppress(ValueError):
                    self._putters.remove(space)
        self.put_nowait(item)

    async def get(self, timeout: float | None = None):
        """The next message, or None once ``timeout`` seconds passed without one (None:
        wait as long as it takes). Always yields to the event loop at least once."""
        if self._items:
            await asyncio.sleep(0)  # let the other sockets run first, as a wait would
        else:
            loop = asyncio.get_running_loop()
            self._getter = arrived = loop.create_future()
            timer = (None if timeout is None
                     else loop.call_later(max(timeout, 0.0), _wake, arrived))
            try:
                await arrived
            finally:
                self._getter = None
                if timer is not None:
                    timer.cancel()
        if not self._items:
            return None
        item = self._items.popleft()
        while self._putters:
            space = self._putters.popleft()
            if not space.done():
                space.set_result(None)
                break
        return item


def _wake(future: asyncio.Future | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


async def read_into(ws: WebSocket, inbox: asyncio.Queue | Inbox) -> None:
    """Move incoming messages into ``inbox`` (text, or bytes) until the peer leaves,
    then put ``GONE``. The bounded queue means a flooding client waits on its own
    socket instead of growing server memory."""
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            await inbox.put(message.get("text", message.get("bytes")))
    except Exception:  # the peer vanished mid-read: same as a disconnect
        pass
    finally:
        with contextlib.suppress(asyncio.QueueFull):
            inbox.put_nowait(GONE)


class ClientGone(Exception):
    """The peer closed the socket while we were sending to it."""


async def send_json(ws: WebSocket, message: dict) -> None:
    """Send one message as strict JSON (no NaN); ``ClientGone`` if the socket is closed."""
    text = dumps(message)  # a serialisation slip is our bug, not the client leaving
    try:
        await ws.send_text(text)
    except Exception as e:
        raise ClientGone from e


async def serve_guarded(ws: WebSocket, loop: Callable[[WebSocket], Awaitable[None]],
                        logger: logging.Logger) -> None:
    """Run a route's ``loop``. A client leaving ends it quietly; anything else is a bug of
    ours: logged, told to the client as an ``error``, and the socket closed with 1011 —
    never a socket that goes silent while the client waits."""
    try:
        await loop(ws)
    except ClientGone:
        pass
    except Exception as e:
        logger.exception("%s failed", ws.url.path)
        with contextlib.suppress(Exception):
            await ws.send_text(dumps({"type": "error", "message": f"internal error: {e!r}"}))
            await ws.close(code=1011, reason="internal error")
