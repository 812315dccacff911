"""POST /api/expr: a custom f(x, y) described like a named surface, with its contour grid
and exact gradient formulas (docs/expressions.md)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import ConfigDict, Field, model_validator

from gdviz.scenarios.kinds import describe
from gdviz.scenarios.models import Domain, ExprText, check_objective
from gdviz.scenarios.numbers import Model
from gdviz.settings import get_settings

from .body import ClientJSONRoute
from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse,
                   route_class=ClientJSONRoute)


class ExprRequest(Model):
    model_config = ConfigDict(extra="forbid")

    expr: ExprText = Field(description="f(x, y), e.g. `x**2 + 3*sin(y)`; ≤ 200 characters")
    domain: Domain | None = Field(None, description="[[xmin, xmax], [ymin, ymax]]; "
                                                    "default [[-3, 3], [-3, 3]]")

    @model_validator(mode="after")
    def _domain_fits(self) -> "ExprRequest":
        check_objective(self)
        return self


@router.post("/expr", summary="A custom f(x, y): formula, exact gradient, minima and contour grid")
def describe_expr(request: ExprRequest,
                  n: Annotated[int, Query(ge=2, description="grid points per axis")] = 120) -> dict:
    """Everything `GET /api/surfaces` gives for a named surface (`id` is `expr`), plus
    `expr` (the expression as the server reads it back), `gradient` (∂f/∂x and ∂f/∂y in the
    same syntax), `grad_formula` (readable), and `x`, `y`, `z` like
    `/api/surfaces/{id}/grid` — null where f is not finite, drawn as gaps. A refused
    expression is a 422 whose `detail` gives the offending token's `position` and `end`."""
    limit = get_settings().max_grid
    if n > limit:
        raise HTTPException(422, f"n: must be at most {limit} points per axis (got {n})")
    d = describe(request, n)  # the surface is cached: validation built it
    return {**{k: v for k, v in d.items() if k != "grid"}, **d["grid"]}
