"""``f1d``: a function of one variable f(x) — a named curve (``model=f1d&model.f=two_wells``,
engine/curves.py) or a typed one (``model=f1d&model.expr=x^4-3*x`` with an optional
``model.x_min``/``model.x_max``, engine/expr/curve.py). One weight x: the first picture of
gradient descent, drawn by the plug-in ``curve`` view (static/js/views/curve.js): the curve,
the tangent of slope f′(x), the step −η·f′(x) on the x-axis and the step's arithmetic.

Its Hessian is [f″], so the stability bound is η < 2/f″ at the minimum and the η sweep
works on it as on a surface (``Capabilities.lr_tools``)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from gdviz.engine.curves import CURVES, curve_grid, get_curve
from gdviz.engine.expr.curve import DEFAULT_INTERVAL, check_interval, expr_curve
from gdviz.engine.expr.errors import ExprError
from gdviz.engine.expr.limits import MAX_DOMAIN_COORD, MAX_EXPR_CHARS
from gdviz.engine.expr.surface import DomainError

from ..jsonsafe import num
from .kind import Capabilities, ObjectiveKind, Page, PluginView, Readout
from .spec import Spec, norms_fields

DEFAULT_CURVE = "quadratic"
CURVE_POINTS = 801
"""Points the curve is drawn through (described once; the view draws the tangent itself)."""
XBound = float | None


class F1dSpec(Spec):
    """f(x): a named curve (``f``) or a typed one (``expr``, over ``x_min`` … ``x_max``)."""

    kind: Literal["f1d"] = "f1d"
    f: Literal[tuple(CURVES)] | None = Field(
        None, description="a named function: " + ", ".join(CURVES) + f" (default {DEFAULT_CURVE})")
    expr: str | None = Field(None, max_length=MAX_EXPR_CHARS,
                             description="instead of f: a typed f(x) (docs/expressions.md, x only)")
    x_min: XBound = Field(None, ge=-MAX_DOMAIN_COORD, le=MAX_DOMAIN_COORD, allow_inf_nan=False,
                          description=f"with expr: the left end of x (default {DEFAULT_INTERVAL[0]:g})")
    x_max: XBound = Field(None, ge=-MAX_DOMAIN_COORD, le=MAX_DOMAIN_COORD, allow_inf_nan=False,
                          description=f"with expr: the right end of x (default {DEFAULT_INTERVAL[1]:g})")

    @model_validator(mode="after")
    def _one_function(self) -> "F1dSpec":
        if self.expr is None:
            for name in ("x_min", "x_max"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name}: only a typed f(x) (expr) takes a range; a named "
                                     "function has its own")
            return self
        if self.f is not None:
            raise ValueError("f: give a named function (f) or a typed one (expr), not both")
        try:
            expr_curve(self.expr, self.interval())
        except ExprError as e:
            raise PydanticCustomError("expr", "{message}", e.as_dict()) from None
        except DomainError as e:
            raise ValueError(f"x_min, x_max: {e}") from None
        return self

    def interval(self) -> tuple[float, float]:
        """A typed f's x range: the given ends, the default [−3, 3] for the others."""
        lo = DEFAULT_INTERVAL[0] if self.x_min is None else self.x_min
        hi = DEFAULT_INTERVAL[1] if self.x_max is None else self.x_max
        return check_interval((lo, hi))


def curve_of(spec: F1dSpec):
    """The engine curve ``spec`` names (typed curves are cached by text and range)."""
    if spec.expr is not None:
        return expr_curve(spec.expr, spec.interval())
    return get_curve(spec.f or DEFAULT_CURVE)


def _build(source):
    return curve_of(source.model)


def _describe(source, grid_n: int) -> dict:
    """The curve (x, f(x) through ``CURVE_POINTS`` points), f′ and f″ as formulas, the minima
    and the other flat points (maxima, flat inflections), a good start and plain-GD η."""
    spec, c = source.model, _build(source)
    xs, fs = curve_grid(c, CURVE_POINTS)
    d2 = getattr(c, "d2_pretty", "")
    return {"kind": "f1d", "name": c.name, "formula": c.formula, "dim": 1,
            "d1_formula": c.d1_formula, "d2_formula": f"f″(x) = {d2}" if d2 else "",
            "expr": getattr(c, "expr", None) if spec.expr is not None else None,
            "domain": list(c.domain), "minima": list(c.minima),
            "flat": [{"x": x, "kind": kind} for x, kind in c.flat],
            "curvature": [num(v) for v in c.derivatives(c.minima_array()[:, 0])[2]],
            "start": [c.start], "lr": c.lr,
            "curve": {"x": [num(v) for v in xs], "f": [num(v) for v in fs]},
            "loss_floor": num(fs[np.isfinite(fs)].min()) if np.isfinite(fs).any() else None,
            "summary": c.formula, "detail": c.d1_formula}


def _fields(objective, steps, params, grads, updates) -> list[dict]:
    return norms_fields(params, grads, updates)


F1D = ObjectiveKind(
    id="f1d", title="A function of one variable f(x)", named_by="model", spec=F1dSpec,
    capabilities=Capabilities(weights="vector", min_weights=1, max_weights=1, lr_tools=True),
    page=Page(main="curve", tabs=("stability", "sweep"), curves=("loss", "grad", "lr"),
              symbol="f", grad_symbol="|f′|", axes=("x", "f", "f"), tag="f(x)",
              note="One weight: no contour, 3D or basin map — the curve is the whole landscape.",
              readouts=(Readout("f", "loss"), Readout("|f′|", "grad_norm",
                                                      title="the size of the slope f′(x)"),
                        Readout("x", "params.0")),
              options=(("f", "function"), ("expr", "or type f(x) ="), ("x_min", "x from"),
                       ("x_max", "x to")),
              exclusive=(("f",), ("expr", "x_min", "x_max")),
              views=(PluginView("curve", "f(x) and the step",
                                "the tangent at x has slope f′(x); the step is −η·f′(x)"),)),
    build=_build, describe=_describe, frame_fields=_fields)
