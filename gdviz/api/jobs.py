"""Running landscape jobs (sweep, basins, scatter) off the event loop, chunk by chunk.

A job is a generator that yields progress fractions between chunks of steps
and then its result dict (gdviz/scenarios/landscape.py). Each chunk runs in a
worker thread under one server-wide ``CapacityLimiter`` of ``max_jobs``:
chunks of different jobs take turns, so one big basin map cannot starve the
others, and CPU-bound work never blocks the event loop (live streams keep
flowing).
"""

from __future__ import annotations

from typing import Iterator

from anyio import CapacityLimiter, to_thread

from gdviz.settings import get_settings

Job = Iterator[float | dict]
_END = object()


def job_limiter(app) -> CapacityLimiter:
    limiter = getattr(app.state, "job_limiter", None)
    if limiter is None:
        limiter = app.state.job_limiter = CapacityLimiter(get_settings().max_jobs)
    return limiter


def _next(job: Job):
    return next(job, _END)


async def next_item(app, job: Job) -> float | dict:
    """The job's next progress fraction or its result, computed in a worker thread."""
    item = await to_thread.run_sync(_next, job, limiter=job_limiter(app))
    if item is _END:
        raise RuntimeError("landscape job ended without a result")
    return item


async def result(app, job: Job) -> dict:
    """Run the job to its end (no progress reporting); its result."""
    while not isinstance(item := await next_item(app, job), dict):
        pass
    return item
