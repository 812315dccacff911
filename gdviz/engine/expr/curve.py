"""``expr_curve(text, domain)``: a typed f(x) of one variable as a ``Curve`` the engine uses
unchanged (gdviz/engine/curves.py).

The same safe engine as a typed f(x, y): the text passes the allow-list parser with x
as its only variable (a ``y`` is refused, naming the column), f′ and f″ are derived
symbolically (diff.py) and compiled with f into vectorised NumPy, under the same
limits (limits.py). What a named curve has from a table is found here:

* ``minima`` and ``flat`` (the maxima) — from the sign changes of the exact f′ on a
  fine grid, each refined by a safeguarded Newton iteration on f′ (bisection where
  Newton would leave the bracket), kept when f is finite there and strictly higher on
  both sides (so a kink such as |x| counts, a pole does not);
* ``start`` — the first of a few fixed points (¾ of the way to the right edge, then the
  left …) where f, f′ and f″ are finite, the slope is not zero and no minimum is close;
* ``lr`` — a plain-GD rate that is stable and visible: at most 1/max f″ on the way from
  the start to the nearest minimum, and at most a step of a tenth of the domain at the
  start, rounded down to 1, 2 or 5 × 10ᵏ (as for f(x, y)).

Built curves are cached by (text, domain), as typed surfaces are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from gdviz.engine.curves import Curve

from .diff import derivative
from .errors import ExprError
from .evaluate import Program, compile_trees
from .format import to_pretty, to_text
from .limits import MAX_DOMAIN_COORD, MIN_DOMAIN_SPAN
from .minima import MAX_MINIMA, PROBE, SEARCH_BUDGET
from .parse import parse_expr
from .surface import DomainError, _round_down_125, _round_to_grid, check_derived_size
from .tree import Node

Array = np.ndarray
Interval = tuple[float, float]

DEFAULT_INTERVAL: Interval = (-3.0, 3.0)
CACHED_CURVES = 64
GRID_POINTS = 2049  # f′ is sampled here for its sign changes: features ≥ span/2048 apart
START_FRACTIONS = (0.75, -0.75, 0.5, -0.5, 0.25, -0.25, 0.0)
MIN_REFINE, MAX_REFINE = 12, 60  # Newton/bisection iterations on each bracket


@dataclass(frozen=True)
class Output:
    """One output of a compiled program as a function of x alone (y is unused: 0)."""

    program: Program
    index: int = 0

    def __call__(self, x) -> Array:
        return self.program(x, 0.0)[self.index]


@dataclass(frozen=True)
class ExprCurve(Curve):
    """A Curve built from a typed expression (see ``expr_curve``)."""

    expr: str = ""  # canonical Python form of f: parse_expr(expr, ("x",)) gives the same tree
    d1_text: str = ""  # f′ in Python form
    d1_pretty: str = ""  # f′ in unicode, for the page
    d2_pretty: str = ""  # f″ in unicode
    tree: Node | None = field(default=None, repr=False, compare=False)
    value_and_d1: Program | None = field(default=None, repr=False, compare=False)

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """Loss (runs,) and f′ (runs, 1) in one pass over the shared subexpressions."""
        f, d1 = self.value_and_d1(params[..., 0], 0.0)
        grad = np.empty(params.shape, dtype=float)
        grad[..., 0] = d1
        return f, grad

    def loss_and_grad_floats(self, p: list) -> tuple[float, list]:
        """One run's f and [f′] on floats, in the same one pass (0-d arrays)."""
        f, d1 = self.value_and_d1(p[0], 0.0)
        return float(f), [float(d1)]


def check_interval(domain) -> Interval:
    """(x0, x1) as floats, or DomainError naming what is wrong (the limits of f(x, y)'s x range)."""
    if domain is None:
        return DEFAULT_INTERVAL
    try:
        lo, hi = (float(v) for v in domain)
    except (TypeError, ValueError):
        raise DomainError("domain must be [xmin, xmax]") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise DomainError("the x range must be finite numbers")
    if max(abs(lo), abs(hi)) > MAX_DOMAIN_COORD:
        raise DomainError(f"the x range must lie within ±{MAX_DOMAIN_COORD:g}")
    if not hi - lo >= MIN_DOMAIN_SPAN:
        raise DomainError(f"the x range must be [min, max] with max − min ≥ {MIN_DOMAIN_SPAN:g}")
    return lo, hi


def expr_curve(text: str, domain=None) -> ExprCurve:
    """The curve of ``text`` (a function of x) over ``domain`` (default [−3, 3]).

    Raises ExprError (the text: message + position) or DomainError."""
    if not isinstance(text, str):  # before the cache, which needs a hashable key
        raise ExprError("the expression must be text", 0)
    return _build(text, check_interval(domain))


@lru_cache(maxsize=CACHED_CURVES)
def _build(text: str, interval: Interval) -> ExprCurve:
    f = parse_expr(text, variables=("x",))
    d1 = derivative(f, "x")
    d2 = derivative(d1, "x")
    check_derived_size(text, f, d1, d2)
    everything = compile_trees(f, d1, d2)
    minima, maxima = stationary_points(everything, interval)
    start = _choose_start(everything, interval, minima)
    lr = _choose_lr(everything, interval, start, minima)
    pretty, d1_pretty = to_pretty(f), to_pretty(d1)
    return ExprCurve(
        id="expr", name=f"f(x) = {pretty}", formula=f"f(x) = {pretty}", domain=interval,
        minima=tuple(minima), start=start, lr=lr,
        value=Output(compile_trees(f)), d1=Output(compile_trees(d1)), d2=Output(compile_trees(d2)),
        flat=tuple((m, "maximum") for m in maxima), d1_formula=f"f′(x) = {d1_pretty}",
        expr=to_text(f), d1_text=to_text(d1), d1_pretty=d1_pretty, d2_pretty=to_pretty(d2),
        tree=f, value_and_d1=compile_trees(f, d1))


