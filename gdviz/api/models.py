"""GET /api/models and POST /api/model: the trainable models and one model's description."""

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query

from gdviz.scenarios.kinds import ModelSpec, Source, catalog, describe
from gdviz.settings import get_settings

from .body import ClientJSONRoute
from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse,
                   route_class=ClientJSONRoute)


@router.get("/models", summary="The models a scenario can train, with every option")
def list_models() -> list[dict]:
    """Each model kind (linreg2, logreg2, mlp): each field's default and range or choices
    (docs/models.md)."""
    return catalog()


@router.post("/model", summary="One model's data, layout and formulas")
def describe_model(model: Annotated[ModelSpec, Body()],
                   grid: Annotated[int, Query(ge=2, description="contour points per axis "
                                                             "(2-weight models)")] = 120) -> dict:
    """The training (and test) points, the layer shapes of the flat weight vector, the
    formula; for linreg2/logreg2 also the loss surface over (w1, w2) like a named surface."""
    limit = get_settings().max_grid
    if grid > limit:
        raise HTTPException(422, f"grid: must be at most {limit} points per axis (got {grid})")
    return describe(Source(model=model), grid)
