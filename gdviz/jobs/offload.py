"""The server's one job pool (per app and event loop), built from the settings.

Two lanes: ``jobs`` for the computations a student asks for (whole runs, sweeps, basin
maps, scatters, exports, slices) and ``quick`` for what a page needs to draw (an
expression built, a contour grid, a model described), so a page never waits behind a
basin map.
"""

from __future__ import annotations

import asyncio

from gdviz.settings import get_settings

from .pool import MB, JobPool, LaneConfig

JOBS, QUICK = "jobs", "quick"


def job_pool(app) -> JobPool:
    """``app``'s pool, made on first use in the running event loop."""
    pool = getattr(app.state, "job_pool", None)
    if pool is None or pool.loop is not asyncio.get_running_loop():
        s = get_settings()
        pool = app.state.job_pool = JobPool(
            {JOBS: LaneConfig(s.max_jobs, s.max_queued_jobs, "computations",
                              ("GDVIZ_MAX_JOBS", "GDVIZ_MAX_QUEUED_JOBS")),
             QUICK: LaneConfig(s.max_quick_jobs, s.max_queued_quick_jobs, "quick jobs",
                               ("GDVIZ_MAX_QUICK_JOBS", "GDVIZ_MAX_QUEUED_QUICK_JOBS"))},
            s.job_memory_mb * MB, nice=s.job_nice, max_seconds=s.max_job_seconds,
            idle_seconds=s.job_idle_seconds, extra_idle_seconds=s.job_extra_idle_seconds)
    return pool


async def close_pool(app) -> None:
    pool = getattr(app.state, "job_pool", None)
    if pool is not None and pool.loop is asyncio.get_running_loop():
        await pool.close()
    app.state.job_pool = None
