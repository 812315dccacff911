"""GET /api/stability: curvature at the minimum nearest a point, and the stable lr range."""

from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Query

from app.engine import stability
from app.engine.surfaces import SURFACES
from app.scenarios.models import MAX_COORD, unknown_surface
from app.scenarios.simulate import num

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)
Coord = Annotated[float, Query(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]
Momentum = Annotated[float, Query(ge=0, le=0.9999, allow_inf_nan=False)]


@router.get("/stability", summary="Hessian curvature and the learning rates where GD converges")
def stability_at(surface: str, x: Coord, y: Coord, momentum: Momentum = 0.9) -> dict:
    """At the known minimum nearest (x, y) (or at (x, y) if the surface has none):
    λ_max, λ_min and the condition number of the Hessian, and the largest stable learning
    rate for plain GD (2/λ_max), heavy-ball momentum (2(1+μ)/λ_max) and Nesterov."""
    if surface not in SURFACES:
        raise HTTPException(404, f"surface: {unknown_surface(surface)}")
    r = stability.report(SURFACES[surface], np.array([x, y], dtype=float), momentum)
    return {"point": [float(v) for v in r.point], "is_minimum": r.is_minimum,
            "lam_max": num(r.curvature.lam_max), "lam_min": num(r.curvature.lam_min),
            "condition": num(r.curvature.condition),
            "bounds": {opt: {"max_lr": None if b is None else num(b), "formula": f}
                       for opt, (b, f) in r.bounds.items()}}
