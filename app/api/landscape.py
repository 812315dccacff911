"""POST /api/sweep and /api/basins: the outcome as a function of lr or of the start."""

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app.scenarios.landscape import BasinRequest, SweepRequest, basins_job, finish, sweep_job

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)


@router.post("/sweep", summary="Final loss and status for many learning rates at once")
async def sweep(req: SweepRequest) -> dict:
    """One vectorised run per learning rate, all from the same start. `bound` is the
    stability bound at the minimum the runs head for: 2/λ_max of its Hessian for plain GD,
    2(1+μ)/λ_max for momentum; null where no fixed bound applies (adaptive optimizers)."""
    return await run_in_threadpool(finish, sweep_job(req))


@router.post("/basins", summary="Which minimum each start on a grid ends in")
async def basins(req: BasinRequest) -> dict:
    """`labels[i][j]` is for the start (x[j], y[i]): the index of the minimum reached in
    `minima` (known minima first, then any the runs discovered), −1 diverged, −2 not
    converged (or stopped on a saddle)."""
    return await run_in_threadpool(finish, basins_job(req))
