"""POST /api/run: a whole scenario's trajectories at once."""

from fastapi import APIRouter

from app.scenarios.models import Scenario
from app.scenarios.simulate import simulate

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)


@router.post("/run", summary="Run a scenario to the end and return every frame")
def run(scenario: Scenario) -> dict:
    """Each run ends `converged`, `oscillating`, `diverged` or `max_steps` with a
    one-sentence reason. `frames[0]` is the start before any update; `frames[k]` is after
    k updates; `update` is the step taken from that frame. Non-finite numbers are null."""
    return {"runs": simulate(scenario)}
