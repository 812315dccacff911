"""GET /api/stability: curvature at the minimum nearest a point, and the stable lr range."""

from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import TypeAdapter, ValidationError

from gdviz.engine import stability
from gdviz.engine.expr import expr_surface
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios.url import parse_domain
from gdviz.scenarios.landscape import TwoWeightModel
from gdviz.scenarios.models import MAX_COORD, unknown_surface
from gdviz.scenarios.objectives import build_model
from gdviz.scenarios.simulate import num
from gdviz.validation import summary

from .expr import ExprRequest
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
_TWO_WEIGHTS = TypeAdapter(TwoWeightModel)


def _objective(request: Request, surface: str | None):
    """The named surface, a custom ``expr`` (with ``domain=xmin,xmax,ymin,ymax``), or the
    2-weight model given as in a link: ``model=linreg2&model.n=…``."""
    q = request.query_params
    if "expr" in q:
        return _expr_objective(q)
    if surface is not None:
        if surface not in SURFACES:
            raise HTTPException(404, f"surface: {unknown_surface(surface)}")
        return SURFACES[surface]
    if "model" not in q:
        raise HTTPException(422, "surface: give a surface id, or model=linreg2 / model=logreg2")
    spec = {"kind": q["model"]}
    spec.update({k.removeprefix("model."): v for k, v in q.items() if k.startswith("model.")})
    try:
        return build_model(_TWO_WEIGHTS.validate_python(spec))
    except ValidationError as e:
        errors = [{**err, "loc": ("model", *err.get("loc", ()))} for err in e.errors()]
        raise HTTPException(422, summary(errors)) from e


def _expr_objective(q):
    """The custom f(x, y) of ``expr=…&domain=…``, refused as ``POST /api/expr`` refuses it."""
    body = {"expr": q["expr"]}
    if "domain" in q:
        try:
            body["domain"] = parse_domain(q["domain"])
        except ValueError as e:
            raise HTTPException(422, f"domain: {e}") from e
    request = ExprRequest.model_validate(body)  # a ValidationError is a 422 naming the field
    return expr_surface(request.expr, request.domain)


@router.get("/stability", summary="Hessian curvature and the learning rates where GD converges")
def stability_at(request: Request, x: Coord, y: Coord, momentum: Momentum = 0.9,
                 dampening: Dampening = 0.0, weight_decay: WeightDecay = 0.0,
                 surface: str | None = None) -> dict:
    """At the known minimum nearest (x, y) (or at (x, y) if the surface has none):
    λ_max, λ_min and the condition number of the Hessian, and the largest stable learning
    rate for plain GD (2/λ), heavy-ball momentum (2(1+μ)/((1−τ)λ)) and Nesterov
    (2(1+μ)/((1+2μ)λ)), where λ = λ_max + λ_wd: weight decay adds λ_wd·I to the Hessian
    and dampening τ shrinks each step by (1−τ). The answer echoes μ, τ and λ_wd. `kink` is
    true where the curvature is infinite (Ackley's minimum at 0: a cone point): there no η
    lets GD settle exactly (`max_lr` is null), a smaller one only makes its hops smaller.
    Instead of `surface`, a custom f(x, y) or a 2-weight model may be named as in a link:
    `expr=x**2%2B3*y**2&domain=-2,2,-2,2`, `model=linreg2&model.noise=0.1`."""
    r = stability.report(_objective(request, surface), np.array([x, y], dtype=float), momentum,
                         dampening, weight_decay)
    return {"point": [float(v) for v in r.point], "is_minimum": r.is_minimum,
            "kink": bool(np.isinf(r.curvature.lam_max)),
            "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
            "lam_max": num(r.curvature.lam_max), "lam_min": num(r.curvature.lam_min),
            "condition": num(r.curvature.condition),
            "bounds": {opt: {"max_lr": None if b is None else num(b), "formula": f}
                       for opt, (b, f) in r.bounds.items()}}
