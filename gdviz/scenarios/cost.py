"""How long a computation will take, estimated from its request before it runs.

Every request the API accepts must answer within a stated time (README, Limits). Counting
steps is not enough: one step of a 4 × 32 network on 2,048 points costs ~60 steps of a
named surface, one of the largest CNN ~130, and a custom f(x, y) whose derivatives have
thousands of terms several. So each objective has a cost per step, fitted on this project's 2-core
development machine (``bench/step_cost.py``: CPU seconds, one BLAS thread) and
rounded up; a request is refused when its estimate is over the entry point's limit,
with the largest size that fits.

Two regimes, as the engine runs them:

* **whole runs** (``POST /api/run``, exports): one ``Batch`` per run, every frame kept
  and serialised — ``run_step_seconds``;
* **landscapes** (sweeps, basin maps, scatters): one ``Batch`` of many rows —
  ``row_step_seconds`` per row and step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gdviz.engine.expr import ExprSurface
from gdviz.engine.nets.linear import LinReg2, LogReg2

from gdviz.engine.nets.network import Network

# whole runs, per run and step (frames included): fitted on bench/step_cost.py's figures
RUN_STEP = 300e-6  # a named surface (Rosenbrock, Adam: 270–285 µs, most of it the verdicts'
#                    tests of a run near a minimum: Newton, the linear map, docs/status.md)
RUN_STEP_PER_OPERATION = 0.8e-6  # a custom f(x, y): per operation of its value and gradient
RUN_STEP_PER_POINT = 0.04e-6  # a 2-weight model: per data point
NET_STEP = 1000e-6  # a network (MLP, CNN): a fixed part, and …
NET_STEP_PER_MULTIPLY_ADD = 2.4e-9  # … per multiply-add of its forward pass × data point
#                                     (forward, backward, frame fields: CNNs set the rate)

# landscapes, per row and step
ROW_STEP = 0.36e-6  # a named surface (Himmelblau, Adam: 0.33 µs)
ROW_STEP_PER_OPERATION = 2.5e-9  # a custom f(x, y): per operation
ROW_STEP_PER_POINT = 12e-9  # a 2-weight model: per data point


def run_step_seconds(objective) -> float:
    """One step of one whole run (its frame built and serialised)."""
    if isinstance(objective, Network):
        data = objective.data
        return NET_STEP + NET_STEP_PER_MULTIPLY_ADD * objective.work_per_sample * (
            data.n_train + data.n_test)
    return _step(objective, RUN_STEP, RUN_STEP_PER_OPERATION, RUN_STEP_PER_POINT)


def row_step_seconds(objective) -> float:
    """One step of one row of a landscape batch."""
    return _step(objective, ROW_STEP, ROW_STEP_PER_OPERATION, ROW_STEP_PER_POINT)


def _step(objective, base: float, per_operation: float, per_point: float) -> float:
    """A 2-weight objective's step: a named surface's, plus a custom f(x, y)'s operations
    or a model's data points."""
    if isinstance(objective, ExprSurface):
        return base + per_operation * objective.value_and_grad.size
    if isinstance(objective, (LinReg2, LogReg2)):
        return base + per_point * _points(objective)
    return base


def _points(model) -> int:
    data = model.data
    return len(data.y) if isinstance(model, LinReg2) else len(data.y_train)


