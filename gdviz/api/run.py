"""POST /api/run: a whole scenario's trajectories at once, computed in the job pool."""

from fastapi import APIRouter, HTTPException, Request

from gdviz.jobs import memory
from gdviz.jobs.offload import JOBS
from gdviz.scenarios.cost import TooSlow, check_run_time
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.simulate import TooLarge, check_result_size

from .body import ClientJSONRoute
from .json import StrictJSONResponse
from .offloaded import BUSY_RESPONSES, computed_json

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse,
                   route_class=ClientJSONRoute)


@router.post("/run", summary="Run a scenario to the end and return every frame",
             responses=BUSY_RESPONSES)
async def run(scenario: Scenario, request: Request) -> dict:
    """Each run ends `converged`, `oscillating`, `diverged` or `max_steps` with a
    one-sentence reason. `frames[0]` is the start before any update; `frames[k]` is after
    k updates; `update` is the step taken from that frame. Non-finite numbers are null.
    A network's frames carry every weight, so runs × (steps + 1) × weights is bounded, and
    so is the time it takes to compute (README, Limits). A branch (`branch_of`,
    `branch_at`) is its parent run to `branch_at`, then its own hyperparameters and
    schedule: its frames before that step are its parent's."""
    try:
        check_result_size(scenario, "/api/run")
        allowance = check_run_time(scenario, objective_of(scenario), "POST /api/run")
    except (TooLarge, TooSlow) as e:
        raise HTTPException(422, str(e)) from e
    return await computed_json(request, JOBS, "run", scenario, memory.run(scenario), allowance)
