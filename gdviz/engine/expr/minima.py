"""Local minima of f(x, y) inside a box, found numerically from the exact gradient and Hessian.

A custom expression has no table of known minima, yet the run engine,
stability bounds and basin maps all want one. ``find_minima`` starts a
regularised Newton iteration from a grid of seeds (all seeds at once, as
arrays) with a trust radius per seed:

    step = −(H + μI)⁻¹ ∇f,   μ = 0 where H is positive definite, else −λ_min + δ,

clipped to the box and to the seed's radius; a step that lowers f is taken and
the radius doubles, otherwise the radius shrinks ×4. That is Newton (quadratic
convergence) near a minimum and a safe descent step elsewhere, including near
saddles and where H is not finite.

A point counts as a minimum when f and ∇f are finite, ‖∇f‖ is tiny, and f is
strictly higher at 8 points around it (so saddles, lines of minima and flat
regions are not reported). Minima closer than ``1e-4 × span`` are one; the
list is sorted by f (the first is the lowest found) and capped.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Array = np.ndarray
Evaluate = Callable[[Array, Array], tuple[Array, ...]]  # (f, gx, gy, hxx, hxy, hyy)

SEEDS_PER_AXIS = 12
ITERATIONS = 100       # enough for a degenerate minimum (x⁴: Newton gains ×2/3 per step)
MIN_ITERATIONS = 15
SEARCH_BUDGET = 40_000  # NumPy operations (program size × iterations) one search may take
MAX_MINIMA = 25
PROBE = 1e-3     # neighbour distance for the strict-minimum test, × span
SAME = 1e-4      # minima closer than this × span are one


def _newton_step(g, h, f, span):
    gx, gy = g
    hxx, hxy, hyy = h
    with np.errstate(all="ignore"):
        half_tr = (hxx + hyy) / 2
        disc = np.sqrt(((hxx - hyy) / 2) ** 2 + hxy**2)
        lmin, lmax = half_tr - disc, half_tr + disc
        delta = 1e-3 * (np.abs(lmin) + np.abs(lmax)) + 1e-8 * (1 + np.abs(f)) / span**2
        mu = np.where(lmin > 0, 0.0, delta - lmin)
        a, c = hxx + mu, hyy + mu
        det = a * c - hxy**2
        dx = -(c * gx - hxy * gy) / det
        dy = -(a * gy - hxy * gx) / det
        bad = ~(np.isfinite(dx) & np.isfinite(dy))
        # where the Hessian is unusable: a plain gradient direction (the radius sets its length)
        gnorm = np.hypot(gx, gy)
        dx = np.where(bad, -gx / gnorm, dx)
        dy = np.where(bad, -gy / gnorm, dy)
    return dx, dy


def iterations_for(evaluate: Evaluate) -> int:
    """ITERATIONS, or fewer for a very long program (its size: NumPy operations per call),
    so that a pathological f cannot make the search take seconds."""
    size = getattr(evaluate, "size", 0)
    if not size:
        return ITERATIONS
    return int(min(ITERATIONS, max(MIN_ITERATIONS, SEARCH_BUDGET // size)))


def _search(evaluate: Evaluate, box, seeds: Array) -> tuple[Array, tuple[Array, ...]]:
    (x0, x1), (y0, y1) = box
    span = max(x1 - x0, y1 - y0)
    p = seeds.copy()
    vals = evaluate(p[:, 0], p[:, 1])
    radius = np.full(len(p), 0.25 * span)
    active = np.isfinite(vals[0]) & np.isfinite(vals[1]) & np.isfinite(vals[2])
    for _ in range(iterations_for(evaluate)):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        f, gx, gy, hxx, hxy, hyy = (v[idx] for v in vals)
        dx, dy = _newton_step((gx, gy), (hxx, hxy, hyy), f, span)
        with np.errstate(all="ignore"):
            scale = np.minimum(1.0, radius[idx] / np.hypot(dx, dy))
        scale = np.where(np.isfinite(scale), scale, 0.0)
        tx = np.clip(p[idx, 0] + scale * dx, x0, x1)
        ty = np.clip(p[idx, 1] + scale * dy, y0, y1)
        trial = evaluate(tx, ty)
        # lower f; or (where f is flat to rounding, close to a minimum) no higher f and a
        # smaller gradient, so Newton's last steps are not lost in f's rounding error
        with np.errstate(invalid="ignore"):
            smaller_slope = np.hypot(trial[1], trial[2]) < np.hypot(gx, gy)
        better = (((trial[0] < f) | ((trial[0] <= f) & smaller_slope))
                  & np.isfinite(trial[1]) & np.isfinite(trial[2]))
        moved = idx[better]
        p[moved, 0], p[moved, 1] = tx[better], ty[better]
        for v, t in zip(vals, trial):
            v[moved] = t[better]
        radius[moved] = np.minimum(radius[moved] * 2, span)
        radius[idx[~better]] *= 0.25
        # a row stops when its radius has collapsed or its step became negligible (converged)
        step = scale * np.hypot(dx, dy)
        active[idx] = (radius[idx] > 1e-13 * span) & (step > 1e-13 * span)
    return p, vals


def _strict_minimum(evaluate: Evaluate, p: Array, f: Array, span: float) -> Array:
    angles = np.arange(8) * (np.pi / 4)
    r = PROBE * span
    nx = p[:, 0:1] + r * np.cos(angles)
    ny = p[:, 1:2] + r * np.sin(angles)
    around = evaluate(nx, ny)[0]
    tol = 1e-12 * (1 + np.abs(f))
    with np.errstate(invalid="ignore"):
        return np.all(around > (f + tol)[:, None], axis=1)


def _tidy(v: float, span: float) -> float:
    """12 significant digits, and 0 for what is zero at the box's scale (no −0.0, 1e-17)."""
    if abs(v) < 1e-12 * span:
        return 0.0
    return float(f"{v:.12g}")


