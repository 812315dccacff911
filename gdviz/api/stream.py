"""WS /ws/run — the socket loop around a StreamSession (docs/protocol.md).

One reader task moves incoming text into a small bounded queue; the main loop
waits for a message or the next tick, whichever comes first, and sends what
the session returns. The next batch is produced only after the previous send
returned, so at most one batch is ever waiting on a slow client. When the
client goes away the reader ends, the loop ends and the run is freed.

A ``slice`` request (a network's loss landscape, ~0.1–2 s of NumPy) runs in a
worker thread under the server-wide job limiter, one per socket at a time;
its reply comes back through the inbox, so only the loop ever sends.
"""

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket

from anyio import to_thread

from gdviz.settings import get_settings
from gdviz.streaming.session import SliceJob, StreamSession

from .jobs import job_limiter
from .sockets import GONE, Inbox, admit, read_into, send_json, serve_guarded

router = APIRouter()
logger = logging.getLogger("gdviz.stream")


@router.websocket("/ws/run")
async def run_socket(ws: WebSocket) -> None:
    async with admit(ws) as admitted:
        if admitted:
            await serve_guarded(ws, _loop, logger)


class _Reply(dict):
    """A reply computed off the loop (a slice), waiting in the inbox to be sent."""


async def _compute(ws: WebSocket, job: SliceJob, inbox: Inbox) -> None:
    try:
        reply = await to_thread.run_sync(job.run, limiter=job_limiter(ws.app))
    except Exception as e:  # a bug of ours: report it on the socket, keep streaming
        logger.exception("slice failed")
        reply = {"type": "error", "message": f"slice: internal error: {e!r}"}
    await inbox.put(_Reply(reply))


async def _loop(ws: WebSocket) -> None:
    loop = asyncio.get_running_loop()
    session = StreamSession(get_settings().ws_max_message_bytes)
    inbox = Inbox(maxsize=8)
    reader = asyncio.create_task(read_into(ws, inbox))
    computing: asyncio.Task | None = None
    try:
        while True:
            item = await inbox.get(session.next_tick(loop.time()))  # None: time to tick
            if item is GONE or (item is None and reader.done() and inbox.empty()):
                break
            # the session does at most STEP_CHUNK steps per call, so a `step 1000`
            # is spread over several loop turns and other sockets keep flowing
            if isinstance(item, _Reply):
                out = [dict(item)]
            else:
                out = session.handle(item, loop.time()) if item is not None else []
            delay = session.next_tick(loop.time())
            if delay is not None and delay <= 0:
                out += session.tick(loop.time())
            for message in out:
                if isinstance(message, SliceJob):
                    if computing is not None and not computing.done():
                        message = {"type": "error", "message": "slice: one slice at a time; "
                                   "wait for the previous one's reply"}
                    else:
                        computing = asyncio.create_task(_compute(ws, message, inbox))
                        continue
                await send_json(ws, message)
    finally:
        reader.cancel()
        for task in (reader, computing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
