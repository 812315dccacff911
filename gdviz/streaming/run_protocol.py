"""WS /ws/run's protocol (docs/protocol.md): the loop around one StreamSession.

The loop waits for a message or the session's next tick, whichever comes first, and
sends what the session returns; the next batch is made only after the previous send
returned, so at most one batch ever waits on a slow client. The streams of a loop share
a budget per turn of it (``Channel.turns``, turns.py), so a class's ticks never hold the
loop long enough to keep a page's request waiting. A ``start`` (or ``replay``)
naming a custom f(x, y) has it built in a worker first (``Channel.prepare``), so the session's
validation finds it ready. A ``slice`` (a network's loss landscape, 0.1–2 s of NumPy)
runs in the job pool, one per socket at a time; its reply comes back through the inbox,
so only the loop ever sends. The loop ends when the peer goes (GONE) or the socket has
been idle too long (IDLE).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gdviz.jobs import memory
from gdviz.jobs.offload import JOBS
from gdviz.scenarios.jsonsafe import dumps

from .channel import GONE, IDLE, Channel, job_error
from .protocol import BadMessage, read_message
from .session import SliceJob, StreamSession

logger = logging.getLogger("gdviz.stream")


class _Reply(str):
    """A reply computed off the loop (a slice), as JSON text, waiting in the inbox."""


async def serve(ch: Channel) -> None:
    session = StreamSession(ch.max_message_bytes, clock=ch.clock, budget=ch.budget)
    computing: asyncio.Task | None = None
    try:
        while True:
            item = await ch.inbox.get(session.next_tick(ch.now()))  # None: time to tick
            if item is GONE or item is IDLE:
                break
            if isinstance(item, _Reply):
                await ch.send(item)
                continue
            out = []
            problem = await _prepare(ch, item) if item is not None else None
            await ch.turns.wait()  # other streams may have had this turn's share
            with ch.turns.spending():
                if item is not None:
                    out = [problem] if problem else session.handle(item, ch.now())
                delay = session.next_tick(ch.now())
                if delay is not None and delay <= 0:
                    out += session.tick(ch.now())
                texts = [m if isinstance(m, SliceJob) else dumps(m) for m in out]
            for message in texts:
                if isinstance(message, SliceJob):
                    if computing is not None and not computing.done():
                        message = dumps({"type": "error", "message": "slice: one slice at a "
                                         "time; wait for the previous one's reply"})
                    else:
                        computing = asyncio.create_task(_slice(ch, message))
                        continue
                await ch.send(message)
    finally:
        if computing is not None:
            computing.cancel()
            with contextlib.suppress(BaseException):
                await computing


async def _prepare(ch: Channel, text) -> dict | None:
    """Build the custom f(x, y) a ``start`` or ``replay`` names before the session
    validates it; an ``error`` if the pool cannot take it now."""
    if not isinstance(text, str) or '"expr"' not in text:
        return None
    try:
        msg = read_message(text, ch.max_message_bytes)
    except BadMessage:
        return None  # the session says what is wrong with it
    try:
        await ch.prepare(msg.get("scenario"))
    except Exception as e:
        sentence = job_error(e)
        if sentence is None:
            raise
        kind = msg.get("type") if msg.get("type") in ("start", "replay") else "start"
        return {"type": "error", "message": f"{kind}: {sentence}"}
    return None


async def _slice(ch: Channel, job: SliceJob) -> None:
    try:
        text = await ch.compute(JOBS, "slice", job.payload(),
                                memory.slice_(job.request.grid))
    except asyncio.CancelledError:
        raise
    except Exception as e:
        sentence = job_error(e)
        if sentence is None:
            logger.exception("slice failed")
            sentence = f"internal error: {e!r}"
        text = dumps({"type": "error", "message": f"slice: {sentence}"})
    await ch.inbox.put(_Reply(text))
