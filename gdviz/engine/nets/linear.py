"""Two-weight models whose loss over (w1, w2) is a 2D surface: ``linreg2`` and ``logreg2``.

Both are ``Surface`` objects (see surfaces.py): ``value/grad/hess`` take
coordinate arrays x = w1 and y = w2 of any shape (a contour grid, one point,
or many runs), ``loss_and_grad(params (R, 2))`` and ``hessian(params)`` are
the run engine's interface, and ``domain``, ``minima``, ``start``, ``lr`` and
``formula`` are what the contour/3D views and the stability tools read. So
everything that works on a named surface works on them unchanged. They add
``data``, ``model_formula``, ``grad_formula`` and ``predict``.

* ``LinReg2`` — ŷ = w1·x1 + w2·x2, L = mean((ŷ − y)²) (MSE):
  ∂L/∂w_i = 2·mean((ŷ − y)·x_i),  Hessian 2XᵀX/N (constant: the surface is a
  quadratic bowl, its minimum the least-squares solution).
* ``LogReg2`` — ŷ = σ(w1·x1 + w2·x2), L = −mean(y log ŷ + (1 − y) log(1 − ŷ)):
  ∂L/∂w_i = mean((ŷ − y)·x_i),  Hessian XᵀSX/N with S = diag(ŷ(1 − ŷ)).
  Convex; it has a finite minimum exactly when no line through the origin
  separates the classes. On separable data the loss keeps falling as ‖w‖ → ∞,
  so ``minima`` is empty and ``separable`` is True.

Neither model has a bias (the classic example), so the fitted line / the
decision line passes through the origin.

Their loss at R weight pairs is an (R, N) array over the N data points, so a basin
map (R = 65,536) or a contour grid (400² points) of a model with 2,048 points would
need gigabytes at once. Every function therefore works through the pairs in chunks
of at most ``CHUNK_ELEMENTS`` pairs × points (8 MB per temporary array); each pair's
mean is the same row reduction either way, so the numbers are identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..surfaces import Surface
from .datasets import Dataset, RegressionData, linreg2_data, logreg2_data
from .layers import sigmoid, sigmoid_grad, sigmoid_minus

Array = np.ndarray


def _box(points: Array, pad: float = 1.0) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square box around ``points`` (M, 2), ``pad`` of the larger side (min 1) each side."""
    lo, hi = points.min(0), points.max(0)
    centre, half = (lo + hi) / 2, max((hi - lo).max() / 2, 1.0)
    half = half * (1 + pad)
    return ((float(centre[0] - half), float(centre[0] + half)),
            (float(centre[1] - half), float(centre[1] + half)))


def _broadcast_const(like: Array, v: float) -> Array:
    return np.full(np.shape(like), float(v))


CHUNK_ELEMENTS = 1 << 20  # weight pairs × data points in one temporary array (8 MB)


