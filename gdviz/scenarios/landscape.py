"""Learning-rate sweeps and basin-of-attraction maps: requests and their results.

Each request is one vectorised engine call (see gdviz/engine/landscape.py and
gdviz/engine/scatter.py); these models bound the work: at most
``MAX_SWEEP_POINTS`` learning rates, a ``MAX_BASIN_GRID``² grid of starts or
``MAX_SCATTER`` random starts, each for at most ``MAX_LANDSCAPE_STEPS``, and a
basin map's grid² × steps at most ``MAX_BASIN_WORK`` run-steps (a worst case
of about a minute on one core, with progress and cancel over WS /ws/landscape).
"""

from __future__ import annotations

from typing import Annotated, Iterator

import numpy as np
from pydantic import (AfterValidator, ConfigDict, Discriminator, Field, Tag,
                      model_validator)

from gdviz.engine import landscape, scatter, stability
from gdviz.engine.optimizers import LR_MAX, LR_MIN, OPTIMIZERS
from gdviz.engine.runs import Status
from gdviz.scenarios.numbers import Model
from gdviz.validation import register_union_tags

from .kinds import kind_of, model_spec_union
from .models import MAX_COORD, Domain, ExprText, RunSpec, SurfaceId, check_objective
from .objectives import objective_of
from .simulate import num, vec

MAX_SWEEP_POINTS = 400
MAX_BASIN_GRID = 256
MAX_LANDSCAPE_STEPS = 5000
MAX_BASIN_WORK = 256 * 256 * 2000  # grid.n² × steps, e.g. 256² × 2,000 or 128² × 5,000
MAX_SCATTER = 64
SCATTER_PATH_POINTS = 200

