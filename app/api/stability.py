"""GET /api/stability: curvature at the minimum nearest a point, and the stable lr range."""

from typing import Annotated

import numpy as np

from fastapi import APIRouter, HTTPException, Query

from app.engine import stability
from app.engine.optimizers import defaults
from app.engine.surfaces import SURFACES
from app.scenarios.models import MAX_COORD
from app.scenarios.simulate import num

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)
Coord = Annotated[float, Query(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]


@router.get("/stability", summary="Hessian curvature and the learning rates where GD converges")
def stability_at(surface: str, x: Coord, y: Coord, momentum: Annotated[
        float, Query(ge=0, le=0.9999, allow_inf_nan=False)] = 0.9) -> dict:
    """At the known minimum nearest (x, y) (or at (x, y) if the surface has none):
    λ_max, λ_min and the condition number of the Hessian, and the largest stable learning
    rate for plain GD (2/λ_max), heavy-ball momentum (2(1+μ)/λ_max) and Nesterov."""
    if surface not in SURFACES:
        raise HTTPException(404, f"surface: unknown surface {surface!r}; "
                                 f"choose one of {', '.join(SURFACES)}")
    s = SURFACES[surface]
    here = np.array([x, y], dtype=float)
    at = stability.nearest_minimum(s.minima_array(), here)
    probe = here if at is None else at
    curv = stability.curvature(s.hessian(probe[None, :])[0])
    bounds = {}
    for opt in ("gd", "momentum", "nesterov"):
        hyper = {**defaults(opt), "momentum": momentum} if opt != "gd" else defaults(opt)
        b = stability.bound(opt, hyper, curv.lam_max)
        bounds[opt] = {"max_lr": None if b is None else num(b),
                       "formula": stability.bound_formula(opt, hyper)}
    return {"point": [float(v) for v in probe], "is_minimum": at is not None,
            "lam_max": num(curv.lam_max), "lam_min": num(curv.lam_min),
            "condition": num(curv.condition), "bounds": bounds}