def _chunks(pairs: int, points: int):
    """Slices of at most CHUNK_ELEMENTS // points of ``pairs`` rows."""
    step = max(1, CHUNK_ELEMENTS // max(points, 1))
    return [slice(k, k + step) for k in range(0, pairs, step)]


def _in_chunks(fn, points: int):
    """``fn(w1, w2)`` (arrays of any broadcast shape → an array, or a tuple of arrays, of
    that shape) computed over chunks of the weight pairs."""
    def chunked(w1, w2):
        w1, w2 = np.broadcast_arrays(np.asarray(w1, float), np.asarray(w2, float))
        if w1.size * points <= CHUNK_ELEMENTS:
            return fn(w1, w2)
        a, b = w1.reshape(-1), w2.reshape(-1)
        parts = [fn(a[c], b[c]) for c in _chunks(a.size, points)]
        if isinstance(parts[0], tuple):
            return tuple(np.concatenate(p).reshape(w1.shape) for p in zip(*parts))
        return np.concatenate(parts).reshape(w1.shape)
    return chunked


def _loss_and_grad_in_chunks(fn, params: Array, points: int) -> tuple[Array, Array]:
    """A model's ``loss_and_grad`` body over chunks of the runs (params (R, 2))."""
    if len(params) * points <= CHUNK_ELEMENTS:
        return fn(params)
    parts = [fn(params[c]) for c in _chunks(len(params), points)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# --- linear regression ---------------------------------------------------------------------

@dataclass(frozen=True)
class LinReg2(Surface):
    """MSE of ŷ = w1·x1 + w2·x2 over (w1, w2); built by ``make_linreg2``."""

    data: RegressionData | None = field(default=None, repr=False)
    model_formula: str = "ŷ = w1·x1 + w2·x2"
    grad_formula: str = "∂L/∂w1 = 2·mean((ŷ−y)·x1),  ∂L/∂w2 = 2·mean((ŷ−y)·x2)"
    data_formula: str = ""

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """Loss (R,) and gradient (R, 2); written as the formulas read:
        r = w1·x1 + w2·x2 − y, L = mean(r²), ∂L/∂w_i = 2·mean(r·x_i)."""
        return _loss_and_grad_in_chunks(self._loss_and_grad, params, len(self.data.y))

    def _loss_and_grad(self, params: Array) -> tuple[Array, Array]:
        x1, x2, y = self.data.x[:, 0], self.data.x[:, 1], self.data.y
        w1, w2 = params[:, 0:1], params[:, 1:2]
        r = w1 * x1 + w2 * x2 - y  # (R, N): ŷ − y
        grad = np.empty(params.shape)
        grad[:, 0] = 2 * np.mean(r * x1, axis=1)
        grad[:, 1] = 2 * np.mean(r * x2, axis=1)
        return np.mean(r * r, axis=1), grad

    def predict(self, params: Array, x: Array) -> Array:
        """ŷ (R, B) at inputs x (B, 2)."""
        return np.asarray(params, float) @ np.asarray(x, float).T


def make_linreg2(n: int = 100, noise: float = 0.1, seed: int = 0, random_targets: bool = False,
                 start: tuple[float, float] = (2.0, 3.0), lr: float = 0.1) -> LinReg2:
    """linreg2 on ``linreg2_data(n, noise, seed, random_targets)``: start (2, 3), lr 0.1."""
    data = linreg2_data(n, noise, seed, random_targets)
    x1, x2, y = data.x[:, 0], data.x[:, 1], data.y
    h = 2 * data.x.T @ data.x / len(y)  # the constant Hessian 2XᵀX/N

    def value(w1, w2):
        w1, w2 = np.asarray(w1, float)[..., None], np.asarray(w2, float)[..., None]
        r = w1 * x1 + w2 * x2 - y
        return np.mean(r * r, axis=-1)

    def grad(w1, w2):
        w1, w2 = np.asarray(w1, float)[..., None], np.asarray(w2, float)[..., None]
        r = w1 * x1 + w2 * x2 - y
        return 2 * np.mean(r * x1, axis=-1), 2 * np.mean(r * x2, axis=-1)

    def hess(w1, w2):
        like = np.broadcast_to(np.asarray(w1, float), np.broadcast_shapes(np.shape(w1),
                                                                        np.shape(w2)))
        return (_broadcast_const(like, h[0, 0]), _broadcast_const(like, h[0, 1]),
                _broadcast_const(like, h[1, 1]))

    best = np.linalg.lstsq(data.x, y, rcond=None)[0]
    if random_targets:
        about = f"y ~ U(0, 1) (random targets, unrelated to x); x1, x2 ~ U(0, 1); {n} samples"
    else:
        w1t, w2t = data.true_w
        about = (f"y = {w1t:g}·x1 − {-w2t:g}·x2 + ε, ε ~ N(0, {noise:g}²); "
                 f"x1, x2 ~ U(0, 1); {n} samples")
    return LinReg2(
        id="linreg2", name="Linear regression (2 weights, MSE)",
        formula="L(w1, w2) = mean((w1·x1 + w2·x2 − y)²)",
        domain=_box(np.array([start, best])), minima=((float(best[0]), float(best[1])),),
        start=(float(start[0]), float(start[1])), lr=float(lr),
        value=_in_chunks(value, n), grad=_in_chunks(grad, n), hess=hess, data=data,
        data_formula=about)


# --- logistic regression ---------------------------------------------------------------------

def separable_through_origin(x: Array, y: Array) -> bool:
    """Whether some line through the origin puts every class-1 point strictly on one side
    and every class-0 point strictly on the other: then w·x has the label's sign for all
    points, and BCE → 0 as w grows along that direction (no finite minimum).

    Flip the class-0 points through the origin (v = ±x); a separating w exists iff all
    v lie in an open half-plane, i.e. iff their angles leave a gap wider than π."""
    v = np.where((np.asarray(y) == 1)[:, None], x, -np.asarray(x))
    if (np.abs(v).sum(axis=1) == 0).any():  # a point at the origin is on every line
        return False
    angles = np.sort(np.arctan2(v[:, 1], v[:, 0]))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
    return bool(gaps.max() > np.pi)


@dataclass(frozen=True)
class LogReg2(Surface):
    """BCE of ŷ = σ(w1·x1 + w2·x2) over (w1, w2); built by ``make_logreg2``."""

    data: Dataset | None = field(default=None, repr=False)
    separable: bool = False
    model_formula: str = "ŷ = σ(w1·x1 + w2·x2)"
    grad_formula: str = "∂L/∂w1 = mean((ŷ−y)·x1),  ∂L/∂w2 = mean((ŷ−y)·x2)"
    data_formula: str = ""

    def loss_and_grad(self, params: Array, step: int = 0) -> tuple[Array, Array]:
        """Loss (R,) and gradient (R, 2): z = w1·x1 + w2·x2,
        L = mean(max(z, 0) − z·y + log(1 + e^(−|z|)))  (BCE in its stable form),
        ∂L/∂w_i = mean((σ(z) − y)·x_i), σ(z) − y in its exact-tail form (``sigmoid_minus``)."""
        return _loss_and_grad_in_chunks(self._loss_and_grad, params, len(self.data.y_train))

    def _loss_and_grad(self, params: Array) -> tuple[Array, Array]:
        x1, x2 = self.data.x_train[:, 0], self.data.x_train[:, 1]
        y = self.data.y_train.astype(float)
        w1, w2 = params[:, 0:1], params[:, 1:2]
        z = w1 * x1 + w2 * x2
        d = sigmoid_minus(z, y)
        grad = np.empty(params.shape)
        grad[:, 0] = np.mean(d * x1, axis=1)
        grad[:, 1] = np.mean(d * x2, axis=1)
        return _bce(z, y), grad

    def predict(self, params: Array, x: Array) -> Array:
        """P(class 1) = σ(w·x), (R, B), at inputs x (B, 2)."""
        return sigmoid(np.asarray(params, float) @ np.asarray(x, float).T)


def _bce(z: Array, y: Array) -> Array:
    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=-1)


def _newton_minimum(x: Array, y: Array) -> Array | None:
    """The BCE minimiser by damped Newton steps (None if it does not settle)."""
    w = np.zeros(2)
    for _ in range(200):
        z = x @ w
        p = sigmoid(z)
        g = x.T @ (p - y) / len(y)
        if np.linalg.norm(g) < 1e-14:
            return w
        h = (x * (p * (1 - p))[:, None]).T @ x / len(y)
        step = np.linalg.solve(h, g)
        t, f0 = 1.0, _bce(z, y)
        while _bce(x @ (w - t * step), y) > f0 and t > 1e-10:
            t /= 2
        w = w - t * step
    z = x @ w
    return w if np.linalg.norm(x.T @ (sigmoid(z) - y) / len(y)) < 1e-10 else None


def make_logreg2(n: int = 100, noise: float = 1.0, seed: int = 0,
                 start: tuple[float, float] = (-2.0, 3.0), lr: float = 1.0) -> LogReg2:
    """logreg2 on ``logreg2_data(n, noise, seed)``: start (−2, 3), lr 1."""
    data = logreg2_data(n, noise, seed)
    x, y = data.x_train, data.y_train.astype(float)
    x1, x2 = x[:, 0], x[:, 1]

    def parts(w1, w2):
        w1, w2 = np.asarray(w1, float)[..., None], np.asarray(w2, float)[..., None]
        z = w1 * x1 + w2 * x2
        return z, sigmoid(z)

    def value(w1, w2):
        return _bce(parts(w1, w2)[0], y)

    def grad(w1, w2):
        d = sigmoid_minus(parts(w1, w2)[0], y)
        return np.mean(d * x1, axis=-1), np.mean(d * x2, axis=-1)

    def hess(w1, w2):
        s = sigmoid_grad(parts(w1, w2)[0])  # σ′ = σ(1 − σ), exact in the tails
        return (np.mean(s * x1 * x1, axis=-1), np.mean(s * x1 * x2, axis=-1),
                np.mean(s * x2 * x2, axis=-1))

    separable = separable_through_origin(x, data.y_train)
    best = None if separable else _newton_minimum(x, y)
    minima = () if best is None else ((float(best[0]), float(best[1])),)
    c0, c1 = (f"({a:g}, {b:g})" for a, b in ((-1.0, -0.5), (1.0, 0.5)))
    about = (f"two Gaussian blobs (std {noise:g}): class 0 around {c0}, class 1 around {c1}; "
             f"{n} samples" + ("; linearly separable through the origin, so the loss has no "
                               "minimum — it keeps falling as the weights grow"
                               if separable else ""))
    box_points = np.array([start] + list(minima)) if minima else np.array([start, (0.0, 0.0)])
    return LogReg2(
        id="logreg2", name="Logistic regression (2 weights, BCE)",
        formula="L(w1, w2) = −mean(y·log ŷ + (1−y)·log(1−ŷ)),  ŷ = σ(w1·x1 + w2·x2)",
        domain=_box(box_points), minima=minima,
        start=(float(start[0]), float(start[1])), lr=float(lr),
        value=_in_chunks(value, len(y)), grad=_in_chunks(grad, len(y)),
        hess=_in_chunks(hess, len(y)), data=data, separable=separable, data_formula=about)
