"""What every WebSocket route shares: the connection cap and the reader task."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
from typing import AsyncIterator

from fastapi import WebSocket

from app.settings import get_settings

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


async def read_into(ws: WebSocket, inbox: asyncio.Queue) -> None:
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
