"""REST answers computed in the job pool (gdviz/jobs/): admission, disconnects, errors.

A route validates its request (cheap), estimates the job's memory and calls ``compute``:

* not admitted → 503 with ``Retry-After`` and a sentence naming the limit (at once);
  too big for the memory budget → 422 naming it;
* the client hangs up while the job waits or runs → the job is cancelled (a waiting one
  never starts; a running one stops at its next chunk), and nothing is answered;
* the worker refuses (``Refused``) → that 4xx (also a job stopped at its allowance of
  computing, ``cost.Allowance``: 422); the worker dies → 503, try again.

The job's JSON is serialised in the worker; the route sends the text as it came. To a
client that accepts gzip, a POST's answer and a download (an export) are also compressed
there: a 2-run × 1,000-step run is ~0.4 MB of JSON (~14 ms of gzip), an offline HTML
player 1.8 MB (~60 ms), time that would otherwise hold every stream of this event loop.
A pure task's answer is kept (``cached_json``, gdviz/api/answer_cache.py), compressed
too for such a client, and asked again it is answered without a job, its ETag and 304
given here (ConditionalGet passes an encoded answer by). Other GET answers are left to
the GZip middleware after ConditionalGet has hashed them.
"""

from __future__ import annotations

import asyncio

from fastapi import HTTPException, Request
from fastapi.responses import Response

from gdviz.jobs.offload import job_pool
from gdviz.jobs.outcome import Busy, Refused, TooBig, WorkerLost

from .answer_cache import answer_cache
from .caching import conditional
from .memory import release_when_quiet

JSON = "application/json"
GONE = 499  # nginx's "client closed request": never seen by anyone
BUSY_RESPONSES = {503: {"description": "the server's computations are full: `Retry-After` "
                                       "says when to ask again, `message` names the limit"}}


async def compute(request: Request, lane: str, task: str, payload, memory: int,
                  encode: str | None = None, allowance=None):
    """The job's result (``encode``, ``allowance``: see ``JobPool.submit``), or an
    HTTPException saying why not (see the module doc)."""
    pool = job_pool(request.app)
    try:
        job = pool.submit(lane, task, payload, memory, encode=encode, allowance=allowance)
    except Busy as e:
        raise HTTPException(503, e.message, headers={"Retry-After": str(e.retry_after)}) from e
    except TooBig as e:
        raise HTTPException(422, e.message) from e
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({job.future, gone}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        pool.cancel(job)
        raise
    finally:
        gone.cancel()
        release_when_quiet(request.app)
    if not job.future.done():  # the client left first
        pool.cancel(job)
        return None
    try:
        return job.future.result()
    except Refused as e:
        raise HTTPException(e.status, e.detail if e.detail is not None else e.message) from e
    except WorkerLost as e:
        raise HTTPException(503, str(e), headers={"Retry-After": "2"}) from e


def accepts_gzip(request: Request) -> bool:
    """Whether the client accepts gzip (the GZip middleware's own test)."""
    return "gzip" in request.headers.get("accept-encoding", "")


GZIPPED = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
"""The headers of an answer the worker compressed (``compute(…, encode="gzip")``)."""


async def computed_json(request: Request, lane: str, task: str, payload, memory: int,
                        allowance=None) -> Response:
    """``compute`` for a task whose result is JSON text: the response (gzip-compressed in
    the worker for a POST whose client accepts it)."""
    gz = request.method == "POST" and accepts_gzip(request)
    body = await compute(request, lane, task, payload, memory, "gzip" if gz else None,
                         allowance)
    if body is None:
        return Response(status_code=GONE)
    return Response(body, media_type=JSON, headers=GZIPPED if gz else None)


async def cached_json(request: Request, lane: str, task: str, payload, memory: int) -> Response:
    """``computed_json`` for a pure task (its answer depends on ``payload`` alone, which
    must be hashable): computed once, then answered from the app's AnswerCache. For a
    client that accepts gzip it is kept compressed (in the worker, once): the largest
    contour grid is 1.75 MB of JSON, ~85 ms of gzip on the event loop for every request
    otherwise; its ETag and 304 are then given here (``caching.conditional``)."""
    encode = "gzip" if accepts_gzip(request) else None
    body = await answer_cache(request.app).answer(
        (task, payload, encode), lambda: compute(request, lane, task, payload, memory, encode))
    if body is None:
        return Response(status_code=GONE)
    if encode is None:
        return Response(body, media_type=JSON)
    return conditional(request, body, JSON, GZIPPED)


async def _disconnected(request: Request) -> None:
    """Returns once the client has gone (its body was read already, so the next message
    is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
