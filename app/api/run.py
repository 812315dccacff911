"""POST /api/run: a whole scenario's trajectories at once."""

from fastapi import APIRouter, HTTPException

from app.scenarios.models import Scenario
from app.scenarios.objectives import dimension
from app.scenarios.simulate import simulate

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)
MAX_RUN_NUMBERS = 4_000_000  # runs × (steps + 1) × weights: ~80 MB of JSON at most


@router.post("/run", summary="Run a scenario to the end and return every frame")
def run(scenario: Scenario) -> dict:
    """Each run ends `converged`, `oscillating`, `diverged` or `max_steps` with a
    one-sentence reason. `frames[0]` is the start before any update; `frames[k]` is after
    k updates; `update` is the step taken from that frame. Non-finite numbers are null.
    A network's frames carry every weight, so runs × (steps + 1) × weights is bounded."""
    numbers = len(scenario.runs) * (scenario.steps + 1) * dimension(scenario)
    if numbers > MAX_RUN_NUMBERS:
        raise HTTPException(422, f"steps: {len(scenario.runs)} run(s) × {scenario.steps + 1} "
                                 f"frames × {dimension(scenario)} weights = {numbers:,} numbers, "
                                 f"over the limit of {MAX_RUN_NUMBERS:,} for /api/run; use "
                                 "fewer steps or runs, or stream it over WS /ws/run")
    return {"runs": simulate(scenario)}
