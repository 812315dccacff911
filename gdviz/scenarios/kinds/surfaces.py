"""The two function kinds: a named surface f(x, y) (``surface=rosenbrock``) and a typed
f(x, y) (``expr=x^2+3*y^2`` with an optional ``domain``). Both are a plane: two weights
(x, y), a contour with paths, the 3D view and every landscape tool."""

from __future__ import annotations

from gdviz.engine.expr import expr_surface
from gdviz.engine.surfaces import SURFACES, grid

from ..jsonsafe import grid_json
from .kind import Capabilities, ObjectiveKind, Page, Readout

DEFAULT_SURFACE = "himmelblau"

FUNCTION = Capabilities(weights="plane")
# A plane opens on a 2D tab: the 3D view (seconds of WebGL under software rendering, then
# a share of every frame) is drawn when its tab is asked for.
FUNCTION_PAGE = dict(
    main="contour", tabs=("stability", "3d", "step", "sweep", "basins", "scatter"),
    curves=("loss", "grad", "lr"), symbol="f", axes=("x", "y", "f"),
    readouts=(Readout("f", "loss"), Readout("‖∇f‖", "grad_norm"),
              Readout("x", "params.0"), Readout("y", "params.1")))


def surface_info(s) -> dict:
    """A surface as ``GET /api/surfaces`` lists it: id, name, formula, domain, minima (global
    first), a good start and plain-GD learning rate, and its contour scale."""
    return {"id": s.id, "name": s.name, "formula": s.formula,
            "domain": [list(s.domain[0]), list(s.domain[1])],
            "minima": [list(m) for m in s.minima], "start": list(s.start), "lr": s.lr,
            "contour_scale": s.contour_scale}


def _named(source):
    return SURFACES[source.surface or DEFAULT_SURFACE]


def _typed(source):
    return expr_surface(source.expr, source.domain)  # cached by (text, domain)


def _describe_named(source, grid_n: int) -> dict:
    s = _named(source)
    return {**surface_info(s), "grid": grid_json(*grid(s, grid_n))}


def _describe_typed(source, grid_n: int) -> dict:
    """What ``POST /api/expr`` answers (with the grid under ``grid``): the surface's fields,
    the expression as read back, its exact gradient in the same syntax and readable."""
    s = _typed(source)
    return {**surface_info(s), "expr": s.expr, "gradient": list(s.gradient_text),
            "grad_formula": s.grad_formula, "grid": grid_json(*grid(s, grid_n))}


SURFACE = ObjectiveKind(
    id="surface", title="Surface", named_by="surface", capabilities=FUNCTION,
    page=Page(**FUNCTION_PAGE, tag="surface"), build=_named, describe=_describe_named)

EXPR = ObjectiveKind(
    id="expr", title="Custom f(x, y)", named_by="expr", capabilities=FUNCTION,
    page=Page(**FUNCTION_PAGE, tag="f(x, y)"), build=_typed, describe=_describe_typed)
