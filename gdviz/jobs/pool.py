"""The server's side of the job pool: lanes of worker processes, admission, dispatch.

A *lane* is a set of at most ``workers`` worker processes (gdviz/jobs/worker.py) with a
queue of at most ``queue`` waiting jobs. ``submit`` admits a job or refuses it at once:

* ``TooBig`` if its estimated memory alone exceeds the whole budget;
* ``Busy`` (with a Retry-After estimate) if the lane already holds ``workers + queue``
  jobs, running or waiting.

A waiting job holds only its payload (the validated request); its arrays are made in the
worker once it starts. The head of a lane's queue starts when a worker of the lane is
free *and* its estimated memory fits beside the running jobs' (all lanes share one
budget), so memory in use stays under the budget however many clients ask.

Each worker is driven by one task here that sends it a job, forwards its progress and
resolves the job's future. ``cancel`` drops a waiting job at once; a running one is told
to stop (it does at its next progress report) and its worker is killed if it has not
within ``cancel_grace`` seconds — as is a worker still running a job after
``max_seconds``. A worker that dies fails its job with ``WorkerLost``; the next job
starts a new one. Workers are started on demand. A lane's last worker exits after
``idle_seconds`` idle (it stays warm between a class's requests); the others, started
for a burst, after ``extra_idle_seconds`` — so a burst's memory goes back soon after it.

Nothing here blocks the event loop: results are read with asyncio streams, processes are
started and reaped by asyncio.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import math
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import wire
from .outcome import Busy, Refused, TooBig, WorkerLost

logger = logging.getLogger("gdviz.jobs")
MB = 1 << 20
DRIVER = "gdviz-job-worker"  # the name of each worker's driver task
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                     "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")}


@dataclass(frozen=True)
class LaneConfig:
    workers: int
    queue: int
    what: str  # "computations", … — for the Busy sentence
    settings: tuple[str, str]  # the GDVIZ_* names of ``workers`` and ``queue``


@dataclass(eq=False)
class Job:
    id: int
    lane: str
    task: str
    payload: Any
    memory: int
    on_progress: Callable[[float], None] | None
    future: asyncio.Future
    running: bool = False  # given to a worker
    started: bool = False  # the worker has begun it (it was not still starting up)
    cancelled: bool = False
    stats: dict | None = None  # a finished job's {seconds, peak_rss} in its worker
    encode: str | None = None  # "gzip": a text result comes back gzip-compressed (worker.py)
    allowance: Any = None  # the computing it may take (cost.Allowance; worker.py stops it)


@dataclass(eq=False)
class _Worker:
    process: asyncio.subprocess.Process | None = None
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    job: Job | None = None
    killer: asyncio.TimerHandle | None = None


@dataclass(eq=False)
class _Lane:
    config: LaneConfig
    waiting: collections.deque = field(default_factory=collections.deque)
    workers: set = field(default_factory=set)  # of _Worker, started or starting
    idle: int = 0  # drivers waiting for a job
    seconds: float = 1.0  # running mean of job durations, for Retry-After


class JobPool:
    def __init__(self, lanes: dict[str, LaneConfig], memory_budget: int, *, nice: int = 10,
                 max_seconds: float = 60.0, idle_seconds: float = 300.0,
                 extra_idle_seconds: float = 15.0, cancel_grace: float = 5.0):
        self.lanes = {name: _Lane(c) for name, c in lanes.items()}
        self.memory_budget = memory_budget
        self.nice, self.max_seconds = nice, max_seconds
        self.idle_seconds, self.cancel_grace = idle_seconds, cancel_grace
        self.extra_idle_seconds = min(extra_idle_seconds, idle_seconds)
        self.memory_in_use = 0
        self.loop = asyncio.get_running_loop()
        self._ids = itertools.count(1)
        self._pokes: list[asyncio.Future] = []
        self._drivers: set[asyncio.Task] = set()
        self._closed = False
        self._settled: list[Callable[[], None]] = []
        self.counts: collections.Counter = collections.Counter()  # how jobs ended, by kind

    # -- admission -----------------------------------------------------------------

    def submit(self, lane: str, task: str, payload, memory: int,
               on_progress: Callable[[float], None] | None = None,
               encode: str | None = None, allowance=None) -> Job:
        """Admit a job (its future gives the result) or raise ``TooBig`` / ``Busy``.
        ``encode="gzip"``: a text result is compressed in the worker, off this loop.
        ``allowance`` (``cost.Allowance``): the worker stops the job with its 422 once its
        computing passes the allowance's ``stop_after`` seconds."""
        if self._closed:
            raise Busy("server busy: the server is shutting down; try again in a moment", 5)
        ln = self.lanes[lane]
        if memory > self.memory_budget:
            raise TooBig(f"this computation needs about {math.ceil(memory / MB):,} MB, more "
                         f"than the server's memory budget for computations of "
                         f"{self.memory_budget // MB:,} MB (GDVIZ_JOB_MEMORY_MB); make it smaller")
        if _running(ln) + len(ln.waiting) >= ln.config.workers + ln.config.queue:
            raise Busy(self._busy_sentence(ln), self.retry_after(lane))
        job = Job(next(self._ids), lane, task, payload, memory, on_progress,
                  self.loop.create_future(), encode=encode, allowance=allowance)
        ln.waiting.append(job)
        self._spawn_if_needed(ln)
        self._poke()
        return job

    async def run(self, lane: str, task: str, payload, memory: int,
                  on_progress: Callable[[float], None] | None = None,
                  encode: str | None = None, allowance=None):
        """Submit and wait for the result; cancelling the caller cancels the job."""
        job = self.submit(lane, task, payload, memory, on_progress, encode, allowance)
        return await self.wait(job)

    async def wait(self, job: Job):
        try:
            return await job.future
        except asyncio.CancelledError:
            self.cancel(job)
            raise

    def _fits(self, memory: int) -> bool:
        return self.memory_in_use == 0 or self.memory_in_use + memory <= self.memory_budget

    def _busy_sentence(self, ln: _Lane) -> str:
        c, running, waiting = ln.config, _running(ln), len(ln.waiting)
        limits = f"({c.settings[0]}={c.workers}, {c.settings[1]}={c.queue})"
        again = f"try again in {self.retry_after_of(ln)} s"
        if running == c.workers:
            return (f"server busy: {running} {c.what} running and {waiting} waiting is the "
                    f"limit {limits}; {again}")
        # fewer running than workers: the rest wait for memory (or a worker starting up)
        return (f"server busy: {c.workers + c.queue} {c.what} at once is the limit {limits}, "
                f"and {running + waiting} are in: {running} running and {waiting} waiting "
                f"(the rest of the memory budget for computations, GDVIZ_JOB_MEMORY_MB, or a "
                f"worker starting up holds them back); {again}")

    def retry_after(self, lane: str) -> int:
        return self.retry_after_of(self.lanes[lane])

    @staticmethod
    def retry_after_of(ln: _Lane) -> int:
        """Whole seconds until a place is likely free: the queue ahead, shared by the
        lane's workers, at the mean job duration; 1 … 60."""
        ahead = (len(ln.waiting) + 1) / max(ln.config.workers, 1)
        return int(min(60, max(1, math.ceil(ahead * ln.seconds))))

    # -- cancel ----------------------------------------------------------------------

    def cancel(self, job: Job) -> None:
        """Drop a waiting job; tell a running one's worker to stop (and kill it if it does
        not within ``cancel_grace``). The job's future is cancelled at once."""
        if job.cancelled or (job.future.done() and not job.future.cancelled()):
            return
        job.cancelled = True
        if not job.future.done():
            job.future.cancel()
        ln = self.lanes[job.lane]
        if not job.running:
            with contextlib.suppress(ValueError):
                ln.waiting.remove(job)
            self._poke()
            return
        for w in ln.workers:
            if w.job is job and w.writer is not None:
                with contextlib.suppress(Exception):
                    w.writer.write(wire.pack(("cancel", job.id)))
                if job.started:  # else the worker sees the cancel before it begins
                    self._kill_later(w, self.cancel_grace)

    def _kill_later(self, w: _Worker, seconds: float) -> None:
        if w.killer is not None:
            w.killer.cancel()
        w.killer = self.loop.call_later(seconds, self._kill, w)

    @staticmethod
    def _kill(w: _Worker) -> None:
        if w.process is not None and w.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                w.process.kill()

    # -- workers -----------------------------------------------------------------------

    def _spawn_if_needed(self, ln: _Lane) -> None:
        if ln.waiting and ln.idle == 0 and len(ln.workers) < ln.config.workers:
            w = _Worker()
            ln.workers.add(w)
            task = self.loop.create_task(self._drive(ln, w), name=DRIVER)
            self._drivers.add(task)
            task.add_done_callback(self._drivers.discard)

    async def _start(self, w: _Worker) -> None:
        ours, theirs = socket.socketpair()
        env = {**os.environ, **ONE_THREAD,
               "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        try:
            w.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "gdviz.jobs.worker", str(theirs.fileno()), str(self.nice),
                pass_fds=(theirs.fileno(),), env=env, stdin=asyncio.subprocess.DEVNULL)
        finally:
            theirs.close()
        w.reader, w.writer = await asyncio.open_connection(sock=ours, limit=1 << 16)

    async def _drive(self, ln: _Lane, w: _Worker) -> None:
        """Start a worker and feed it the lane's jobs until it dies or idles out."""
        dropped = False  # the loop was closed under us: no more awaiting
        try:
            await self._start(w)
            while (job := await self._next_job(ln)) is not None:
                await self._run_on(ln, w, job)
        except (WorkerLost, OSError, asyncio.IncompleteReadError):
            pass  # its job, if any, has been failed; the next job starts a new worker
        except GeneratorExit:
            dropped = True
            self._kill(w)
            raise
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("job pool worker driver failed")
        finally:
            ln.workers.discard(w)
            if not dropped:
                await self._stop(w)
                if not self._closed:
                    self._spawn_if_needed(ln)
                self._poke()

    async def _stop(self, w: _Worker) -> None:
        if w.killer is not None:
            w.killer.cancel()
        if w.writer is not None:
            with contextlib.suppress(Exception):
                w.writer.write(wire.pack(("exit",)))
                w.writer.close()
        if w.process is not None:
            try:
                await asyncio.wait_for(w.process.wait(), 5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._kill(w)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(w.process.wait(), 5)

    async def _next_job(self, ln: _Lane) -> Job | None:
        """The next job of the lane that fits in memory; None once idle too long:
        ``extra_idle_seconds`` while another worker of the lane is alive, else
        ``idle_seconds``. The caller drops the worker from ``ln.workers`` before it next
        awaits, so two idle workers never both leave on the shorter limit."""
        ln.idle += 1
        try:
            idle_since = self.loop.time()
            while not self._closed:
                if ln.waiting and self._fits(ln.waiting[0].memory):
                    job = ln.waiting.popleft()
                    job.running = True
                    self.memory_in_use += job.memory
                    return job
                limit = self.idle_seconds if len(ln.workers) <= 1 else self.extra_idle_seconds
                left = idle_since + limit - self.loop.time()
                if left <= 0:
                    return None
                await self._poked(left)
            return None
        finally:
            ln.idle -= 1

    async def _run_on(self, ln: _Lane, w: _Worker, job: Job) -> None:
        w.job = job
        began = self.loop.time()
        try:
            if job.cancelled:
                return
            w.writer.write(wire.pack(("run", job.id, job.task, job.payload, job.encode,
                                      job.allowance)))
            job.payload = None  # the worker has it; nothing big stays here
            await w.writer.drain()
            while True:
                try:
                    msg = await wire.read(w.reader)
                except (asyncio.IncompleteReadError, ConnectionError) as e:
                    self.counts["lost"] += 1
                    _fail(job, WorkerLost(self._lost_sentence(w, began)))
                    raise WorkerLost from e
                kind, job_id = msg[0], msg[1]
                if job_id != job.id:
                    continue
                if kind == "progress":
                    if job.on_progress is not None and not job.cancelled:
                        job.on_progress(msg[2])
                    continue
                if kind == "started":  # time counts from here, not from the worker's start-up
                    job.started, began = True, self.loop.time()
                    self._kill_later(w, self.cancel_grace if job.cancelled else self.max_seconds)
                    continue
                self.counts[kind] += 1
                if kind == "done":
                    job.stats = msg[3]
                    ln.seconds = 0.7 * ln.seconds + 0.3 * msg[3]["seconds"]
                    _resolve(job, msg[2])
                elif kind == "refused":
                    _fail(job, Refused(msg[2], msg[3], msg[4]))
                elif kind == "failed":
                    _fail(job, RuntimeError(f"{job.task} job failed in its worker: {msg[2]}"))
                return  # done, refused, failed or cancelled: the worker is free again
        finally:
            w.job = None
            if w.killer is not None:
                w.killer.cancel()
                w.killer = None
            self.memory_in_use -= job.memory
            self._poke()
            self._notify_settled()

    def _lost_sentence(self, w: _Worker, began: float) -> str:
        took = self.loop.time() - began
        if took >= self.max_seconds:
            return (f"the computation took longer than {self.max_seconds:g} s and was "
                    "stopped (GDVIZ_MAX_JOB_SECONDS); make it smaller")
        return "the computation's worker process stopped unexpectedly; try again"

    # -- waiting for changes -------------------------------------------------------------

    def _poke(self) -> None:
        pokes, self._pokes = self._pokes, []
        for f in pokes:
            if not f.done():
                f.set_result(None)

    async def _poked(self, timeout: float) -> None:
        f = self.loop.create_future()
        self._pokes.append(f)
        timer = self.loop.call_later(timeout, _set, f)
        try:
            await f
        finally:
            timer.cancel()

    def when_settled(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once) the next time no job is running or waiting."""
        self._settled.append(callback)
        self._notify_settled()

    def _notify_settled(self) -> None:
        if self.busy():
            return
        callbacks, self._settled = self._settled, []
        for cb in callbacks:
            cb()

    # -- state -------------------------------------------------------------------------

    def busy(self) -> bool:
        return any(ln.waiting or any(w.job is not None for w in ln.workers)
                   for ln in self.lanes.values())

    def snapshot(self) -> dict:
        """Jobs running and waiting per lane, memory in use, worker process ids, and how
        jobs ended so far (done, refused, failed, cancelled, lost)."""
        return {"memory_in_use": self.memory_in_use, "ended": dict(self.counts), "lanes": {
            name: {"running": _running(ln),
                   "waiting": len(ln.waiting), "workers": len(ln.workers),
                   "pids": sorted(w.process.pid for w in ln.workers if w.process is not None)}
            for name, ln in self.lanes.items()}}

    async def close(self) -> None:
        """Fail waiting jobs, stop every worker."""
        self._closed = True
        for ln in self.lanes.values():
            while ln.waiting:
                _fail(ln.waiting.popleft(), WorkerLost("the server is shutting down"))
        self._poke()
        for t in list(self._drivers):
            t.cancel()
        for t in list(self._drivers):
            with contextlib.suppress(BaseException):
                await t


_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the gdviz package


def _running(ln: _Lane) -> int:
    return sum(1 for w in ln.workers if w.job is not None)


def _set(f: asyncio.Future) -> None:
    if not f.done():
        f.set_result(None)


def _resolve(job: Job, value) -> None:
    if not job.future.done():
        job.future.set_result(value)


def _fail(job: Job, error: BaseException) -> None:
    if not job.future.done():
        job.future.set_exception(error)
        job.future.exception()  # retrieved: no "never retrieved" warning if nobody waits
