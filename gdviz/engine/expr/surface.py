"""``expr_surface(text, domain)``: a typed f(x, y) as a ``Surface`` the engine uses unchanged.

The result is an ``ExprSurface`` — a ``Surface`` (surfaces.py) whose value,
gradient and Hessian are compiled from the parsed tree and its exact symbolic
derivatives, so ``Batch`` runs, stability bounds, sweeps, basin maps and
landscape grids work on it as on a named surface. What a named surface has
from a table is found here:

* ``minima`` — numerically, from the exact gradient and Hessian (minima.py);
* ``start`` — the first of a few fixed points (¾ of the way to the right edge
  and ½ up, then the other quadrants …) where f and its derivatives are
  finite, the slope is not zero and no minimum is close;
* ``lr`` — a plain-GD rate that is stable and visible: at most 1/λ_max of the
  Hessian on the way from the start to the nearest minimum, and at most a step
  of a tenth of the domain at the start, rounded down to 1, 2 or 5 × 10ᵏ;
* ``contour_scale`` — "log" when most of the domain lies low under a steep
  wall (max f − min f over 30 × its 10th percentile − min f), else "linear".

It also carries the gradient formulas for the page (``gradient_text``,
``gradient_pretty``, ``grad_formula``) and the canonical text ``expr``.

Built surfaces — and refusals — are cached by (text, domain): building one (parse,
derive, compile, minima) takes from a millisecond to about half a second (a nest of
atan2 calls), and callers ask for it per request. A surface pickles (its programs as
operation names), so the server builds new expressions in a worker process and
``remember``s the outcome here before its validators ask (gdviz/jobs/expressions.py):
its event loop never derives an expression itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections import OrderedDict

import numpy as np

from gdviz.engine.surfaces import Surface

from .diff import gradient, hessian
from .errors import ExprError
from .evaluate import Program, compile_trees
from .format import to_pretty, to_text
from .limits import MAX_DERIVED_NODES, MAX_DOMAIN_COORD, MIN_DOMAIN_SPAN
from .minima import find_minima
from .parse import parse_expr
from .tree import Node, distinct_nodes

Array = np.ndarray
Box = tuple[tuple[float, float], tuple[float, float]]

DEFAULT_DOMAIN: Box = ((-3.0, 3.0), (-3.0, 3.0))
CACHED_SURFACES = 64
CACHED_OPERATIONS = 200_000  # the cache's programs together: ~50 MB at most
# contour_scale "log" when (max f − min f)/(10th percentile of f − min f) exceeds this; 30
# splits the named surfaces as their authors chose (linear ≤ 18: bowl, two wells …;
# log ≥ 40: Himmelblau, camel, Booth, Rosenbrock, Beale)
LOG_RATIO = 30.0
START_FRACTIONS = ((0.75, 0.5), (-0.75, 0.5), (-0.75, -0.5), (0.75, -0.5), (0.5, 0.75),
                   (-0.5, 0.75), (-0.5, -0.75), (0.5, -0.75), (0.25, 0.25), (0.0, 0.0))


class DomainError(ValueError):
    """The x/y domain is not usable; the message names the axis and the limit."""


@dataclass(frozen=True)
class ExprSurface(Surface):
    """A Surface built from a typed expression (see ``expr_surface``)."""

    expr: str = ""  # canonical Python form of f: parse_expr(expr) gives the same tree
    gradient_text: tuple[str, str] = ("", "")  # (∂f/∂x, ∂f/∂y), Python form
    gradient_pretty: tuple[str, str] = ("", "")  # the same in unicode, for the page
    grad_formula: str = ""  # "∂f/∂x = …,  ∂f/∂y = …" (as LinReg2's)
    tree: Node | None = field(default=None, repr=False, compare=False)
    value_and_grad: Program | None = field(default=None, repr=False, compare=False)

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """Loss (runs,) and gradient (runs, 2) in one pass over the shared subexpressions."""
        f, gx, gy = self.value_and_grad(params[..., 0], params[..., 1])
        grad = np.empty(params.shape, dtype=float)
        grad[..., 0] = gx
        grad[..., 1] = gy
        return f, grad

    def loss_and_grad_floats(self, p: list) -> tuple[float, list]:
        """One run's loss and gradient on floats, in the same one pass (the program's
        NumPy operations on 0-d arrays: the loops a (1,)-array takes, the same bits)."""
        f, gx, gy = self.value_and_grad(*p)
        return float(f), [float(gx), float(gy)]


def check_domain(domain) -> Box:
    """((x0, x1), (y0, y1)) as floats, or DomainError naming what is wrong."""
    if domain is None:
        return DEFAULT_DOMAIN
    try:
        (x0, x1), (y0, y1) = domain
        box = ((float(x0), float(x1)), (float(y0), float(y1)))
    except (TypeError, ValueError):
        raise DomainError("domain must be [[xmin, xmax], [ymin, ymax]]") from None
    for axis, (lo, hi) in zip("xy", box):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise DomainError(f"the {axis} range must be finite numbers")
        if max(abs(lo), abs(hi)) > MAX_DOMAIN_COORD:
            raise DomainError(f"the {axis} range must lie within ±{MAX_DOMAIN_COORD:g}")
        if not hi - lo >= MIN_DOMAIN_SPAN:
            raise DomainError(f"the {axis} range must be [min, max] with max − min ≥ "
                              f"{MIN_DOMAIN_SPAN:g}")
    return box


def expr_surface(text: str, domain=None) -> ExprSurface:
    """The surface of ``text`` over ``domain`` (default [−3, 3]²).

    Raises ExprError (the text: message + position) or DomainError."""
    if not isinstance(text, str):  # before the cache, which needs a hashable key
        raise ExprError("the expression must be text", 0)
    key = (text, check_domain(domain))
    outcome = _CACHE.get(key)
    if outcome is None:
        outcome = build_outcome(*key)
        remember(*key, outcome)
    else:
        _CACHE.move_to_end(key)
    if isinstance(outcome, ExprError):
        raise ExprError(outcome.message, outcome.position, outcome.end)
    return outcome


Outcome = ExprSurface | ExprError
_CACHE: OrderedDict[tuple[str, Box], Outcome] = OrderedDict()


def build_outcome(text: str, box: Box) -> Outcome:
    """The surface, or the ExprError refusing the text (what the cache keeps)."""
    try:
        return _build(text, box)
    except ExprError as e:
        return e


def is_cached(text: str, box: Box) -> bool:
    return (text, box) in _CACHE


def remember(text: str, box: Box, outcome: Outcome) -> None:
    """Keep ``outcome`` for (text, box), dropping the oldest entries beyond
    CACHED_SURFACES entries or CACHED_OPERATIONS compiled operations."""
    _CACHE[(text, box)] = outcome
    _CACHE.move_to_end((text, box))
    while len(_CACHE) > CACHED_SURFACES or (
            len(_CACHE) > 1 and sum(map(_operations, _CACHE.values())) > CACHED_OPERATIONS):
        _CACHE.popitem(last=False)


def _operations(outcome: Outcome) -> int:
    if isinstance(outcome, ExprError):
        return 0
    return outcome.grad.size + outcome.hess.size + outcome.value_and_grad.size


def check_derived_size(text: str, *trees: Node) -> None:
    """Refuse an expression whose function and derivatives together have more than
    MAX_DERIVED_NODES distinct terms (they are compiled and evaluated on every step)."""
    size = distinct_nodes(*trees)
    if size > MAX_DERIVED_NODES:
        raise ExprError(f"the derivatives of this expression are too large ({size:,} distinct "
                        f"terms; the limit is {MAX_DERIVED_NODES:,}) — try a simpler one",
                        0, len(text))


def _build(text: str, box: Box) -> ExprSurface:
    f = parse_expr(text)
    grad = gradient(f)
    hess = hessian(grad)
    check_derived_size(text, f, *grad, *hess)
    value = compile_trees(f)
    grad_p = compile_trees(*grad)
    hess_p = compile_trees(*hess)
    everything = compile_trees(f, *grad, *hess)
    minima = tuple(find_minima(everything, box))
    start = _choose_start(everything, box, minima)
    lr = _choose_lr(everything, box, start, minima)
    pretty = to_pretty(f)
    grad_pretty = (to_pretty(grad[0]), to_pretty(grad[1]))
    return ExprSurface(
        id="expr", name=f"f(x, y) = {pretty}", formula=f"f(x, y) = {pretty}", domain=box,
        minima=minima, start=start, lr=lr,
        value=value.first, grad=grad_p, hess=hess_p,
        contour_scale=_choose_scale(value, box),
        expr=to_text(f), gradient_text=(to_text(grad[0]), to_text(grad[1])),
        gradient_pretty=grad_pretty,
        grad_formula=f"∂f/∂x = {grad_pretty[0]},  ∂f/∂y = {grad_pretty[1]}",
        tree=f, value_and_grad=compile_trees(f, *grad))


def _span(box: Box) -> float:
    return max(box[0][1] - box[0][0], box[1][1] - box[1][0])


def _round_to_grid(v: float, span: float) -> float:
    """v rounded to about 3 significant digits of the domain's size (2.25, not 2.2500000001)."""
    q = 10.0 ** (math.floor(math.log10(span)) - 2)
    return float(f"{round(v / q) * q:.12g}") + 0.0


