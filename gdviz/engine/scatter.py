"""Many starts at once: the same optimizer from N random points, to show local minima.

One vectorised ``Batch`` of N runs; every step's positions are recorded
(N ≤ 64 runs × ≤ 5,000 steps × 2 floats is at most 5 MB) so each run's path
can be drawn, then thinned for sending.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import stability
from .explain import fmt
from .landscape import DIVERGED_LABEL, NOT_CONVERGED_LABEL
from .runs import Batch

Array = np.ndarray


def random_starts(n: int, box, seed: int) -> Array:
    """``n`` points uniform over ``box`` = ((x0, x1), (y0, y1)), reproducible from ``seed``."""
    (x0, x1), (y0, y1) = box
    u = np.random.default_rng(np.random.SeedSequence([seed, n])).random((n, 2))
    return np.column_stack([x0 + (x1 - x0) * u[:, 0], y0 + (y1 - y0) * u[:, 1]])


class PathRecorder:
    """Collects every run's position after each step (pass ``record`` as ``on_step``)."""

    def __init__(self, batch: Batch):
        self.points = [batch.params.copy()]

    def record(self, batch: Batch) -> None:
        self.points.append(batch.params.copy())

    def path(self, run: int, end_step: int, max_points: int) -> Array:
        """Run ``run``'s positions from step 0 to ``end_step``, at most ``max_points``
        of them, evenly spaced in steps (first and last always kept)."""
        end = min(end_step, len(self.points) - 1)
        keep = np.unique(np.linspace(0, end, min(max_points, end + 1)).round().astype(int))
        return np.array([self.points[k][run] for k in keep])


@dataclass
class Outcome:
    counts: dict[int, int]  # label → number of starts
    summary: str


def summarise(labels: Array, known_losses, steps: int) -> Outcome:
    """Count the starts per label and say in one sentence where they went.

    Labels 0 … M − 1 are the surface's known minima, whose losses are ``known_losses``
    (global first); several may tie for the lowest (Himmelblau's four at 0), and then no
    sentence says "the global minimum"."""
    known_losses = np.asarray(known_losses, float)
    values, freq = np.unique(labels, return_counts=True)
    counts = {int(v): int(c) for v, c in zip(values, freq)}
    n = int(labels.size)
    found = {k: c for k, c in counts.items() if k >= 0}
    lowest = set(stability.lowest_minima(known_losses).tolist())
    parts = []
    best = sum(c for k, c in found.items() if k in lowest)
    if best:
        if len(lowest) == 1:
            parts.append(f"{best} reached the global minimum")
        else:
            parts.append(f"{best} reached one of the {len(lowest)} lowest minima (all at loss "
                         f"{fmt(float(known_losses.min()))})")
    others = {k: c for k, c in found.items() if k not in lowest}
    if others:
        starts = sum(others.values())
        kinds = len(others)
        parts.append(f"{starts} stopped in {_plural(kinds, 'other minimum', 'other minima')}"
                     " (local minima trap plain descent)" if len(known_losses) else
                     f"{starts} converged to {_plural(kinds, 'minimum', 'minima')}")
    if counts.get(DIVERGED_LABEL):
        parts.append(f"{counts[DIVERGED_LABEL]} diverged")
    if counts.get(NOT_CONVERGED_LABEL):
        parts.append(f"{counts[NOT_CONVERGED_LABEL]} did not settle within {steps} steps "
                     "(still moving, oscillating or stalled on a saddle or plateau)")
    return Outcome(counts, f"Of {n} starts, " + "; ".join(parts) + ".")


def _plural(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"