def seconds_text(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def most_steps(limit: float, per_step: float, rows: int) -> int:
    """The most steps of ``rows`` runs or rows that fit in ``limit`` seconds."""
    return max(0, int(limit / (per_step * rows)))


def largest_grid(limit: float, per_row_step: float, steps: int) -> int:
    """The largest n with n² rows × ``steps`` within ``limit`` seconds."""
    return max(0, math.isqrt(int(limit / (per_row_step * steps))))


# -- the limits, and the checks the entry points make ------------------------------------

REST_SECONDS = 8.0  # a REST answer (POST /api/run, the landscapes, exports): computing time
STREAMED_SECONDS = 120.0  # a WS /ws/landscape job, which reports progress and can be cancelled


OVERRUN = 2.0  # a job still computing at this × its entry point's limit is stopped


class TooSlow(ValueError):
    """The request would take longer than its entry point allows; the message says how
    long and what would fit."""


@dataclass(frozen=True)
class Allowance:
    """The computing a job was admitted with. The estimate is a cost per step of the
    objective, but a step's cost also depends on what the runs do: one near a minimum or
    crawling pays for the verdicts' curvature tests every step (Newton, the linear map),
    up to ~50 × a step that only descends. So the worker holds the job to its entry
    point's limit too: once its computing (CPU seconds) passes ``OVERRUN`` × ``limit`` it
    is stopped with a 422 (``refusal``) — the answer never comes later than that."""

    limit: float     # seconds the entry point answers within
    estimate: float  # seconds the request was estimated at
    where: str       # the entry point, e.g. "POST /api/sweep"
    field: str       # the field to make smaller, e.g. "steps", "grid.n"
    hint: str        # what to do instead

    @property
    def stop_after(self) -> float:
        return OVERRUN * self.limit

    def refusal(self, done: float) -> str:
        """The 422's sentence for a job stopped with the fraction ``done`` of its work done."""
        return (f"{self.field}: this computation was stopped after {self.stop_after:g} s of "
                f"computing here, {done:.0%} of the way through — {OVERRUN:g} × the "
                f"{self.limit:g} s {self.where} answers within, though it was estimated at "
                f"about {seconds_text(self.estimate)}: its runs cost more a step than "
                f"estimated (a run near a minimum or crawling pays for the verdicts' "
                f"curvature tests every step); {self.hint}")


def check_run_time(scenario, objective, where: str, limit: float = REST_SECONDS) -> Allowance:
    """Refuse whole runs of ``scenario`` estimated over ``limit`` seconds; else what the
    job is allowed."""
    runs, steps = len(scenario.runs), scenario.steps
    per_step = run_step_seconds(objective)
    seconds = runs * (steps + 1) * per_step
    if seconds <= limit:
        return Allowance(limit, seconds, where, "steps",
                         "use fewer steps or runs, or stream it over WS /ws/run")
    most = most_steps(limit, per_step, runs) - 1
    hint = (f"use at most {most:,} steps for {runs} run(s)" if most >= 1
            else "use fewer runs or a smaller model")
    raise TooSlow(f"steps: {runs} run(s) × {steps:,} steps would take about "
                  f"{seconds_text(seconds)} to compute here ({per_step * 1e3:.2f} ms a step); "
                  f"{where} answers within {limit:g} s — {hint}, or stream it over WS /ws/run")


_ROWS = {"basins": "starts (a smaller grid)", "sweep": "learning rates", "scatter": "starts"}


def check_landscape_time(kind: str, request, where: str, limit: float) -> Allowance:
    """Refuse a sweep, basin map or scatter estimated over ``limit`` seconds; else what
    the job is allowed."""
    per_row_step = row_step_seconds(request.objective())
    steps = request.steps
    if kind == "basins":
        n = request.grid.n
        rows, field, size = n * n, "grid.n", f"{n}² starts"
    elif kind == "sweep":
        rows, field = len(request.lr_values()), "lrs"
        size = f"{rows:,} learning rates"
    else:
        rows, field, size = request.n, "n", f"{request.n:,} starts"
    seconds = rows * steps * per_row_step
    more = ("" if limit >= STREAMED_SECONDS else
            ", or ask WS /ws/landscape, which reports progress and can be cancelled")
    if seconds <= limit:
        return Allowance(limit, seconds, where, field, f"use fewer {_ROWS[kind]} or "
                         f"steps{more}")
    if kind == "basins":
        fits = largest_grid(limit, per_row_step, steps)
        hint = (f"use at most a {fits}² grid for {steps:,} steps" if fits >= 2
                else "use fewer steps")
    else:
        fits = int(limit / (per_row_step * steps))
        hint = f"use at most {fits:,} for {steps:,} steps" if fits >= 1 else "use fewer steps"
    raise TooSlow(f"{field}: {size} × {steps:,} steps would take about "
                  f"{seconds_text(seconds)} to compute here; {where} answers within "
                  f"{limit:g} s — {hint}{more}")
