"""The named 1D functions f(x), each with its exact first and second derivative.

The first picture of gradient descent is a curve: the point (x, f(x)), the tangent
line of slope f′(x) there, and the step x ← x − η·f′(x) along the x-axis. Every
function here is three vectorised functions of an array ``x`` (any shape):

* ``value(x) -> f``,  ``d1(x) -> f′``,  ``d2(x) -> f″``

written out by hand (never finite differences; the tests check each against
central differences). ``Curve`` wraps them into the objective interface the run
engine uses — ``loss_and_grad(params)`` and ``hessian(params)`` over params of
shape ``(runs, 1)`` — so every optimizer, status rule, sweep and stability bound
works on a curve as on a surface: the Hessian is the 1 × 1 matrix [f″], its only
eigenvalue is f″, and plain GD's stability bound is η < 2/f″ at the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np

from .surfaces import power

Array = np.ndarray
FlatKind = Literal["maximum", "inflection"]


@dataclass(frozen=True)
class Curve:
    """A 1D objective f(x) with display metadata, its known minima and its other flat points.

    ``minima`` are the local minima inside the domain, sorted by f (the first is a
    global one). ``flat`` are the other points where f′ = 0 — maxima and flat
    inflections (x³ at 0) — each with its kind, so a view can say that a zero slope
    is not always a minimum. ``start`` and ``lr`` make a good first demo of plain GD.
    """

    id: str
    name: str
    formula: str
    domain: tuple[float, float]
    minima: tuple[float, ...]
    start: float
    lr: float
    value: Callable[[Array], Array] = field(repr=False)
    d1: Callable[[Array], Array] = field(repr=False)
    d2: Callable[[Array], Array] = field(repr=False)
    flat: tuple[tuple[float, FlatKind], ...] = ()
    d1_formula: str = ""  # "f′(x) = 2x": what the tangent's slope is
    dim: int = 1

    def derivatives(self, x) -> tuple[Array, Array, Array]:
        """(f, f′, f″) at x (any shape)."""
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            return (np.asarray(self.value(x), float), np.asarray(self.d1(x), float),
                    np.asarray(self.d2(x), float))

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """Loss (runs,) and gradient (runs, 1) = f′ at params (runs, 1); ``step`` is ignored
        (a function is the same at every step)."""
        x = params[..., 0]
        grad = np.empty(params.shape, dtype=float)
        grad[..., 0] = self.d1(x)
        return np.asarray(self.value(x), dtype=float), grad

    def loss_and_grad_floats(self, p: list) -> tuple[float, list]:
        """One run's f and [f′] at ``p`` = [x], on Python floats (``Surface``'s float
        step: the same functions; Python raising, the step is taken on arrays)."""
        x, = p
        return float(self.value(x)), [float(self.d1(x))]

    def hessian_floats(self, p: list) -> tuple[float]:
        """(f″,) at ``p`` = [x] on floats, as ``hessian``."""
        return (float(self.d2(p[0])),)

    def hessian(self, params: Array) -> Array:
        """The 1 × 1 Hessian [[f″]] (runs, 1, 1) at params (runs, 1)."""
        h = np.empty(params.shape[:-1] + (1, 1))
        h[..., 0, 0] = self.d2(params[..., 0])
        return h

    def minima_array(self) -> Array:
        return np.asarray(self.minima, dtype=float).reshape(-1, 1)


def _const(like: Array, v: float) -> Array:
    return np.full(np.shape(like), v, dtype=float)


# --- quadratic: x² -------------------------------------------------------------------

def _quadratic(x):
    return x * x


def _quadratic_d1(x):
    return 2 * x


def _quadratic_d2(x):
    return _const(x, 2.0)


# --- two_wells: (x² − 1)² + 0.3x -------------------------------------------------------
# f′ = 4x³ − 4x + 0.3: its roots are the two minima and the hill between them.

def _two_wells(x):
    return power(x * x - 1, 2) + 0.3 * x


def _two_wells_d1(x):
    return 4 * power(x, 3) - 4 * x + 0.3


def _two_wells_d2(x):
    return 12 * x * x - 4


# --- cubic: x³ — f′ = 3x² is zero at 0, but 0 is a flat inflection, no minimum ---------

def _cubic(x):
    return power(x, 3)


def _cubic_d1(x):
    return 3 * x * x


def _cubic_d2(x):
    return 6 * x


# --- plateau: 1 − exp(−x²/2) — almost flat far from 0 ---------------------------------
# With E = exp(−x²/2): f′ = xE, f″ = (1 − x²)E.

def _plateau(x):
    return 1.0 - np.exp(-x * x / 2)


def _plateau_d1(x):
    return x * np.exp(-x * x / 2)


def _plateau_d2(x):
    return (1 - x * x) * np.exp(-x * x / 2)


# --- ripples: sin 3x + 0.1x² — a minimum in every period of the sine -------------------

def _ripples(x):
    return np.sin(3 * x) + 0.1 * x * x


def _ripples_d1(x):
    return 3 * np.cos(3 * x) + 0.2 * x


def _ripples_d2(x):
    return -9 * np.sin(3 * x) + 0.2


CURVES: dict[str, Curve] = {
    c.id: c
    for c in [
        Curve("quadratic", "Parabola x²", "f(x) = x²", (-2.0, 2.0), (0.0,), 1.5, 0.1,
              _quadratic, _quadratic_d1, _quadratic_d2, d1_formula="f′(x) = 2x"),
        Curve("two_wells", "Two wells (local + global minimum)", "f(x) = (x² − 1)² + 0.3x",
              (-2.0, 2.0), (-1.0355787140888542, 0.9601495555191059), 1.8, 0.05,
              _two_wells, _two_wells_d1, _two_wells_d2,
              flat=((0.07542915856974822, "maximum"),), d1_formula="f′(x) = 4x³ − 4x + 0.3"),
        Curve("cubic", "Cubic x³ (an inflection, no minimum)", "f(x) = x³", (-1.5, 1.5), (),
              1.2, 0.1, _cubic, _cubic_d1, _cubic_d2, flat=((0.0, "inflection"),),
              d1_formula="f′(x) = 3x²"),
        Curve("plateau", "Plateau", "f(x) = 1 − exp(−x²/2)", (-5.0, 5.0), (0.0,), 3.5, 0.5,
              _plateau, _plateau_d1, _plateau_d2, d1_formula="f′(x) = x·exp(−x²/2)"),
        Curve("ripples", "Ripples (many local minima)", "f(x) = sin 3x + 0.1x²", (-6.0, 6.0),
              (-0.5122140283561128, 1.5365898801477498, -2.560806938073543,
               3.5847518173037187, -4.608298882423006, 5.631303162965094),
              4.2, 0.02, _ripples, _ripples_d1, _ripples_d2,
              flat=tuple((m, "maximum") for m in (
                  -5.894197755314417, -3.7494045139671184, -1.6065664148622718,
                  0.5355013344612186, 2.6778217297366194, 4.821469176745737)),
              d1_formula="f′(x) = 3cos 3x + 0.2x"),
    ]
}


def get_curve(curve_id: str) -> Curve:
    """The curve registered under ``curve_id`` (KeyError if unknown)."""
    return CURVES[curve_id]


def curve_grid(curve: Curve, n: int, domain=None) -> tuple[Array, Array]:
    """x (n,) over the domain and f(x) (n,) (NaN where f is not finite)."""
    x0, x1 = domain or curve.domain
    xs = np.linspace(x0, x1, n)
    with np.errstate(all="ignore"):
        return xs, np.asarray(curve.value(xs), float)
