"""Heavy work off the event loop: worker processes, admission control, a memory budget.

The event loop that serves live streams must never block for long, so everything
CPU-heavy — whole runs, sweeps, basin maps, scatters, exports, loss-landscape slices,
expression builds, model descriptions and contour grids — runs in worker processes
(``pool.JobPool``), at a lower CPU priority than the loop. A job is admitted only if
its lane's queue has room and its estimated memory (``memory.py``) fits the
server-wide budget; otherwise the caller gets ``Busy`` at once (REST: 503 with
Retry-After; sockets: an ``error`` naming the limit).

Modules: ``wire`` (length-prefixed pickles over a socket pair) · ``worker`` (the child
process: runs one task at a time, reports progress, stops on cancel) · ``tasks`` (what
a worker can run) · ``memory`` (estimates) · ``pool`` (the loop side: lanes,
admission, dispatch, cancel, respawn) · ``offload`` (what routes call).
"""