def _lam_max(hxx, hxy, hyy):
    with np.errstate(all="ignore"):
        return (hxx + hyy) / 2 + np.sqrt(((hxx - hyy) / 2) ** 2 + hxy**2)


def _choose_start(evaluate: Program, box: Box, minima) -> tuple[float, float]:
    (x0, x1), (y0, y1) = box
    span = _span(box)
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    pts = [(_round_to_grid(cx + a * hx, span), _round_to_grid(cy + b * hy, span))
           for a, b in START_FRACTIONS]
    xs, ys = np.array(pts).T
    f, gx, gy, hxx, hxy, hyy = evaluate(xs, ys)
    with np.errstate(all="ignore"):
        finite = np.isfinite(np.stack([f, gx, gy, hxx, hxy, hyy])).all(0)
        sloped = np.hypot(gx, gy) > 1e-8 * (1 + np.abs(f)) / span
    far = np.ones(len(pts), bool)
    for m in minima:
        far &= np.hypot(xs - m[0], ys - m[1]) > 0.05 * span
    for want in (finite & sloped & far, finite & sloped, finite):
        if want.any():
            return pts[int(np.argmax(want))]
    return pts[-1]


def _round_down_125(v: float) -> float:
    """The largest of 1, 2, 5 × 10ᵏ not above v."""
    k = math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * 10.0**k <= v:
            return float(f"{m * 10.0**k:.12g}")
    return float(f"{10.0**k:.12g}")


