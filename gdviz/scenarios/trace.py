"""``POST /api/trace``: one training point's forward and backward pass, as JSON.

The request names a model scenario, the weights (default: run ``run``'s start, as the
stream starts it) and a training point; the answer is ``engine.nets.trace`` for that
point — per layer, first to last: ``z``, ``a``, ``delta`` = ∂ℓ/∂z, ``grad_W`` (shaped
as the layer's W in ``POST /api/model``'s ``layers``: (n_in, n_out)) and ``grad_b``
(null for a layer without one) — and the step's mini-batch (``step``): which points it
holds and its gradient, the mean of their ℓ gradients, as the engine computes it. See
docs/models.md, "One point's backprop".
"""

from __future__ import annotations

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from gdviz.engine.nets.datasets import MAX_POINTS
from gdviz.engine.nets.linear import LinReg2
from gdviz.engine.nets.network import Network
from gdviz.engine.nets.trace import Trace, n_points, trace

from .jsonsafe import num, vec
from .kinds import KINDS, kind_of
from .models import MAX_RUNS, MAX_STEPS, MAX_WEIGHTS, Coordinate, Scenario
from .numbers import Model
from .objectives import objective_of, start_of


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
                      description="the step whose mini-batch `batch` describes (a full-batch "
                                  "model: every step's batch is all the points)")

    @model_validator(mode="after")
    def _fits_the_model(self) -> "TraceRequest":
        kind = kind_of(self.scenario)
        if not (kind.capabilities.trace or kind.trace_json):
            traced = [k.id for k in KINDS.values() if k.capabilities.trace or k.trace_json]
            raise ValueError(f"scenario: give a model scenario (model kind "
                             f"{', '.join(traced[:-1])} or {traced[-1]}); a surface has no "
                             "training points to trace")
        if self.run >= len(self.scenario.runs):
            raise ValueError(f"run: {self.run} does not exist (the scenario has "
                             f"{len(self.scenario.runs)} run(s))")
        model = objective_of(self.scenario)
        dim = model.dim
        if self.params is not None and len(self.params) != dim:
            raise ValueError(f"params: this model has {dim} weights; give {dim} numbers, "
                             "or leave params out for the run's start")
        n = n_points(model) if kind.capabilities.trace else model.data.n_train
        if self.sample >= n:
            raise ValueError(f"sample: the training set has {n} points; give 0 … {n - 1}")
        return self


def _matrix(a) -> list[list[float | None]]:
    return [vec(row) for row in np.asarray(a, float)]


def _layer_json(layer, i: int = 0) -> dict:
    return {"name": layer.name, "kind": layer.kind,
            "z": vec(layer.z[i]), "a": vec(layer.a[i]), "grad_a": vec(layer.grad_a[i]),
            "delta": vec(layer.delta[i]),
            "grad_W": None if layer.grad_w is None else _matrix(layer.grad_w[i]),
            "grad_b": None if layer.grad_b is None else vec(layer.grad_b[i])}


def _batch(model, params: np.ndarray, step: int, sample: int, grad=None) -> dict:
    """The step's mini-batch: its points, size, mean loss and the engine's gradient
    (``grad``, when the caller has it already: the frame's)."""
    if isinstance(model, Network):
        pos = model.position(step)
        idx = model.batch_indices(step)
        where = {"epoch": pos.epoch, "index": pos.batch, "batches_per_epoch": pos.batches_per_epoch}
        with np.errstate(all="ignore"):
            batch_loss = model.loss_on(params[None, :], idx)[0]
            if grad is None:
                grad = model.loss_and_grad(params[None, :], step=step)[1][0]
    else:
        idx = np.arange(n_points(model))
        where = {"epoch": step, "index": 0, "batches_per_epoch": 1}
        with np.errstate(all="ignore"):
            batch_loss, full = model.loss_and_grad(params[None, :])
        batch_loss = batch_loss[0]
        if grad is None:
            grad = full[0]
    return {"step": step, **where, "size": int(len(idx)),
            "indices": [int(i) for i in np.sort(idx)],
            "includes_sample": bool((idx == sample).any()),
            "loss": num(batch_loss), "grad": vec(grad)}


def point_trace(model, params: np.ndarray, sample: int, step: int = 0, grad=None,
                kind=None) -> dict:
    """One point's trace at ``params`` with step ``step``'s batch, as ``POST /api/trace``
    answers it; ``grad``: that step's gradient if known (a frame's), else computed. A
    ``kind`` with its own ``trace_json`` (a CNN: maps and routing masks) answers for itself."""
    if kind is not None and kind.trace_json is not None:
        return {**kind.trace_json(model, params, sample),
                "batch": _batch(model, params, step, sample, grad)}
    t: Trace = trace(model, params, [sample])
    label = t.label[0]
    return {
        "sample": sample, "x": vec(t.x[0]),
        "label": num(label) if isinstance(model, LinReg2) else int(label),
        "head": t.head, "loss": num(t.loss[0]), "logits": vec(t.logits[0]),
        "probs": None if t.probs is None else vec(t.probs[0]), "target": vec(t.target[0]),
        "layers": [_layer_json(layer) for layer in t.layers],
        "batch": _batch(model, params, step, sample, grad),
    }


def trace_json(request: TraceRequest) -> dict:
    """``POST /api/trace``'s answer (docs/models.md); non-finite numbers are null."""
    sc = request.scenario
    params = (np.asarray(request.params, float) if request.params is not None
              else start_of(sc, request.run))
    return point_trace(objective_of(sc), params, request.sample, request.step,
                       kind=kind_of(sc))