def find_minima(evaluate: Evaluate, box, per_axis: int = SEEDS_PER_AXIS,
                limit: int = MAX_MINIMA) -> list[tuple[float, float]]:
    """Isolated local minima of f inside ``box`` ((x0, x1), (y0, y1)), lowest f first.

    ``evaluate(x, y)`` returns (f, ∂f/∂x, ∂f/∂y, ∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²) as arrays.
    """
    (x0, x1), (y0, y1) = box
    span = max(x1 - x0, y1 - y0)
    cx = x0 + (np.arange(per_axis) + 0.5) / per_axis * (x1 - x0)
    cy = y0 + (np.arange(per_axis) + 0.5) / per_axis * (y1 - y0)
    gx, gy = np.meshgrid(cx, cy)
    p, vals = _search(evaluate, box, np.stack([gx.ravel(), gy.ravel()], axis=1))
    f, dfx, dfy = vals[0], vals[1], vals[2]
    with np.errstate(all="ignore"):
        small = np.hypot(dfx, dfy) <= 1e-6 * (1 + np.abs(f)) / span
    ok = np.isfinite(f) & small
    ok[ok] = _strict_minimum(evaluate, p[ok], f[ok], span)
    order = np.flatnonzero(ok)[np.argsort(f[ok], kind="stable")]
    q = p[order]
    near = np.hypot(q[:, None, 0] - q[None, :, 0], q[:, None, 1] - q[None, :, 1]) <= SAME * span
    taken = np.zeros(len(order), bool)
    kept: list[int] = []
    for k, i in enumerate(order):  # lowest first; a later point near a kept one is the same
        if not (near[k] & taken).any():
            taken[k] = True
            kept.append(i)
    # equal minima (symmetric f) in a fixed order: by f to 10 digits, then x, then y
    kept.sort(key=lambda i: (float(f"{f[i]:.10g}"), p[i, 0], p[i, 1]))
    return [(_tidy(p[i, 0], span), _tidy(p[i, 1], span)) for i in kept[:limit]]