Lr = Annotated[float, Field(ge=LR_MIN, le=LR_MAX, allow_inf_nan=False)]
Coord = Annotated[float, Field(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]


def _ordered_box(v):
    if not (v[0][0] < v[0][1] and v[1][0] < v[1][1]):
        raise ValueError("each range must be [min, max] with min < max")
    return v


Box = Annotated[tuple[tuple[Coord, Coord], tuple[Coord, Coord]], AfterValidator(_ordered_box)]


class _Strict(Model):
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


def _takes_lr_tools(kind) -> bool:
    return kind.capabilities.weights == "plane" or kind.capabilities.lr_tools


TwoWeightModel = model_spec_union(_takes_lr_tools)
"""A model the landscape tools take: a loss over a plane of two weights — or, for the η
sweep alone, a curve f(x) (``lr_tools``); basin maps and scattered starts need a plane."""


class _Landscape(_Strict):
    surface: SurfaceId = "bowl"
    expr: ExprText | None = Field(
        None, description="instead of a surface: a custom f(x, y) (docs/expressions.md)")
    domain: Domain | None = Field(
        None, description="with expr: its x/y range (default [[-3, 3], [-3, 3]])")
    model: TwoWeightModel | None = Field(
        None, description="instead of a surface: a 2-weight model (linreg2, logreg2, …) or, "
                          "for a sweep, a curve f(x) (f1d)")
    run: RunSpec = Field(default_factory=RunSpec)
    steps: int = Field(500, ge=1, le=MAX_LANDSCAPE_STEPS)
    seed: int = Field(0, ge=0, le=2**32 - 1)

    def objective(self):
        """The surface — a custom f(x, y), or the 2-weight model's loss over (w1, w2) — the
        job runs on."""
        return objective_of(self)

    @model_validator(mode="after")
    def _surface_run(self):
        check_objective(self)
        want = kind_of(self).capabilities.max_weights  # a plane: 2, a curve: 1
        if self.run.start is not None and len(self.run.start) != want:
            raise ValueError(f"run.start: give {'two numbers [x, y]' if want == 2 else 'one number [x]'}"
                             f", got {len(self.run.start)}")
        if self.run.init is not None:
            raise ValueError("run.init: only a network has an initialisation; leave it out")
        return self

class SweepRequest(_Landscape):
    lrs: Annotated[
        Annotated[LrRange, Tag("range")]
        | Annotated[list[Lr], Field(min_length=1, max_length=MAX_SWEEP_POINTS), Tag("list")],
        Discriminator(lambda v: "list" if isinstance(v, list) else "range")] = Field(
        default_factory=lambda: LrRange(min=1e-3, max=10, count=50),
        description="{min, max, count} log-spaced, or an explicit list")

    def lr_values(self) -> np.ndarray:
        return self.lrs.values() if isinstance(self.lrs, LrRange) else np.asarray(self.lrs, float)


class _Plane(_Landscape):
    """A job over starts spread on a plane (basins, scattered starts): not for a curve."""

    @model_validator(mode="after")
    def _a_plane(self):
        if kind_of(self).capabilities.weights != "plane":
            raise ValueError(f"model: {self.model.kind} has one weight x; basin maps and "
                             "scattered starts need two (a surface or a 2-weight model)")
        return self


class BasinGrid(_Strict):
    n: int = Field(64, ge=2, le=MAX_BASIN_GRID, description="starts per axis")
    box: Box | None = Field(
        None, description="[[xmin, xmax], [ymin, ymax]]; default: the surface's domain")


class BasinRequest(_Plane):
    grid: BasinGrid = Field(default_factory=BasinGrid)
    surface: SurfaceId = "himmelblau"

    @model_validator(mode="after")
    def _bounded_work(self) -> "BasinRequest":
        work = self.grid.n ** 2 * self.steps
        if work > MAX_BASIN_WORK:
            raise ValueError(
                f"grid.n² × steps must be at most {MAX_BASIN_WORK:,} run-steps "
                f"(e.g. 256² × 2,000 or 181² × 4,000); {self.grid.n}² × {self.steps:,} "
                f"= {work:,} — use a smaller grid or fewer steps")
        return self


class ScatterRequest(_Plane):
    surface: SurfaceId = "two_wells"
    n: int = Field(24, ge=1, le=MAX_SCATTER, description="random starts")
    box: Box | None = Field(
        None, description="[[xmin, xmax], [ymin, ymax]]; default: the surface's domain")


def _options(req: _Landscape) -> dict:
    r = req.run
    return {"schedule": r.schedule_spec(), "clip_norm": r.clip_norm, "noise": r.noise,
            "seed": req.seed}


def _start(req: _Landscape):
    start = req.run.start if req.run.start is not None else req.objective().start
    return np.atleast_1d(np.asarray(start, dtype=float))  # a curve's start is x


def sweep_job(req: SweepRequest) -> Iterator[float | dict]:
    """Yields progress fractions, then the response dict."""
    lrs = req.lr_values()
    s = req.objective()
    batch = landscape.sweep_batch(s, OPTIMIZERS[req.run.optimizer], req.run.hyper(), _start(req),
                                  lrs, req.steps, **_options(req))
    yield from landscape.run_in_chunks(batch)
    r = landscape.sweep_result(batch, lrs, _start(req))
    yield {"points": [{"lr": float(lr), "status": Status(int(st)).label, "final_loss": num(fl),
                       "steps_to_converge": int(k) if k >= 0 else None}
                      for lr, st, fl, k in zip(r.lrs, r.status, r.final_loss,
                                               r.steps_to_converge)],
           "bound": None if r.bound is None else num(r.bound),
           "formula": None if r.bound is None else stability.bound_formula(
               req.run.optimizer, req.run.hyper(), "f″" if len(_start(req)) == 1 else "λ_max"),
           "minimum": None if r.minimum is None else [float(v) for v in r.minimum]}


def basins_job(req: BasinRequest) -> Iterator[float | dict]:
    s = req.objective()
    xs, ys, starts = landscape.grid_starts(req.grid.n, req.grid.box or s.domain)
    batch = landscape.basin_batch(s, OPTIMIZERS[req.run.optimizer], req.run.hyper(), starts,
                                  req.steps, **_options(req))
    yield from landscape.run_in_chunks(batch)
    r = landscape.basin_labels(batch, xs, ys, s.minima_array())
    yield {"x": [float(v) for v in r.xs], "y": [float(v) for v in r.ys],
           "labels": r.labels.tolist(), "minima": [[float(a), float(b)] for a, b in r.minima],
           "known_minima": len(s.minima)}


def scatter_job(req: ScatterRequest) -> Iterator[float | dict]:
    """The run from ``n`` seeded random starts: yields progress, then every path
    (thinned), where it ended and a one-sentence summary."""
    s = req.objective()
    starts = scatter.random_starts(req.n, req.box or s.domain, req.seed)
    batch = landscape.basin_batch(s, OPTIMIZERS[req.run.optimizer], req.run.hyper(), starts,
                                  req.steps, **_options(req))
    paths = scatter.PathRecorder(batch)
    yield from landscape.run_in_chunks(batch, on_step=paths.record)
    labels, minima = landscape.label_ends(batch, s.minima_array())
    known = s.minima_array()
    with np.errstate(all="ignore"):
        known_losses = s.loss_and_grad(known)[0] if len(known) else np.zeros(0)
    outcome = scatter.summarise(labels, known_losses, req.steps)
    out = []
    for i in range(req.n):
        p = paths.path(i, int(batch.end_step[i]), SCATTER_PATH_POINTS)
        out.append({"x": vec(p[:, 0]) or [], "y": vec(p[:, 1]) or [],
                    "status": Status(int(batch.status[i])).label, "label": int(labels[i]),
                    "final_loss": num(batch.loss[i]), "end_step": int(batch.end_step[i])})
    yield {"paths": out, "minima": [[float(a), float(b)] for a, b in minima],
           "known_minima": len(s.minima),
           "counts": {str(k): v for k, v in outcome.counts.items()},
           "summary": outcome.summary}


register_union_tags("lrs", ("range", "list"))

JOBS = {"sweep": (SweepRequest, sweep_job), "basins": (BasinRequest, basins_job),
        "scatter": (ScatterRequest, scatter_job)}
"""Each kind of landscape job: its request model and its job generator."""


def finish(job: Iterator[float | dict]) -> dict:
    """Run a job to its end and return its result (no progress reporting)."""
    for item in job:
        if isinstance(item, dict):
            return item
    raise RuntimeError("job ended without a result")
