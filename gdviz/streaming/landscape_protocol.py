"""WS /ws/landscape's protocol (docs/landscape.md): sweeps, basin maps and scatters with
progress and cancel.

A ``run`` is validated here (a custom f(x, y) it names is built in a worker first) and
computed in the job pool, which reports progress between chunks of steps; at most one
job per socket: a newer ``run``, a ``cancel`` or the socket closing cancels it, and its
worker stops at its next chunk. A job the pool cannot take now gets an ``error`` naming
the limit, at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from gdviz.jobs import memory
from gdviz.jobs.offload import JOBS as JOB_LANE
from gdviz.scenarios.cost import STREAMED_SECONDS, check_landscape_time
from gdviz.scenarios.jsonsafe import dumps
from gdviz.scenarios.landscape import JOBS
from gdviz.scenarios.numbers import Model
from gdviz.validation import summary

from .channel import GONE, IDLE, Channel, ClientGone, job_error
from .protocol import BadMessage, read_message

logger = logging.getLogger("gdviz.landscape")
JobId = int


class _RunJob(Model):
    model_config = ConfigDict(extra="forbid")
    type: str
    id: JobId = Field(ge=0, le=2**53)
    kind: str
    request: dict[str, Any]


class _Cancel(Model):
    model_config = ConfigDict(extra="forbid")
    type: str
    id: JobId = Field(ge=0, le=2**53)


class _Socket:
    """One client: its send lock and its (at most one) running job."""

    def __init__(self, ch: Channel):
        self.ch = ch
        self.lock = asyncio.Lock()
        self.job_id: int | None = None
        self.task: asyncio.Task | None = None

    async def send(self, message: dict | str) -> None:
        async with self.lock:
            await self.ch.send(message if isinstance(message, str) else dumps(message))

    async def cancel_current(self) -> None:
        task, job_id = self.task, self.job_id
        self.task = self.job_id = None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await self.send({"type": "cancelled", "id": job_id})

    async def run(self, job_id: int, kind: str, request, allowance=None) -> None:
        """Compute the job in the pool, sending its progress, then its result; stopped with
        an ``error`` once its computing passes its ``allowance`` (``cost.Allowance``)."""
        latest: list[float] = []
        woke = asyncio.Event()

        def progress(fraction: float) -> None:
            latest[:] = [fraction]
            woke.set()

        computing = asyncio.ensure_future(self.ch.compute(
            JOB_LANE, "landscape", (kind, request), memory.landscape(kind, request), progress,
            allowance))
        try:
            while not computing.done():
                waiting = asyncio.ensure_future(woke.wait())
                try:
                    await asyncio.wait({computing, waiting}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiting.cancel()
                if woke.is_set() and not computing.done():
                    woke.clear()
                    await self.send({"type": "progress", "id": job_id, "fraction": latest[0]})
            text = computing.result()
        finally:
            computing.cancel()
        self.task = self.job_id = None
        await self.send(f'{{"type":"result","id":{job_id},"kind":{dumps(kind)},'
                        f'"result":{text}}}')


async def _handle(sock: _Socket, text) -> None:
    ch = sock.ch
    try:
        msg = read_message(text, ch.max_message_bytes)
    except BadMessage as e:
        await sock.send({"type": "error", "id": None, "message": str(e)})
        return
    job_id = msg.get("id") if type(msg.get("id")) is int else None  # not a bool
    try:
        if msg.get("type") not in ("run", "cancel"):
            raise ValueError("type: must be 'run' or 'cancel'")
        if msg["type"] == "cancel":
            cancel = _Cancel.model_validate(msg)
            if sock.job_id == cancel.id:
                await sock.cancel_current()
            return
        run = _RunJob.model_validate(msg)
        if run.kind not in JOBS:
            raise ValueError(f"kind: must be one of {', '.join(JOBS)}, not {run.kind!r}")
        await ch.prepare(run.request)
        request = JOBS[run.kind][0].model_validate(run.request)
        allowance = check_landscape_time(run.kind, request, "WS /ws/landscape",
                                         STREAMED_SECONDS)
    except ValidationError as e:
        await sock.send({"type": "error", "id": job_id, "message": summary(e.errors())})
        return
    except ValueError as e:
        await sock.send({"type": "error", "id": job_id, "message": str(e)})
        return
    except Exception as e:  # the pool could not build its f(x, y) now
        sentence = job_error(e)
        if sentence is None:
            raise
        await sock.send({"type": "error", "id": job_id, "message": sentence})
        return
    await sock.cancel_current()
    sock.job_id = run.id
    sock.task = asyncio.create_task(_guarded(sock, run.id, run.kind, request, allowance))


async def _guarded(sock: _Socket, job_id: int, kind: str, request, allowance=None) -> None:
    try:
        await sock.run(job_id, kind, request, allowance)
    except asyncio.CancelledError:
        raise
    except Exception as e:
        sock.task = sock.job_id = None
        if isinstance(e, ClientGone):
            return
        sentence = job_error(e)
        if sentence is None:
            logger.exception("landscape job failed")  # a bug of ours: say so, don't go silent
            sentence = f"internal error: {e!r}"
        with contextlib.suppress(Exception):
            await sock.send({"type": "error", "id": job_id, "message": sentence})


async def serve(ch: Channel) -> None:
    sock = _Socket(ch)
    try:
        while (text := await ch.inbox.get()) is not GONE and text is not IDLE:
            await _handle(sock, text)
    finally:
        if sock.task is not None:
            sock.task.cancel()
            with contextlib.suppress(BaseException):
                await sock.task
