"""Running a Scenario on the engine: one Batch per run, frames as JSON-safe dicts.

Frames follow the API contract: ``{step, params, loss, grad, update, lr}``,
frame 0 the start before any update, non-finite numbers as ``None``.
"""

from __future__ import annotations

import math

import numpy as np

from app.engine.explain import explain
from app.engine.optimizers import OPTIMIZERS, hyper_arrays
from app.engine.runs import Batch, Status, run_to_end
from app.engine.surfaces import SURFACES

from .models import Scenario


def num(v) -> float | None:
    """A float for JSON: None where not finite."""
    v = float(v)
    return v if math.isfinite(v) else None


def vec(a) -> list[float | None] | None:
    """A vector for JSON: non-finite entries None; None if absent or all NaN."""
    if a is None:
        return None
    values = np.asarray(a, dtype=float).tolist()
    if all(v != v for v in values):
        return None
    return [v if math.isfinite(v) else None for v in values]


def batch_for_run(scenario: Scenario, index: int) -> Batch:
    """Run ``index`` of the scenario as a one-run Batch; its noise is seeded by
    (scenario seed, run index) so every run is reproducible on its own."""
    spec, start = scenario.runs[index], scenario.starts()[index]
    return Batch(SURFACES[scenario.surface], OPTIMIZERS[spec.optimizer],
                 hyper_arrays([spec.hyper()]), np.array([start], dtype=float), scenario.steps,
                 schedule=spec.schedule_spec(), clip_norm=spec.clip_norm, noise=spec.noise,
                 seed=np.random.SeedSequence([scenario.seed, index]).generate_state(1)[0])


def batches(scenario: Scenario) -> list[Batch]:
    return [batch_for_run(scenario, i) for i in range(len(scenario.runs))]


def frame_dict(step, params, loss, grad, update, lr) -> dict:
    """One frame as the API sends it (non-finite numbers as None)."""
    return {"step": int(step), "params": vec(params), "loss": num(loss), "grad": vec(grad),
            "update": vec(update), "lr": num(lr)}


def frame(batch: Batch, row: int, update) -> dict:
    """The current state of run ``row`` of a batch as a frame."""
    step = batch.step if batch.end_step[row] < 0 else batch.end_step[row]
    return frame_dict(step, batch.params[row], batch.loss[row], batch.grad[row], update,
                      batch.lr_now()[row])


def simulate(scenario: Scenario) -> list[dict]:
    """Run every run of the scenario to its end: ``[{status, reason, frames}]``."""
    out = []
    for b in batches(scenario):
        traj = run_to_end(b)
        end = int(traj.end_step[0])
        frames = [frame_dict(k, traj.params[k, 0], traj.loss[k, 0], traj.grad[k, 0],
                             traj.update[k, 0], traj.lr[k, 0]) for k in range(end + 1)]
        out.append({"status": Status(int(traj.status[0])).label, "reason": explain(b, 0),
                    "frames": frames})
    return out
