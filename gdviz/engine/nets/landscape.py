"""A 2D slice through a network's loss, around given weights θ*, and the path projected on it.

A network has hundreds of weights; to *see* its loss we pick a plane through
θ* spanned by two directions d1, d2 and plot L(θ* + α·d1 + β·d2) over a grid
of (α, β). Two ways to pick the plane (Li et al. 2018, "Visualizing the Loss
Landscape of Neural Nets"):

* ``random_plane`` — two seeded Gaussian directions, *filter-normalised*: for
  each neuron (a column of W_l: the weights into one unit; in a CNN each
  filter, one output channel's kernel) the direction's part is rescaled to the
  norm of the weights' part, d_col ← d_col·‖θ_col‖/‖d_col‖.
  A step of α = 1 then changes every neuron by about its own size, so slices
  of different networks are comparable. Bias directions are zero (the biases
  stay at θ*'s values; Li et al.'s ``ignore='biasbn'``). A neuron whose
  weights are all zero (``zeros`` init) keeps a unit-norm direction instead.
* ``pca_plane`` — the top two principal directions of the training path
  θ_0 … θ_T around θ*: the plane in which the path moved most (orthonormal;
  ``explained`` says which share of the path's spread each captures).

``loss_on_plane`` evaluates the G×G grid (G ≤ ``MAX_GRID``) as ONE batched
call, the grid points being the runs. ``project`` puts a path on the plane —
least-squares coordinates (α, β) and each point's distance from the plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

MAX_GRID = 64


@dataclass(frozen=True)
class Plane:
    """θ* + α·d1 + β·d2. ``directions`` (2, P); ``explained`` (2,) for PCA planes."""

    centre: Array
    directions: Array
    kind: str
    explained: Array | None = None


def random_plane(mlp, centre: Array, seed: int = 0) -> Plane:
    """Two filter-normalised random directions around ``centre`` (P,) of ``mlp``."""
    centre = np.asarray(centre, dtype=float).reshape(-1)
    rng = np.random.default_rng(seed)
    dirs = rng.standard_normal((2, mlp.dim))
    for (w_dir, b_dir), (w, _) in zip(mlp.unpack(dirs), mlp.unpack(centre[None, :])):
        b_dir[...] = 0.0
        # a dense W (R, n_in, n_out): per neuron (a column); conv kernels (R, c_out, c_in,
        # 3, 3): per filter (one output channel's kernel), as Li et al. normalise
        axes = (1,) if w.ndim == 3 else tuple(range(2, w.ndim))
        d_norm = np.sqrt((w_dir * w_dir).sum(axis=axes, keepdims=True))
        w_norm = np.sqrt((w * w).sum(axis=axes, keepdims=True))
        w_dir *= np.where(w_norm > 0, w_norm, 1.0) / d_norm
    return Plane(centre, dirs, "random")


def pca_plane(trajectory: Array, centre: Array | None = None) -> Plane:
    """The two principal directions of ``trajectory`` (S, P) around ``centre`` (default:
    its last point), oriented so the path's first point has α, β ≤ 0 (it comes from the
    lower left). ``explained`` is each direction's share of Σ‖θ_s − θ*‖²."""
    traj = np.asarray(trajectory, dtype=float)
    centre = traj[-1] if centre is None else np.asarray(centre, dtype=float).reshape(-1)
    if traj.ndim != 2 or len(traj) < 3:
        raise ValueError("a PCA plane needs a path of at least 3 points (S, P)")
    m = traj - centre
    _, s, vt = np.linalg.svd(m, full_matrices=False)
    total = float((s * s).sum())
    if total == 0 or s.size < 2 or s[1] <= 1e-10 * s[0]:
        raise ValueError("the path does not span a plane (it stays on a line or a point)")
    dirs = vt[:2].copy()
    first = m[0] @ dirs.T
    dirs[first > 0] *= -1
    return Plane(centre, dirs, "pca", (s[:2] ** 2) / total)


def plane_points(plane: Plane, alphas: Array, betas: Array) -> Array:
    """The weight vectors (len(betas)·len(alphas), P) of the grid, row-major: point
    i·len(alphas) + j is θ* + alphas[j]·d1 + betas[i]·d2."""
    a, b = np.meshgrid(np.asarray(alphas, float), np.asarray(betas, float))
    return (plane.centre[None, :] + a.reshape(-1, 1) * plane.directions[0]
            + b.reshape(-1, 1) * plane.directions[1])


def loss_on_plane(objective, plane: Plane, alphas: Array, betas: Array,
                  split: str = "train") -> Array:
    """L at every grid point: (len(betas), len(alphas)); [i, j] is at (alphas[j], betas[i]).

    One call with the grid points as runs (the MLP chunks them to bound memory).
    ``split`` = "test" gives the test loss (MLP only)."""
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    for name, axis in (("alphas", alphas), ("betas", betas)):
        if not 1 <= axis.size <= MAX_GRID:
            raise ValueError(f"{name}: 1 to {MAX_GRID} grid values, got {axis.size}")
    points = plane_points(plane, alphas, betas)
    with np.errstate(all="ignore"):
        if split != "train":
            loss = objective.loss(points, split=split)
        elif hasattr(objective, "loss"):
            loss = objective.loss(points)
        else:  # any objective of the run engine, e.g. linreg2
            loss = objective.loss_and_grad(points)[0]
    return np.asarray(loss, float).reshape(betas.size, alphas.size)


def project(plane: Plane, trajectory: Array) -> tuple[Array, Array]:
    """(coordinates (S, 2) = least-squares (α, β) of each path point, distance (S,) of
    each point from the plane). For a PCA plane the coordinates are plain dot products."""
    m = np.asarray(trajectory, dtype=float) - plane.centre
    d = plane.directions
    coords = np.linalg.lstsq(d.T, m.T, rcond=None)[0].T
    off = np.linalg.norm(m - coords @ d, axis=1)
    return coords, off


def span_of(coords: Array, margin: float = 0.25, minimum: float = 1.0) -> tuple[float, float]:
    """A symmetric half-width for the grid that holds ``coords`` (S, 2) with a margin —
    at least ``minimum`` (α ∈ [−1, 1], Li et al.'s usual window)."""
    extent = float(np.abs(coords).max()) if coords.size else 0.0
    half = max(minimum, extent * (1 + margin))
    return -half, half
