"""What every WebSocket route shares: the connection cap and the reader task."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from fastapi import WebSocket

from app.settings import get_settings

BUSY = 1013  # WebSocket close code "try again later"
GONE = object()  # put in the inbox when the peer has gone


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
