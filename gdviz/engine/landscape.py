"""How the outcome depends on the learning rate and the start: sweeps and basin maps.

Both are one vectorised ``Batch``: a sweep is R runs from one start with R
learning rates; a basin map is n×n runs from a grid of starts. Neither records
frames — only how each run ended — so memory stays O(runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from . import stability
from .optimizers import Optimizer, hyper_arrays
from .runs import Batch, Status

Array = np.ndarray

DIVERGED_LABEL = -1
NOT_CONVERGED_LABEL = -2
NOISY_RADIUS = 0.05  # a noisy run bouncing this close (relative) to a minimum is in its basin


CHUNK_RUN_STEPS = 100_000  # ≈ 20–50 ms of work: how often a job can report or be cancelled


def run_in_chunks(batch: Batch, chunk: int | None = None,
                  on_step: Callable[[Batch], None] | None = None) -> Iterator[float]:
    """Advance ``batch`` to its end, yielding the fraction of the step budget done.

    Lets a caller report progress and stop early (cancel) between chunks of
    ``chunk`` steps (default: about ``CHUNK_RUN_STEPS`` run-steps, so a 256² map
    yields every step or two and a 200-lr sweep every 50); ``on_step`` (if
    given) sees the batch after every step, e.g. to record paths.
    """
    if chunk is None:
        chunk = max(1, min(50, CHUNK_RUN_STEPS // batch.n_runs))
    while not batch.done:
        taken = 0
        while taken < chunk and not batch.done:
            if on_step is None:  # (in blocks where the batch can: ``Batch.advance_many``)
                taken += batch.advance_many(chunk - taken)
                continue
            batch.advance()
            on_step(batch)
            taken += 1
        yield min(1.0, batch.step / batch.max_steps) if not batch.done else 1.0


@dataclass
class SweepResult:
    lrs: Array
    status: Array  # Status codes
    final_loss: Array
    steps_to_converge: Array  # -1 where not converged
    bound: float | None
    minimum: Array | None


def sweep_batch(objective, optimizer: Optimizer, hyper: dict[str, Any], start, lrs: Array,
                max_steps: int, **options) -> Batch:
    """One batch: the same run repeated with each learning rate in ``lrs``.

    ``options`` (schedule, clip_norm, noise, seed) go to every run alike."""
    rows = [{**hyper, "lr": float(lr)} for lr in lrs]
    starts = np.repeat(np.asarray(start, dtype=float)[None, :], len(lrs), axis=0)
    return Batch(objective, optimizer, hyper_arrays(rows), starts, max_steps, **options)


def sweep_result(batch: Batch, lrs: Array, start) -> SweepResult:
    """Outcome per learning rate and the stability bound at the minimum the runs head for.

    The minimum is the known one most converged runs reached (else the one
    nearest the start); the bound is 2/λ_max there for GD (2(1+μ)/λ_max for
    momentum …), None for adaptive optimizers or when no minimum is known.
    """
    status = batch.status.copy()
    steps = np.where(status == Status.CONVERGED, batch.end_step, -1)
    minimum = _heading_minimum(batch, np.asarray(start, dtype=float))
    b = None
    if minimum is not None:
        _, curv = stability.curvature_near(batch.objective, minimum)
        b = stability.bound(batch.optimizer.id, batch.hyper_of(0), curv.lam_max)
    return SweepResult(np.asarray(lrs, float), status, batch.loss.copy(), steps, b, minimum)


def _heading_minimum(batch: Batch, start: Array) -> Array | None:
    minima = stability.known_minima(batch.objective)
    if minima.size == 0:
        return None
    conv = batch.status == Status.CONVERGED
    if conv.any():
        d = np.linalg.norm(batch.params[conv][:, None, :] - minima[None], axis=2)
        return minima[np.bincount(d.argmin(1), minlength=len(minima)).argmax()]
    return stability.nearest_minimum(minima, start)


@dataclass
class BasinResult:
    xs: Array
    ys: Array
    labels: Array  # (n, n): index into minima, −1 diverged, −2 not converged
    minima: Array  # known minima, then minima discovered by the runs


def grid_starts(n: int, box) -> tuple[Array, Array, Array]:
    (x0, x1), (y0, y1) = box
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)  # row i = ys[i]
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)


def basin_batch(objective, optimizer: Optimizer, hyper: dict[str, Any], starts: Array,
                max_steps: int, **options) -> Batch:
    """One batch: the same run from every start (``options`` as in ``sweep_batch``)."""
    return Batch(objective, optimizer, hyper_arrays([hyper] * len(starts)), starts, max_steps,
                 **options)


def basin_labels(batch: Batch, xs: Array, ys: Array, known: Array,
                 tol: float = 1e-3) -> BasinResult:
    """Label each start of an n×n grid by the minimum its run converged to
    (see ``label_ends``); row i of ``labels`` is ``ys[i]``."""
    labels, minima = label_ends(batch, known, tol)
    return BasinResult(xs, ys, labels.reshape(len(ys), len(xs)), minima)


def label_ends(batch: Batch, known: Array, tol: float = 1e-3) -> tuple[Array, Array]:
    """Which minimum each run of ``batch`` ended in: (labels (R,), minima (M, 2)).

    A label is an index into ``minima``, −1 diverged, −2 not converged.
    ``minima`` is ``known`` followed by minima the runs discovered: converged
    end points near no known minimum are grouped (within ``tol``) into new
    minima — e.g. Rastrigin's or Ackley's many local minima — if the Hessian
    there is positive definite; a converged run that stopped on a saddle
    counts as not converged.

    With gradient noise a run never settles exactly (‖∇L‖ keeps the noise's
    size), so there a run that ended hovering (status noise_floor, or oscillating)
    within ``NOISY_RADIUS`` × (1 + ‖m‖) of a known minimum m counts as in m's basin.
    """
    known = np.asarray(known, float).reshape(-1, 2)
    labels = np.full(batch.n_runs, NOT_CONVERGED_LABEL, dtype=np.int64)
    labels[batch.status == Status.DIVERGED] = DIVERGED_LABEL
    conv = np.flatnonzero(batch.status == Status.CONVERGED)
    minima = known
    if conv.size:
        ends = batch.params[conv]
        pd = _positive_definite(batch.objective.hessian(ends))
        lab = np.full(conv.size, NOT_CONVERGED_LABEL, dtype=np.int64)
        radius = tol * (1 + np.linalg.norm(ends, axis=1))
        if len(known):
            d = np.linalg.norm(ends[:, None, :] - known[None], axis=2)
            j = d.argmin(1)
            hit = pd & (d[np.arange(conv.size), j] <= radius)
            lab[hit] = j[hit]
        rest = np.flatnonzero(pd & (lab == NOT_CONVERGED_LABEL))
        if rest.size:
            found, which = _cluster(ends[rest], tol)
            lab[rest] = len(known) + which
            minima = np.vstack([known, found])
        labels[conv] = lab
    if batch.noise is not None and len(known):
        bouncing = np.flatnonzero((batch.status == Status.OSCILLATING)
                                  | (batch.status == Status.NOISE_FLOOR))
        if bouncing.size:
            d = np.linalg.norm(batch.params[bouncing][:, None, :] - known[None], axis=2)
            j = d.argmin(1)
            near = d[np.arange(bouncing.size), j] <= NOISY_RADIUS * (
                1 + np.linalg.norm(known[j], axis=1))
            labels[bouncing[near]] = j[near]
    return labels, minima


def _cluster(points: Array, tol: float) -> tuple[Array, Array]:
    """Group points lying within ~tol of each other: (centres, index of each point's centre)."""
    keys = np.round(points / tol).astype(np.int64)
    cells, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    centres = np.array([points[inverse == c].mean(0) for c in range(len(cells))])
    # merge neighbouring cells that split one minimum across a rounding boundary
    merged = np.arange(len(centres))
    for c in range(len(centres)):
        close = np.flatnonzero(np.linalg.norm(centres[:c] - centres[c], axis=1) <= 2 * tol)
        if close.size:
            merged[c] = merged[close[0]]
    roots, remap = np.unique(merged, return_inverse=True)
    return centres[roots], remap[inverse]


def _positive_definite(h: Array) -> Array:
    with np.errstate(all="ignore"):
        ok = np.isfinite(h).all(axis=(1, 2))
        eig = np.full((len(h), 2), -1.0)
        if ok.any():
            eig[ok] = np.linalg.eigvalsh(h[ok])
    return ok & (eig[:, 0] > 0)

