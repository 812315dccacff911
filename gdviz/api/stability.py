"""GET /api/stability: curvature at the minimum nearest a point, and the stable lr range."""

from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request

from gdviz.engine import stability
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.scenarios.kinds import KINDS, Source, kind_of
from gdviz.scenarios.models import MAX_COORD
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.simulate import num
from gdviz.scenarios.url import objective_from_query

from .json import StrictJSONResponse

router = APIRouter(prefix="/api", default_response_class=StrictJSONResponse)
Coord = Annotated[float, Query(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]


def _hyper_query(optimizer: str, name: str):
    """A query parameter bounded exactly as the optimizer's own hyperparameter."""
    spec = OPTIMIZERS[optimizer].params[name]
    return Annotated[float, Query(ge=spec.min, le=spec.max, allow_inf_nan=False, description=spec.doc)]


Momentum = _hyper_query("momentum", "momentum")
Dampening = _hyper_query("momentum", "dampening")
WeightDecay = _hyper_query("gd", "weight_decay")
_PLANE_MODELS = [k.id for k in KINDS.values() if k.named_by == "model"
                 and (k.capabilities.weights == "plane" or k.capabilities.lr_tools)]


def _objective(request: Request):
    """The objective the query names as a link names it (``objective_from_query``): a
    surface, a custom ``expr`` (with ``domain=xmin,xmax,ymin,ymax``), or a 2-weight model
    ``model=linreg2&model.n=…``. A parameter a page would fall back on is refused: 404 for a
    surface or model kind that does not exist, else 422 naming it."""
    fields, warnings = objective_from_query(request.query_params)
    if warnings:
        raise HTTPException(404 if warnings[0].unknown else 422,
                            [{"field": w.key, "message": w.problem} for w in warnings])
    if not fields:
        raise HTTPException(422, "surface: give a surface id, or "
                                 + " / ".join(f"model={k}" for k in _PLANE_MODELS))
    if "model" in fields:  # (objective_from_query checked it)
        fields["model"] = KINDS[fields["model"]["kind"]].spec.model_validate(fields["model"])
    source = Source(**fields)
    can = kind_of(source).capabilities
    if can.weights != "plane" and not can.lr_tools:
        raise HTTPException(422, f"model: {source.model.kind} has more than two weights; the "
                                 f"stability bound is for {', '.join(_PLANE_MODELS)}")
    return objective_of(source), can.max_weights


@router.get("/stability", summary="Hessian curvature and the learning rates where GD converges")
def stability_at(request: Request, x: Coord, y: Coord | None = None, momentum: Momentum = 0.9,
                 dampening: Dampening = 0.0, weight_decay: WeightDecay = 0.0,
                 surface: str | None = None) -> dict:
    """At the known minimum nearest (x, y) (or at (x, y) if the surface has none):
    λ_max, λ_min and the condition number of the Hessian, and the largest stable learning
    rate for plain GD (2/λ), heavy-ball momentum (2(1+μ)/((1−τ)λ)) and Nesterov
    (2(1+μ)/((1+2μ)λ)), where λ = λ_max + wd: weight decay adds wd·I to the Hessian
    and dampening τ shrinks each step by (1−τ). The answer echoes μ, τ and wd. `kink` is
    true where the curvature is infinite (Ackley's minimum at 0: a cone point): there no η
    lets GD settle exactly (`max_lr` is null), a smaller one only makes its hops smaller.
    Instead of `surface`, a custom f(x, y) or a 2-weight model may be named as in a link:
    `expr=x**2%2B3*y**2&domain=-2,2,-2,2`, `model=linreg2&model.noise=0.1` — or a curve
    f(x) (`model=f1d&model.f=two_wells`: give x only; its curvature is f″, so GD's bound is
    2/f″)."""
    objective, weights = _objective(request)
    if (y is None) != (weights == 1):
        raise HTTPException(422, [{"field": "y", "message": "a curve f(x) takes x only" if weights == 1
                                   else "give the point's y (the objective has two weights)"}])
    point = [x] if weights == 1 else [x, y]
    r = stability.report(objective, np.array(point, dtype=float), momentum, dampening,
                         weight_decay)
    return {"point": [float(v) for v in r.point], "is_minimum": r.is_minimum,
            "kink": bool(np.isinf(r.curvature.lam_max)),
            "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
            "lam_max": num(r.curvature.lam_max), "lam_min": num(r.curvature.lam_min),
            "condition": num(r.curvature.condition),
            "bounds": {opt: {"max_lr": None if b is None else num(b), "formula": f}
                       for opt, (b, f) in r.bounds.items()}}