def _choose_lr(evaluate: Program, box: Box, start, minima) -> float:
    span = _span(box)
    s = np.asarray(start, float)
    path = [s]
    if minima:
        m = np.asarray(min(minima, key=lambda q: math.dist(q, start)), float)
        path = [s + t * (m - s) for t in np.linspace(0, 1, 9)]
    xs, ys = np.array(path).T
    f, gx, gy, hxx, hxy, hyy = evaluate(xs, ys)
    lam = _lam_max(hxx, hxy, hyy)
    lam = lam[np.isfinite(lam)]
    bounds = []
    if lam.size and lam.max() > 0:
        bounds.append(1.0 / lam.max())
    g0 = math.hypot(gx[0], gy[0])
    if math.isfinite(g0) and g0 > 0:
        bounds.append(0.1 * span / g0)
    lr = min(bounds) if bounds else 0.01 * span
    return _round_down_125(min(max(lr, 1e-6), 10.0))


def _choose_scale(value: Program, box: Box, n: int = 48) -> str:
    (x0, x1), (y0, y1) = box
    z = value(np.linspace(x0, x1, n)[None, :], np.linspace(y0, y1, n)[:, None])[0]
    z = z[np.isfinite(z)]
    if z.size < 10:
        return "linear"
    d = z - z.min()
    low, high = np.percentile(d, 10), d.max()
    if high <= 0:
        return "linear"
    return "log" if low <= 0 or high / low > LOG_RATIO else "linear"
