"""A 2D slice of a network's loss around a run's current weights, with its path on it.

The ``slice`` message of WS /ws/run (docs/models.md). The work is bounded:
grid² weight vectors, each a forward pass over the training points, so
grid² × training points × weights (a CNN: × its multiply-adds per image, since a
kernel works at every pixel) must stay under ``MAX_SLICE_WORK`` (about a second
or two on one core); the error says which grid would fit.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field

from gdviz.engine.nets.landscape import (MAX_GRID, loss_on_plane, pca_plane, project,
                                       random_plane, span_of)
from gdviz.scenarios.numbers import Model

from .jsonsafe import num
from .models import MAX_RUNS

MIN_GRID = 5
MAX_SLICE_WORK = 3e9  # grid² × training points × weights (multiply-adds, roughly)


class SliceRequest(Model):
    model_config = ConfigDict(extra="forbid")

    type: Literal["slice"]
    run: int = Field(0, ge=0, lt=MAX_RUNS)
    plane: Literal["random", "pca"] = "random"
    grid: int = Field(33, ge=MIN_GRID, le=MAX_GRID, description="points per axis")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="seed of the random directions")


def check_work(net, grid: int) -> str | None:
    """None if a grid² slice of ``net`` is within bounds, else the message saying why."""
    per_sample = getattr(net, "work_per_sample", net.dim)  # multiply-adds per sample
    per_point = net.data.n_train * per_sample
    if grid * grid * per_point <= MAX_SLICE_WORK:
        return None
    fits = max(MIN_GRID, int(math.isqrt(int(MAX_SLICE_WORK // per_point))))
    what = (f"{net.dim} weights" if per_sample == net.dim else
            f"{per_sample:,} multiply-adds per image")
    return (f"grid: {grid}² points × {net.data.n_train} training points × {what} "
            f"is more work than a slice may take; use at most {fits} points per axis for "
            "this network")


def compute_slice(net, req: SliceRequest, step: int, centre: np.ndarray, path_steps: np.ndarray,
                  path_points: np.ndarray) -> dict:
    """The reply: loss over the (α, β) grid, the path's projection, the plane's kind."""
    if req.plane == "pca":
        plane = pca_plane(path_points, centre)
    else:
        plane = random_plane(net, centre, req.seed)
    coords, _ = project(plane, path_points)
    lo, hi = span_of(coords)
    axis = np.linspace(lo, hi, req.grid)
    loss = loss_on_plane(net, plane, axis, axis)
    out = {"type": "slice", "run": req.run, "step": int(step), "plane": req.plane,
           "alpha": [float(v) for v in axis], "beta": [float(v) for v in axis],
           "loss": [[num(v) for v in row] for row in loss],
           "path": {"alpha": [num(v) for v in coords[:, 0]], "beta": [num(v) for v in coords[:, 1]],
                    "step": [int(s) for s in path_steps]}}
    if plane.explained is not None:
        out["explained"] = [float(v) for v in plane.explained]
    return out
