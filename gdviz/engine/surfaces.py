"""The named 2D loss surfaces, each with its exact gradient and Hessian.

Every surface is written as three vectorised functions of coordinate arrays
``x`` and ``y`` (any shape, broadcast together):

* ``value(x, y) -> f``
* ``grad(x, y) -> (∂f/∂x, ∂f/∂y)``
* ``hess(x, y) -> (∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²)``

so one call evaluates a contour grid, one start point, or 65,536 runs at once.
Derivatives are written out by hand (never finite differences); the tests
check each against central differences at random points.

``Surface`` wraps the three functions into the objective interface the run
engine uses: ``loss_and_grad(params)`` and ``hessian(params)`` over params of
shape ``(runs, 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Array = np.ndarray
TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class Surface:
    """A 2D objective f(x, y) with display metadata and known minima.

    ``minima`` are every local minimum inside the default domain, sorted by loss so
    the first is a global minimum (several may tie: Himmelblau's four, the camel's
    two). Rastrigin and Ackley have 121 each, found by Newton from the integer points. ``start`` and ``lr`` are
    a start point and a plain-GD learning rate that make a good first demo.
    ``contour_scale`` says whether contours read better on a log scale
    (surfaces whose values span many orders of magnitude).
    """

    id: str
    name: str
    formula: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    minima: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    lr: float
    value: Callable[[Array, Array], Array] = field(repr=False)
    grad: Callable[[Array, Array], tuple[Array, Array]] = field(repr=False)
    hess: Callable[[Array, Array], tuple[Array, Array, Array]] = field(repr=False)
    contour_scale: str = "linear"
    dim: int = 2

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """Loss (runs,) and gradient (runs, 2) at params (runs, 2); ``step`` is ignored
        (a surface is the same at every step)."""
        x, y = params[..., 0], params[..., 1]
        gx, gy = self.grad(x, y)
        grad = np.empty_like(params, dtype=float)
        grad[..., 0] = gx
        grad[..., 1] = gy
        return np.asarray(self.value(x, y), dtype=float), grad

    def loss_and_grad_floats(self, p: list) -> tuple[float, list]:
        """One run's loss and gradient at ``p`` = [x, y], on Python floats: the same
        functions as ``loss_and_grad`` (their NumPy calls take floats alike). Where Python
        floats raise and an array would give inf or NaN (a division of two floats by 0),
        the caller takes the step on arrays (``Batch``'s float step)."""
        x, y = p
        gx, gy = self.grad(x, y)
        return float(self.value(x, y)), [float(gx), float(gy)]

    def hessian_floats(self, p: list) -> tuple[float, float, float]:
        """(∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²) at ``p`` = [x, y] on floats, as ``hessian``."""
        return tuple(float(h) for h in self.hess(*p))

    def hessian(self, params: Array) -> Array:
        """Hessian (runs, 2, 2) at params (runs, 2)."""
        x, y = params[..., 0], params[..., 1]
        hxx, hxy, hyy = self.hess(x, y)  # (constants broadcast as they are written in)
        out = np.empty(params.shape[:-1] + (2, 2))
        out[..., 0, 0] = hxx
        out[..., 0, 1] = hxy
        out[..., 1, 0] = hxy
        out[..., 1, 1] = hyy
        return out

    def minima_array(self) -> Array:
        return np.asarray(self.minima, dtype=float).reshape(-1, 2)


def power(a, k: int):
    """aᵏ exactly as NumPy's ``a ** k`` gives it for an array, for an array or a float
    alike: a for k = 1, a·a for k = 2 (NumPy's square), else ``np.power`` — its own
    loop, which Python's ``**`` (and a NumPy scalar's) does not always match in the last
    bit. The losses and gradients use it, so one run's float step
    (``loss_and_grad_floats``) gives the same bits as a batch."""
    if k == 1:
        return a
    if k == 2:
        return a * a
    return np.power(a, k)


def _const(like: Array, v: float) -> float:
    """A constant second derivative: the number itself, broadcast to ``like``'s shape where
    it is written into the Hessian (``Surface.hessian``), not an array filled with it."""
    return float(v)


# --- bowl: x² + y² ---------------------------------------------------------

def _bowl(x, y):
    return x * x + y * y


def _bowl_grad(x, y):
    return 2 * x, 2 * y


def _bowl_hess(x, y):
    return _const(x, 2.0), _const(x, 0.0), _const(x, 2.0)


# --- ravine: x² + 10y² (condition number 10) --------------------------------

def _ravine(x, y):
    return x * x + 10 * y * y


def _ravine_grad(x, y):
    return 2 * x, 20 * y


def _ravine_hess(x, y):
    return _const(x, 2.0), _const(x, 0.0), _const(x, 20.0)


# --- saddle: x² − y² ----------------------------------------------------------

def _saddle(x, y):
    return x * x - y * y


def _saddle_grad(x, y):
    return 2 * x, -2 * y


def _saddle_hess(x, y):
    return _const(x, 2.0), _const(x, 0.0), _const(x, -2.0)


# --- plateau: 1 − exp(−(x² + y²)/2) -----------------------------------------
# With E = exp(−(x²+y²)/2): ∇f = (xE, yE), ∇²f = E·[[1−x², −xy], [−xy, 1−y²]].

def _plateau(x, y):
    return 1.0 - np.exp(-(x * x + y * y) / 2)


def _plateau_grad(x, y):
    e = np.exp(-(x * x + y * y) / 2)
    return x * e, y * e


def _plateau_hess(x, y):
    e = np.exp(-(x * x + y * y) / 2)
    return e * (1 - x * x), -x * y * e, e * (1 - y * y)


# --- two_wells: (x² − 1)² + 0.3x + y² ---------------------------------------
# ∂f/∂x = 4x³ − 4x + 0.3; its roots are the two minima and the ridge between.

def _two_wells(x, y):
    return power(x * x - 1, 2) + 0.3 * x + y * y


def _two_wells_grad(x, y):
    return 4 * power(x, 3) - 4 * x + 0.3, 2 * y


def _two_wells_hess(x, y):
    return 12 * x * x - 4, _const(x, 0.0), _const(x, 2.0)


# --- rosenbrock: (1 − x)² + 100(y − x²)² ------------------------------------

def _rosenbrock(x, y):
    return power(1 - x, 2) + 100 * power(y - x * x, 2)


def _rosenbrock_grad(x, y):
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


def _rosenbrock_hess(x, y):
    return 2 - 400 * y + 1200 * x * x, -400 * x, _const(x, 200.0)


# --- himmelblau: (x² + y − 11)² + (x + y² − 7)² ------------------------------

def _himmelblau(x, y):
    return power(x * x + y - 11, 2) + power(x + y * y - 7, 2)


def _himmelblau_grad(x, y):
    a, b = x * x + y - 11, x + y * y - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _himmelblau_hess(x, y):
    a, b = x * x + y - 11, x + y * y - 7
    return 4 * a + 8 * x * x + 2, 4 * x + 4 * y, 2 + 4 * b + 8 * y * y


# --- rastrigin (A = 10): 2A + Σ (t² − A cos 2πt) ----------------------------

def _rastrigin(x, y):
    return 20 + x * x - 10 * np.cos(TWO_PI * x) + y * y - 10 * np.cos(TWO_PI * y)


def _rastrigin_grad(x, y):
    return 2 * x + 20 * np.pi * np.sin(TWO_PI * x), 2 * y + 20 * np.pi * np.sin(TWO_PI * y)


def _rastrigin_hess(x, y):
    k = 40 * np.pi**2
    return 2 + k * np.cos(TWO_PI * x), _const(x, 0.0), 2 + k * np.cos(TWO_PI * y)


# --- ackley ------------------------------------------------------------------
# f = −20·exp(−0.2 r) − exp(½(cos 2πx + cos 2πy)) + e + 20,  r = √(½(x² + y²)).
# With A = 20·exp(−0.2 r) and C = exp(½(cos 2πx + cos 2πy)):
#   ∂f/∂x = 0.1·A·x/r + π·C·sin 2πx
# The cone term has no derivative at the origin (a kink): there we use its
# subgradient 0 and report an infinite curvature.

def _ackley_parts(x, y):
    r = np.sqrt(0.5 * (x * x + y * y))
    a = 20 * np.exp(-0.2 * r)
    c = np.exp(0.5 * (np.cos(TWO_PI * x) + np.cos(TWO_PI * y)))
    safe_r = np.where(r > 0, r, 1.0)
    return r, safe_r, a, c


def _ackley(x, y):
    r, _, a, c = _ackley_parts(x, y)
    return -a - c + np.e + 20


def _ackley_grad(x, y):
    r, sr, a, c = _ackley_parts(x, y)
    cone = np.where(r > 0, 0.1 * a / sr, 0.0)
    return (cone * x + np.pi * c * np.sin(TWO_PI * x),
            cone * y + np.pi * c * np.sin(TWO_PI * y))


def _ackley_hess(x, y):
    r, sr, a, c = _ackley_parts(x, y)
    sx, sy = np.sin(TWO_PI * x), np.sin(TWO_PI * y)
    # cone part: d/dx (0.1 A x / r) = 0.1 A [1/r − x²(0.1/r² + 1/(2r³))]
    k = 0.1 / power(sr, 2) + 0.5 / power(sr, 3)
    cxx = 0.1 * a * (1 / sr - x * x * k)
    cyy = 0.1 * a * (1 / sr - y * y * k)
    cxy = -0.1 * a * x * y * k
    inf = np.where(r > 0, 0.0, np.inf)
    p2 = np.pi**2 * c
    return (cxx + inf + p2 * (2 * np.cos(TWO_PI * x) - sx * sx),
            cxy - p2 * sx * sy,
            cyy + inf + p2 * (2 * np.cos(TWO_PI * y) - sy * sy))


# --- beale: Σᵢ (cᵢ − x + x·yⁱ)², c = (1.5, 2.25, 2.625) ---------------------
# uᵢ = cᵢ − x + x yⁱ,  ∂uᵢ/∂x = yⁱ − 1,  ∂uᵢ/∂y = i x yⁱ⁻¹.

_BEALE_C = (1.5, 2.25, 2.625)


def _beale(x, y):
    return sum(power(c - x + x * power(y, i + 1), 2) for i, c in enumerate(_BEALE_C))


def _beale_grad(x, y):
    gx = gy = 0.0
    for i, c in enumerate(_BEALE_C, start=1):
        u = c - x + x * power(y, i)
        gx = gx + 2 * u * (power(y, i) - 1)
        gy = gy + 2 * u * i * x * power(y, i - 1)
    return gx, gy


def _beale_hess(x, y):
    hxx = hxy = hyy = 0.0
    for i, c in enumerate(_BEALE_C, start=1):
        u = c - x + x * power(y, i)
        ux, uy = power(y, i) - 1, i * x * power(y, i - 1)
        uxy = i * power(y, i - 1)
        uyy = i * (i - 1) * x * power(y, i - 2) if i > 1 else 0.0
        hxx = hxx + 2 * ux * ux
        hxy = hxy + 2 * (uy * ux + u * uxy)
        hyy = hyy + 2 * (uy * uy + u * uyy)
    return hxx + 0 * x, hxy + 0 * x, hyy + 0 * x


# --- booth: (x + 2y − 7)² + (2x + y − 5)² ------------------------------------

def _booth(x, y):
    return power(x + 2 * y - 7, 2) + power(2 * x + y - 5, 2)


def _booth_grad(x, y):
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return 2 * a + 4 * b, 4 * a + 2 * b


def _booth_hess(x, y):
    return _const(x, 10.0), _const(x, 8.0), _const(x, 10.0)


# --- six_hump_camel: (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y² ---------------

def _camel(x, y):
    return ((4 - 2.1 * power(x, 2) + power(x, 4) / 3) * power(x, 2) + x * y
            + (-4 + 4 * power(y, 2)) * power(y, 2))


def _camel_grad(x, y):
    return 8 * x - 8.4 * power(x, 3) + 2 * power(x, 5) + y, x - 8 * y + 16 * power(y, 3)


def _camel_hess(x, y):
    return 8 - 25.2 * power(x, 2) + 10 * power(x, 4), _const(x, 1.0), -8 + 48 * power(y, 2)


# --- styblinski_tang: ½ Σ (t⁴ − 16t² + 5t) ----------------------------------

def _styblinski(x, y):
    return 0.5 * (power(x, 4) - 16 * power(x, 2) + 5 * x + power(y, 4) - 16 * power(y, 2) + 5 * y)


def _styblinski_grad(x, y):
    return 2 * power(x, 3) - 16 * x + 2.5, 2 * power(y, 3) - 16 * y + 2.5


def _styblinski_hess(x, y):
    return 6 * power(x, 2) - 16, _const(x, 0.0), 6 * power(y, 2) - 16


_ST_LO, _ST_HI = -2.9035340277711783, 2.7468027709908376


def _newton_polish(grad, hess, seeds: Array, iterations: int = 60) -> Array:
    """Newton's iteration θ ← θ − H⁻¹∇f from each seed (rows), vectorised: the stationary
    point each seed sits next to, to full precision."""
    x = np.array(seeds, dtype=float)
    for _ in range(iterations):
        gx, gy = grad(x[:, 0], x[:, 1])
        hxx, hxy, hyy = np.broadcast_arrays(*hess(x[:, 0], x[:, 1]))
        det = hxx * hyy - hxy * hxy
        x[:, 0] -= (hyy * gx - hxy * gy) / det
        x[:, 1] -= (hxx * gy - hxy * gx) / det
    return x


def _grid_minima(value, grad, hess, domain, seeds: Array) -> tuple[tuple[float, float], ...]:
    """The local minima next to ``seeds`` (polished by Newton), those inside ``domain``
    with a positive definite Hessian, lowest loss first (a global minimum first)."""
    x = _newton_polish(grad, hess, seeds)
    (x0, x1), (y0, y1) = domain
    hxx, hxy, hyy = np.broadcast_arrays(*hess(x[:, 0], x[:, 1]))
    keep = ((x[:, 0] >= x0) & (x[:, 0] <= x1) & (x[:, 1] >= y0) & (x[:, 1] <= y1)
            & (hxx > 0) & (hxx * hyy - hxy * hxy > 0))
    x = x[keep]
    x = x[np.argsort(value(x[:, 0], x[:, 1]), kind="stable")]
    return tuple((float(a), float(b)) for a, b in x)


_INTEGER_POINTS = np.array([(i, j) for i in range(-5, 6) for j in range(-5, 6)], dtype=float)
# Rastrigin: a minimum near every integer point, 11 × 11 = 121 in [−5.12, 5.12]²
_RASTRIGIN_MINIMA = _grid_minima(_rastrigin, _rastrigin_grad, _rastrigin_hess,
                                 ((-5.12, 5.12), (-5.12, 5.12)), _INTEGER_POINTS)
# Ackley: the kink at the origin (no Hessian there), then one minimum near every other
# integer point of [−5, 5]², pulled slightly toward the origin by the cone: 121 in all
_ACKLEY_MINIMA = ((0.0, 0.0),) + _grid_minima(
    _ackley, _ackley_grad, _ackley_hess, ((-5, 5), (-5, 5)),
    _INTEGER_POINTS[np.any(_INTEGER_POINTS != 0, axis=1)])

SURFACES: dict[str, Surface] = {
    s.id: s
    for s in [
        Surface("bowl", "Bowl", "f(x, y) = x² + y²", ((-2, 2), (-2, 2)),
                ((0.0, 0.0),), (1.5, 1.0), 0.1, _bowl, _bowl_grad, _bowl_hess),
        Surface("ravine", "Ravine (ill-conditioned)", "f(x, y) = x² + 10y²",
                ((-2, 2), (-1, 1)), ((0.0, 0.0),), (-1.8, 0.6), 0.09,
                _ravine, _ravine_grad, _ravine_hess),
        Surface("saddle", "Saddle", "f(x, y) = x² − y²", ((-2, 2), (-2, 2)),
                (), (1.5, 0.01), 0.05, _saddle, _saddle_grad, _saddle_hess),
        Surface("plateau", "Plateau", "f(x, y) = 1 − exp(−(x² + y²)/2)",
                ((-4, 4), (-4, 4)), ((0.0, 0.0),), (3.0, 2.5), 0.5,
                _plateau, _plateau_grad, _plateau_hess),
        Surface("two_wells", "Two wells (local + global minimum)",
                "f(x, y) = (x² − 1)² + 0.3x + y²", ((-2, 2), (-1.5, 1.5)),
                ((-1.0355787140888542, 0.0), (0.9601495555191059, 0.0)),
                (1.8, 1.0), 0.05, _two_wells, _two_wells_grad, _two_wells_hess),
        Surface("rosenbrock", "Rosenbrock valley", "f(x, y) = (1 − x)² + 100(y − x²)²",
                ((-2, 2), (-1, 3)), ((1.0, 1.0),), (-1.5, 2.0), 0.001,
                _rosenbrock, _rosenbrock_grad, _rosenbrock_hess, contour_scale="log"),
        Surface("himmelblau", "Himmelblau (four minima)",
                "f(x, y) = (x² + y − 11)² + (x + y² − 7)²", ((-5, 5), (-5, 5)),
                ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                 (-3.779310253377747, -3.2831859912861696),
                 (3.5844283403304917, -1.8481265269644036)),
                (-0.5, 0.0), 0.01, _himmelblau, _himmelblau_grad, _himmelblau_hess,
                contour_scale="log"),
        Surface("rastrigin", "Rastrigin (many local minima)",
                "f(x, y) = 20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
                ((-5.12, 5.12), (-5.12, 5.12)), _RASTRIGIN_MINIMA, (2.2, -3.1), 0.002,
                _rastrigin, _rastrigin_grad, _rastrigin_hess),
        Surface("ackley", "Ackley",
                "f(x, y) = −20·exp(−0.2√(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20",
                ((-5, 5), (-5, 5)), _ACKLEY_MINIMA, (2.5, -2.2), 0.01,
                _ackley, _ackley_grad, _ackley_hess),
        Surface("beale", "Beale",
                "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
                ((-4.5, 4.5), (-4.5, 4.5)), ((3.0, 0.5),), (1.0, 1.5), 0.001,
                _beale, _beale_grad, _beale_hess, contour_scale="log"),
        Surface("booth", "Booth", "f(x, y) = (x + 2y − 7)² + (2x + y − 5)²",
                ((-10, 10), (-10, 10)), ((1.0, 3.0),), (-8.0, -6.0), 0.05,
                _booth, _booth_grad, _booth_hess, contour_scale="log"),
        Surface("six_hump_camel", "Six-hump camel",
                "f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (4y² − 4)y²",
                ((-2.5, 2.5), (-1.5, 1.5)),
                ((0.08984201310031807, -0.7126564030207396),
                 (-0.08984201310031807, 0.7126564030207396),
                 (-1.7036067149699805, 0.7960835686726251),
                 (1.7036067149699805, -0.7960835686726251),
                 (-1.6071047529201976, -0.5686514548841313),
                 (1.6071047529201976, 0.5686514548841313)),
                (-2.0, 1.2), 0.01, _camel, _camel_grad, _camel_hess, contour_scale="log"),
        Surface("styblinski_tang", "Styblinski–Tang",
                "f(x, y) = ½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
                ((-5, 5), (-5, 5)),
                ((_ST_LO, _ST_LO), (_ST_LO, _ST_HI), (_ST_HI, _ST_LO), (_ST_HI, _ST_HI)),
                (0.5, 0.3), 0.01, _styblinski, _styblinski_grad, _styblinski_hess),
    ]
}


def get_surface(surface_id: str) -> Surface:
    """The surface registered under ``surface_id`` (KeyError if unknown)."""
    return SURFACES[surface_id]


def grid(surface: Surface, n: int, domain=None) -> tuple[Array, Array, Array]:
    """x (n,), y (n,) and z (n, n) over the domain; z[i, j] = f(x[j], y[i])."""
    (x0, x1), (y0, y1) = domain or surface.domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    with np.errstate(all="ignore"):
        z = surface.value(xs[None, :], ys[:, None])
    return xs, ys, np.broadcast_to(z, (n, n))
