"""Central finite differences for the net tests (float64)."""

from __future__ import annotations

import numpy as np

H = 1e-6


def numeric_grad(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """∂f/∂x by central differences, f: array (shape of x) → float."""
    x = np.array(x, dtype=float)
    out = np.empty_like(x)
    flat, g = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = f(x)
        flat[i] = keep - h
        down = f(x)
        flat[i] = keep
        g[i] = (up - down) / (2 * h)
    return out


def numeric_grad_runs(f, params: np.ndarray, h: float = H) -> np.ndarray:
    """∂f_r/∂params_r for every run at once: f maps params (R, P) → (R,), each run's value
    depending on its own row only, so perturbing column i of every row at once is exact."""
    params = np.array(params, dtype=float)
    out = np.empty_like(params)
    for i in range(params.shape[1]):
        keep = params[:, i].copy()
        params[:, i] = keep + h
        up = f(params)
        params[:, i] = keep - h
        down = f(params)
        params[:, i] = keep
        out[:, i] = (up - down) / (2 * h)
    return out


def assert_close_grad(analytic, numeric, rel: float = 1e-6, abs_: float = 1e-9):
    """‖analytic − numeric‖ ≤ rel·‖numeric‖ + abs_ (per run when 2D)."""
    a, n = np.atleast_2d(analytic), np.atleast_2d(numeric)
    a = a.reshape(a.shape[0], -1)
    n = n.reshape(n.shape[0], -1)
    err = np.linalg.norm(a - n, axis=1)
    bound = rel * np.linalg.norm(n, axis=1) + abs_
    assert (err <= bound).all(), f"gradient error {err} > bound {bound}"
