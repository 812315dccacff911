"""Learning-rate sweeps and basin-of-attraction maps: requests and their results.

Each request is one vectorised engine call (see app/engine/landscape.py);
these models bound the work: at most ``MAX_SWEEP_POINTS`` learning rates and
a ``MAX_BASIN_GRID``² grid of starts, each for at most ``MAX_LANDSCAPE_STEPS``.
"""

from __future__ import annotations

from typing import Annotated, Iterator

import numpy as np
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator,
                      model_validator)

from app.engine import landscape
from app.engine.optimizers import OPTIMIZERS
from app.engine.runs import Status
from app.engine.surfaces import SURFACES

from .models import MAX_COORD, RunSpec, SurfaceId
from .simulate import num

MAX_SWEEP_POINTS = 400
MAX_BASIN_GRID = 256
MAX_LANDSCAPE_STEPS = 5000

Lr = Annotated[float, Field(ge=1e-8, le=1e6, allow_inf_nan=False)]
Coord = Annotated[float, Field(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LrRange(_Strict):
    """Log-spaced learning rates from ``min`` to ``max``."""

    min: Lr
    max: Lr
    count: int = Field(50, ge=2, le=MAX_SWEEP_POINTS)

    @model_validator(mode="after")
    def _ordered(self) -> "LrRange":
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be smaller than max ({self.max})")
        return self

    def values(self) -> np.ndarray:
        return np.geomspace(self.min, self.max, self.count)


class _Landscape(_Strict):
    surface: SurfaceId = "bowl"
    run: RunSpec = Field(default_factory=RunSpec)
    steps: int = Field(500, ge=1, le=MAX_LANDSCAPE_STEPS)
    seed: int = Field(0, ge=0, le=2**32 - 1)

class SweepRequest(_Landscape):
    lrs: Annotated[
        Annotated[LrRange, Tag("range")]
        | Annotated[list[Lr], Field(min_length=1, max_length=MAX_SWEEP_POINTS), Tag("list")],
        Discriminator(lambda v: "list" if isinstance(v, list) else "range")] = Field(
        default_factory=lambda: LrRange(min=1e-3, max=10, count=50),
        description="{min, max, count} log-spaced, or an explicit list")

    def lr_values(self) -> np.ndarray:
        return self.lrs.values() if isinstance(self.lrs, LrRange) else np.asarray(self.lrs, float)


class BasinGrid(_Strict):
    n: int = Field(64, ge=2, le=MAX_BASIN_GRID, description="starts per axis")
    box: tuple[tuple[Coord, Coord], tuple[Coord, Coord]] | None = Field(
        None, description="[[xmin, xmax], [ymin, ymax]]; default: the surface's domain")

    @field_validator("box")
    @classmethod
    def _ordered(cls, v):
        if v is not None and not (v[0][0] < v[0][1] and v[1][0] < v[1][1]):
            raise ValueError("each range must be [min, max] with min < max")
        return v


class BasinRequest(_Landscape):
    grid: BasinGrid = Field(default_factory=BasinGrid)
    surface: SurfaceId = "himmelblau"


def _options(req: _Landscape) -> dict:
    r = req.run
    return {"schedule": r.schedule_spec(), "clip_norm": r.clip_norm, "noise": r.noise,
            "seed": req.seed}


def _start(req: _Landscape):
    return req.run.start if req.run.start is not None else SURFACES[req.surface].start


def sweep_job(req: SweepRequest) -> Iterator[float | dict]:
    """Yields progress fractions, then the response dict."""
    lrs = req.lr_values()
    s = SURFACES[req.surface]
    batch = landscape.sweep_batch(s, OPTIMIZERS[req.run.optimizer], req.run.hyper(), _start(req),
                                  lrs, req.steps, **_options(req))
    yield from landscape.run_in_chunks(batch)
    r = landscape.sweep_result(batch, lrs, _start(req))
    yield {"points": [{"lr": float(lr), "status": Status(int(st)).label, "final_loss": num(fl),
                       "steps_to_converge": int(k) if k >= 0 else None}
                      for lr, st, fl, k in zip(r.lrs, r.status, r.final_loss,
                                               r.steps_to_converge)],
           "bound": None if r.bound is None else num(r.bound),
           "minimum": None if r.minimum is None else [float(v) for v in r.minimum]}


def basins_job(req: BasinRequest) -> Iterator[float | dict]:
    s = SURFACES[req.surface]
    xs, ys, starts = landscape.grid_starts(req.grid.n, req.grid.box or s.domain)
    batch = landscape.basin_batch(s, OPTIMIZERS[req.run.optimizer], req.run.hyper(), starts,
                                  req.steps, **_options(req))
    yield from landscape.run_in_chunks(batch)
    r = landscape.basin_labels(batch, xs, ys, s.minima_array())
    yield {"x": [float(v) for v in r.xs], "y": [float(v) for v in r.ys],
           "labels": r.labels.tolist(), "minima": [[float(a), float(b)] for a, b in r.minima],
           "known_minima": len(s.minima)}


def finish(job: Iterator[float | dict]) -> dict:
    """Run a job to its end and return its result (no progress reporting)."""
    for item in job:
        if isinstance(item, dict):
            return item
    raise RuntimeError("job ended without a result")
