"""POST /api/run: a whole scenario's trajectories at once."""

from fastapi import APIRouter, HTTPException

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.simulate import TooLarge, check_result_size, simulate

from .body import ClientJSONRoute
from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse,
                   route_class=ClientJSONRoute)


@router.post("/run", summary="Run a scenario to the end and return every frame")
def run(scenario: Scenario) -> dict:
    """Each run ends `converged`, `oscillating`, `diverged` or `max_steps` with a
    one-sentence reason. `frames[0]` is the start before any update; `frames[k]` is after
    k updates; `update` is the step taken from that frame. Non-finite numbers are null.
    A network's frames carry every weight, so runs × (steps + 1) × weights is bounded."""
    try:
        check_result_size(scenario, "/api/run")
    except TooLarge as e:
        raise HTTPException(422, str(e)) from e
    return {"runs": simulate(scenario)}
