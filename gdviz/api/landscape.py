"""POST /api/sweep, /api/basins and /api/scatter: the outcome as a function of lr or start,
computed in the job pool.

The same jobs stream progress and can be cancelled over WS /ws/landscape."""

from fastapi import APIRouter, HTTPException, Request

from gdviz.jobs import memory
from gdviz.jobs.offload import JOBS
from gdviz.scenarios.cost import REST_SECONDS, TooSlow, check_landscape_time
from gdviz.scenarios.landscape import BasinRequest, ScatterRequest, SweepRequest

from .body import ClientJSONRoute
from .json import StrictJSONResponse
from .offloaded import BUSY_RESPONSES, computed_json

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse,
                   route_class=ClientJSONRoute)


async def _job(request: Request, kind: str, req):
    try:
        allowance = check_landscape_time(kind, req, f"POST /api/{kind}", REST_SECONDS)
    except TooSlow as e:
        raise HTTPException(422, str(e)) from e
    return await computed_json(request, JOBS, "landscape", (kind, req),
                               memory.landscape(kind, req), allowance)


@router.post("/sweep", summary="Final loss and status for many learning rates at once",
             responses=BUSY_RESPONSES)
async def sweep(req: SweepRequest, request: Request) -> dict:
    """One vectorised run per learning rate, all from the same start. `bound` is the
    stability bound at the minimum the runs head for: 2/λ_max of its Hessian for plain GD,
    2(1+μ)/λ_max for momentum; null where no fixed bound applies (adaptive optimizers)."""
    return await _job(request, "sweep", req)


@router.post("/basins", summary="Which minimum each start on a grid ends in",
             responses=BUSY_RESPONSES)
async def basins(req: BasinRequest, request: Request) -> dict:
    """`labels[i][j]` is for the start (x[j], y[i]): the index of the minimum reached in
    `minima` (known minima first, then any the runs discovered), −1 diverged, −2 not
    converged (or stopped on a saddle)."""
    return await _job(request, "basins", req)


@router.post("/scatter", summary="The run from many random starts at once",
             responses=BUSY_RESPONSES)
async def scatter(req: ScatterRequest, request: Request) -> dict:
    """`n` (≤ 64) starts drawn uniformly over the surface's domain (or `box`) from
    `seed`, one vectorised run: each path thinned to ≤ 200 points, its status and
    the minimum it reached (`label` as for basins), counts per label and a one-sentence
    summary for the student."""
    return await _job(request, "scatter", req)
