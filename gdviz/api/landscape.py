"""POST /api/sweep, /api/basins and /api/scatter: the outcome as a function of lr or start.

The same jobs stream progress and can be cancelled over WS /ws/landscape."""

from fastapi import APIRouter, Request

from gdviz.scenarios.landscape import (BasinRequest, ScatterRequest, SweepRequest, basins_job,
                                     scatter_job, sweep_job)

from .jobs import result
from .body import ClientJSONRoute
from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse,
                   route_class=ClientJSONRoute)


@router.post("/sweep", summary="Final loss and status for many learning rates at once")
async def sweep(req: SweepRequest, request: Request) -> dict:
    """One vectorised run per learning rate, all from the same start. `bound` is the
    stability bound at the minimum the runs head for: 2/λ_max of its Hessian for plain GD,
    2(1+μ)/λ_max for momentum; null where no fixed bound applies (adaptive optimizers)."""
    return await result(request.app, sweep_job(req))


@router.post("/basins", summary="Which minimum each start on a grid ends in")
async def basins(req: BasinRequest, request: Request) -> dict:
    """`labels[i][j]` is for the start (x[j], y[i]): the index of the minimum reached in
    `minima` (known minima first, then any the runs discovered), −1 diverged, −2 not
    converged (or stopped on a saddle)."""
    return await result(request.app, basins_job(req))


@router.post("/scatter", summary="The run from many random starts at once")
async def scatter(req: ScatterRequest, request: Request) -> dict:
    """`n` (≤ 64) starts drawn uniformly over the surface's domain (or `box`) from
    `seed`, one vectorised run: each path thinned to ≤ 200 points, its status and
    the minimum it reached (`label` as for basins), counts per label and a one-sentence
    summary for the student."""
    return await result(request.app, scatter_job(req))
