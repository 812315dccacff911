"""What the API says about a surface: its description, and a custom f(x, y)'s in full."""

from __future__ import annotations

from gdviz.engine.surfaces import grid

from .jsonsafe import num


def surface_info(s) -> dict:
    return {"id": s.id, "name": s.name, "formula": s.formula,
            "domain": [list(s.domain[0]), list(s.domain[1])],
            "minima": [list(m) for m in s.minima], "start": list(s.start), "lr": s.lr,
            "contour_scale": s.contour_scale}


def describe_expr(surface, n: int) -> dict:
    """``POST /api/expr``'s answer for a built ExprSurface: its description, the
    expression and gradient as read back, and f on an n×n grid (null where not finite)."""
    xs, ys, z = grid(surface, n)
    return {**surface_info(surface), "expr": surface.expr, "gradient": list(surface.gradient_text),
            "grad_formula": surface.grad_formula,
            "x": [num(v) for v in xs], "y": [num(v) for v in ys],
            "z": [[num(v) for v in row] for row in z]}