def _evaluate(program: Program, x: Array) -> tuple[Array, Array, Array]:
    return program(x, 0.0)


def _refine(program: Program, lo: Array, hi: Array, rising: bool) -> Array:
    """The point in each bracket [lo, hi] where f′ changes sign (− to + when ``rising``):
    Newton on f′ where it stays inside the bracket, bisection where it would not."""
    iterations = int(min(MAX_REFINE, max(MIN_REFINE, SEARCH_BUDGET // max(program.size, 1))))
    x = (lo + hi) / 2
    for _ in range(iterations):
        _, d1, d2 = _evaluate(program, x)
        below = d1 < 0 if rising else d1 > 0  # x lies before the sign change
        zero = d1 == 0
        after = ~below & ~zero  # at or past it (a NaN slope counts as past)
        lo = np.where(below | zero, x, lo)
        hi = np.where(after | zero, x, hi)
        with np.errstate(all="ignore"):
            newton = x - d1 / d2
        inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
        x = np.where(inside, newton, (lo + hi) / 2)
        if np.all(hi - lo <= 4 * np.spacing(np.maximum(np.abs(lo), np.abs(hi)))):
            break
    return x


def _strictly_lowest(program: Program, x: Array, span: float, sign: float) -> Array:
    """f finite at x and strictly higher (``sign`` = 1) or lower (−1) at x ± PROBE·span."""
    f = _evaluate(program, x)[0]
    r = PROBE * span
    left, right = _evaluate(program, x - r)[0], _evaluate(program, x + r)[0]
    tol = 1e-12 * (1 + np.abs(f))
    with np.errstate(invalid="ignore"):
        return (np.isfinite(f) & (sign * (left - f) > tol) & (sign * (right - f) > tol))


def stationary_points(program: Program, interval: Interval) -> tuple[list[float], list[float]]:
    """(minima lowest f first, maxima left to right) of f inside ``interval``; ``program(x, y)``
    gives (f, f′, f″). At most MAX_MINIMA of each."""
    x0, x1 = interval
    span = x1 - x0
    xs = np.linspace(x0, x1, GRID_POINTS)
    f, d1, _ = _evaluate(program, xs)
    a, b = d1[:-1], d1[1:]
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(a) & np.isfinite(b)
        rises = finite & (a < 0) & (b >= 0)
        falls = finite & (a > 0) & (b <= 0)
    out = []
    for mask, sign, rising in ((rises, 1.0, True), (falls, -1.0, False)):
        i = np.flatnonzero(mask)
        points = _refine(program, xs[i], xs[i + 1], rising) if i.size else np.empty(0)
        points = points[_strictly_lowest(program, points, span, sign)] if points.size else points
        points = np.unique(np.array([_tidy(v, span) for v in points]))
        out.append(points)
    minima, maxima = out
    fm = _evaluate(program, minima)[0] if minima.size else np.empty(0)
    order = np.lexsort((minima, np.round(fm, 10)))  # lowest f first, ties left to right
    return ([float(v) for v in minima[order][:MAX_MINIMA]],
            [float(v) for v in maxima[:MAX_MINIMA]])


def _tidy(v: float, span: float) -> float:
    """12 significant digits, and 0 for what is zero at the interval's scale."""
    if abs(v) < 1e-12 * span:
        return 0.0
    return float(f"{v:.12g}")


def _choose_start(program: Program, interval: Interval, minima: list[float]) -> float:
    x0, x1 = interval
    span = x1 - x0
    centre, half = (x0 + x1) / 2, span / 2
    xs = np.array([_round_to_grid(centre + a * half, span) for a in START_FRACTIONS])
    f, d1, d2 = _evaluate(program, xs)
    with np.errstate(all="ignore"):
        finite = np.isfinite(f) & np.isfinite(d1) & np.isfinite(d2)
        sloped = np.abs(d1) > 1e-8 * (1 + np.abs(f)) / span
    far = np.ones(len(xs), bool)
    for m in minima:
        far &= np.abs(xs - m) > 0.05 * span
    for want in (finite & sloped & far, finite & sloped, finite):
        if want.any():
            return float(xs[int(np.argmax(want))])
    return float(xs[-1])


def _choose_lr(program: Program, interval: Interval, start: float, minima: list[float]) -> float:
    span = interval[1] - interval[0]
    path = np.array([start])
    if minima:
        m = min(minima, key=lambda q: abs(q - start))
        path = start + np.linspace(0, 1, 9) * (m - start)
    _, d1, d2 = _evaluate(program, path)
    curv = d2[np.isfinite(d2)]
    bounds = []
    if curv.size and curv.max() > 0:
        bounds.append(1.0 / curv.max())
    g0 = abs(float(d1[0]))
    if math.isfinite(g0) and g0 > 0:
        bounds.append(0.1 * span / g0)
    lr = min(bounds) if bounds else 0.01 * span
    return _round_down_125(min(max(lr, 1e-6), 10.0))
