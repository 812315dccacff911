"""Giving memory back to the OS once the server is quiet: after any job, and after the
last WebSocket has left.

Big results pass through the server process on their way out (a whole run's JSON can be
tens of MB), and a class of 200 streams leaves ~20 MB of freed blocks in glibc's heap
(glibc would keep them for the next class, but until then the process looks 20–30 %
bigger). ``IDLE_TRIM_DELAY`` s after a job ended or the last socket left — if by then no
job runs or waits, and (when only sockets asked) no stream came back — ``release_memory``
hands the free pages back: a few ms, at most once per delay. The worker processes trim
themselves after every job.
"""

from __future__ import annotations

import asyncio

from gdviz.jobs.offload import job_pool
from gdviz.jobs import trim as _trim

IDLE_TRIM_DELAY = 2.0  # seconds after the last job or socket before trimming


def live_sockets(app) -> dict:
    """The WebSockets holding a slot under the connection cap, each with what the socket
    watchdog knows of it (gdviz/api/sockets.py)."""
    return app.state.__dict__.setdefault("live_streams", {})


def release_when_quiet(app, after_job: bool = True) -> None:
    """Trim ``IDLE_TRIM_DELAY`` s from now if the server is quiet then (see the module doc);
    calls in between trim once."""
    state = app.state
    state.trim_after_job = getattr(state, "trim_after_job", False) or after_job
    if getattr(state, "trim_pending", False):
        return
    state.trim_pending = True
    loop = asyncio.get_running_loop()

    def trim() -> None:
        pool = job_pool(app)
        if pool.busy():
            pool.when_settled(lambda: loop.call_later(IDLE_TRIM_DELAY, trim))
            return
        state.trim_pending = False
        if state.trim_after_job or not live_sockets(app):
            state.trim_after_job = False
            _trim.release_memory()

    loop.call_later(IDLE_TRIM_DELAY, trim)
