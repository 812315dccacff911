"""WS /ws/landscape — sweeps, basin maps and scatters with progress and cancel.

docs/landscape.md has the protocol. A job is a generator (gdviz/scenarios/
landscape.py) that yields progress fractions between chunks of steps and then
its result; each chunk runs in a worker thread, and between chunks the loop
checks whether the job was cancelled (by `cancel`, a newer `run`, or the
socket closing), so a cancel takes effect within one chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import ConfigDict, Field, ValidationError

from gdviz.scenarios.landscape import JOBS
from gdviz.scenarios.numbers import Model
from gdviz.settings import get_settings
from gdviz.streaming.protocol import BadMessage, read_message
from gdviz.validation import summary

from .jobs import Job, next_item
from .sockets import GONE, ClientGone, admit, read_into, send_json, serve_guarded

router = APIRouter()
logger = logging.getLogger("gdviz.landscape")
PROGRESS_INTERVAL = 0.1  # seconds between progress messages of one job
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

    def __init__(self, ws: WebSocket):
        self.ws = ws
        self.lock = asyncio.Lock()
        self.job_id: int | None = None
        self.task: asyncio.Task | None = None

    async def send(self, message: dict) -> None:
        async with self.lock:
            await send_json(self.ws, message)

    async def cancel_current(self) -> None:
        task, job_id = self.task, self.job_id
        self.task = self.job_id = None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await self.send({"type": "cancelled", "id": job_id})

    async def run(self, job_id: int, job: Job, kind: str) -> None:
        last = 0.0
        while True:
            item = await next_item(self.ws.app, job)
            if isinstance(item, dict):
                self.task = self.job_id = None
                await self.send({"type": "result", "id": job_id, "kind": kind, "result": item})
                return
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL:
                last = now
                await self.send({"type": "progress", "id": job_id, "fraction": float(item)})


async def _handle(sock: _Socket, text) -> None:
    try:
        msg = read_message(text, get_settings().ws_max_message_bytes)
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
        model, make_job = JOBS[run.kind]
        req = model.model_validate(run.request)
    except ValidationError as e:
        await sock.send({"type": "error", "id": job_id, "message": summary(e.errors())})
        return
    except ValueError as e:
        await sock.send({"type": "error", "id": job_id, "message": str(e)})
        return
    await sock.cancel_current()
    sock.job_id = run.id
    sock.task = asyncio.create_task(_guarded(sock, run.id, make_job(req), run.kind))


async def _guarded(sock: _Socket, job_id: int, job, kind: str) -> None:
    try:
        await sock.run(job_id, job, kind)
    except asyncio.CancelledError:
        raise
    except ClientGone:
        sock.task = sock.job_id = None
    except Exception as e:  # a bug of ours: tell the client instead of going silent
        logger.exception("landscape job failed")
        sock.task = sock.job_id = None
        with contextlib.suppress(Exception):
            await sock.send({"type": "error", "id": job_id, "message": f"internal error: {e!r}"})


@router.websocket("/ws/landscape")
async def landscape_socket(ws: WebSocket) -> None:
    async with admit(ws) as admitted:
        if admitted:
            await serve_guarded(ws, _loop, logger)


async def _loop(ws: WebSocket) -> None:
    sock = _Socket(ws)
    inbox: asyncio.Queue = asyncio.Queue(maxsize=8)
    reader = asyncio.create_task(read_into(ws, inbox))
    try:
        while (text := await inbox.get()) is not GONE:
            await _handle(sock, text)
    finally:
        reader.cancel()
        if sock.task is not None:
            sock.task.cancel()
            with contextlib.suppress(BaseException):
                await sock.task
        with contextlib.suppress(BaseException):
            await reader
