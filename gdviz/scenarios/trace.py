"""``POST /api/trace``: one training point's forward and backward pass, as JSON (issue 15's
contract, docs/models.md "One point's backprop").

The request names a model scenario, the weights (default: run ``run``'s start, as the
stream starts it) and a training point; the answer is the kind's own trace (the registry
entry's ``trace``: a CNN's per-layer maps, gradients and the pool's routing mask) and the
step's mini-batch (``batch``): which points it holds and its gradient, as the engine
computes it — the mean of its points' gradients.
"""

from __future__ import annotations

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from gdviz.engine.nets.datasets import MAX_POINTS

from .jsonsafe import num, vec
from .kinds import KINDS, kind_of
from .models import MAX_RUNS, MAX_STEPS, MAX_WEIGHTS, Coordinate, Scenario
from .numbers import Model
from .objectives import objective_of, start_of


def traced_kinds() -> str:
    return " or ".join(k.id for k in KINDS.values() if k.trace is not None)


class TraceRequest(Model):
    """A model scenario, the weights and the training point to trace."""

    model_config = ConfigDict(extra="forbid")

    scenario: Scenario = Field(description="a scenario with a `model` (docs/models.md)")
    params: list[Coordinate] | None = Field(
        None, min_length=2, max_length=MAX_WEIGHTS,
        description="the flat weights (POST /api/model's `layers` order); default: run "
                    "`run`'s start")
    sample: int = Field(ge=0, lt=MAX_POINTS, description="index into the training points")
    run: int = Field(0, ge=0, lt=MAX_RUNS, description="whose start is the default `params`")
    step: int = Field(0, ge=0, le=MAX_STEPS,
                      description="the step whose mini-batch `batch` describes")

    @model_validator(mode="after")
    def _fits_the_model(self) -> "TraceRequest":
        kind = kind_of(self.scenario)
        if kind.trace is None:
            raise ValueError(f"scenario: a trace is for model kind {traced_kinds()}; "
                             f"{kind.title} has none")
        if self.run >= len(self.scenario.runs):
            raise ValueError(f"run: {self.run} does not exist (the scenario has "
                             f"{len(self.scenario.runs)} run(s))")
        model = objective_of(self.scenario)
        if self.params is not None and len(self.params) != model.dim:
            raise ValueError(f"params: this model has {model.dim} weights; give {model.dim} "
                             "numbers, or leave params out for the run's start")
        n = model.data.n_train
        if self.sample >= n:
            raise ValueError(f"sample: the training set has {n} points; give 0 … {n - 1}")
        return self


def _batch(model, params: np.ndarray, step: int, sample: int) -> dict:
    """The step's mini-batch: its points, size, mean loss and the engine's gradient."""
    pos = model.position(step)
    idx = model.batch_indices(step)
    with np.errstate(all="ignore"):
        loss, grad = model.loss_and_grad(params[None, :], step=step)
        batch_loss = model._loss_on(params[None, :], model.data.x_train[idx],
                                    model._t_train[idx])[0]
    return {"step": step, "epoch": pos.epoch, "index": pos.batch,
            "batches_per_epoch": pos.batches_per_epoch, "size": int(len(idx)),
            "indices": [int(i) for i in np.sort(idx)],
            "includes_sample": bool((idx == sample).any()),
            "loss": num(batch_loss), "grad": vec(grad[0])}


def trace_json(request: TraceRequest) -> dict:
    """``POST /api/trace``'s answer; non-finite numbers are null."""
    sc = request.scenario
    model = objective_of(sc)
    params = (np.asarray(request.params, float) if request.params is not None
              else start_of(sc, request.run))
    return {**kind_of(sc).trace(model, params, request.sample),
            "batch": _batch(model, params, request.step, request.sample)}
