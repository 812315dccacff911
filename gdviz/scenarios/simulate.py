"""Running a Scenario on the engine: one Batch per run, frames as JSON-safe dicts.

Frames follow the API contract: ``{step, params, loss, grad, update, lr}``,
frame 0 the start before any update, non-finite numbers as ``None``; a kind with
``frame_fields`` (a model: accuracy, test loss, per-layer gradient norms, epoch, …)
adds them, and one with the ``diagnosis`` capability each run's final ``diagnosis``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from gdviz.engine.explain import explain, stall_of
from gdviz.engine.nets.diagnose import RunWatch
from gdviz.engine.optimizers import OPTIMIZERS, hyper_arrays
from gdviz.engine.history import go_on
from gdviz.engine.runs import Batch, Status, Trajectory, run_to_end

from .jsonsafe import num, nums, vec, vecs
from .kinds import ObjectiveKind, kind_of
from .models import Scenario
from .objectives import dimension, objective_for_run, objective_of, start_of
from .step_terms import terms_json

MAX_RUN_NUMBERS = 4_000_000  # runs × (steps + 1) × weights × 3 in one whole result: ~80 MB of JSON
FRAME_VECTORS = 3  # each frame of a whole result carries params, grad and update


class TooLarge(ValueError):
    """A whole result of the scenario would carry more than MAX_RUN_NUMBERS numbers."""


def result_size(scenario: Scenario) -> int:
    """runs × (steps + 1) × weights × 3: the numbers every frame's vectors (params, grad,
    update) add up to."""
    return len(scenario.runs) * (scenario.steps + 1) * dimension(scenario) * FRAME_VECTORS


def check_result_size(scenario: Scenario, what: str) -> None:
    """Refuse a whole result (``what``: "/api/run", "an export") over the bound, with a
    message naming the numbers and the most steps that fit."""
    numbers, dim, runs = result_size(scenario), dimension(scenario), len(scenario.runs)
    if numbers > MAX_RUN_NUMBERS:
        most = MAX_RUN_NUMBERS // (runs * dim * FRAME_VECTORS) - 1
        hint = (f"use at most {most:,} steps for {runs} run(s)" if most >= 1
                else "use fewer runs or a smaller network")
        raise TooLarge(f"steps: {runs} run(s) × {scenario.steps + 1:,} frames × {dim:,} weights "
                       f"× {FRAME_VECTORS} (params, grad, update) = {numbers:,} numbers, over "
                       f"the limit of {MAX_RUN_NUMBERS:,} for {what}; {hint}, or stream it "
                       "over WS /ws/run")

__all__ = ["num", "vec", "batch_for_run", "batches", "frame_dict", "simulate"]


class CannotBranch(ValueError):
    """A branch's parent ended before the branch's step, or diverged there."""


def batch_for_run(scenario: Scenario, index: int) -> Batch:
    """Run ``index`` of the scenario as a one-run Batch; its noise is seeded by
    (scenario seed, run index) so every run is reproducible on its own. A branch
    (``branch_of``, ``branch_at``) is its parent run to ``branch_at`` and set to go on
    with its own hyperparameters and schedule (at that step, not at 0)."""
    spec = scenario.runs[index]
    if spec.branch_of is not None:
        return branch_for_run(scenario, index, batch_for_run(scenario, spec.branch_of))
    return Batch(objective_for_run(scenario, index), OPTIMIZERS[spec.optimizer],
                 hyper_arrays([spec.hyper()]), start_of(scenario, index)[None, :],
                 scenario.steps, schedule=spec.schedule_spec(), clip_norm=spec.clip_norm,
                 noise=spec.noise,
                 seed=np.random.SeedSequence([scenario.seed, index]).generate_state(1)[0])


def branch_for_run(scenario: Scenario, index: int, parent: Batch, progress=None) -> Batch:
    """Branch run ``index`` from ``parent`` (its parent's batch, at or before the branch's
    step; advanced there): ``engine.history.go_on`` with the run's hyperparameters and
    schedule — what the stream's ``branch`` message does to the parent's state."""
    spec = scenario.runs[index]
    while parent.step < spec.branch_at and not parent.done:
        parent.advance()
        if progress is not None:
            progress(1)
    if parent.step != spec.branch_at:
        raise CannotBranch(f"runs.{index}.branch_at: run {spec.branch_of} ended at step "
                           f"{parent.step} ({Status(int(parent.status[0])).label}), before "
                           f"step {spec.branch_at}; branch from an earlier step")
    try:
        return go_on(parent, spec.hyper(), spec.schedule_spec())
    except ValueError as e:
        raise CannotBranch(f"runs.{index}.branch_at: {e}") from None


def batches(scenario: Scenario) -> list[Batch]:
    return [batch_for_run(scenario, i) for i in range(len(scenario.runs))]


def frame_dict(step, params, loss, grad, update, lr) -> dict:
    """One frame as the API sends it (non-finite numbers as None)."""
    return _frame(int(step), vec(params), num(loss), vec(grad), vec(update), num(lr))


def frame_dicts(params, loss, grad, update, lr) -> list[dict]:
    """``frame_dict`` of frames 0, 1, … from whole columns ((S, P) and (S,) arrays) at once."""
    return list(map(_frame, range(len(loss)), vecs(params), nums(loss), vecs(grad),
                    vecs(update), nums(lr)))


def _frame(step: int, params, loss, grad, update, lr) -> dict:
    return {"step": step, "params": params, "loss": loss, "grad": grad, "update": update,
            "lr": lr}


def run_result(batch: Batch, traj, kind: ObjectiveKind) -> dict:
    """One run's ``{status, stall, reason, frames}`` (+ the kind's frame fields and
    ``diagnosis``; + each frame's ``opt`` when the trajectory kept its step terms);
    ``stall`` says where a ``stalled`` run stopped (saddle, plateau, start), else None."""
    end = int(traj.end_step[0])
    n = end + 1
    frames = frame_dicts(traj.params[:n, 0], traj.loss[:n, 0], traj.grad[:n, 0],
                         traj.update[:n, 0], traj.lr[:n, 0])
    if traj.terms is not None:
        for f, terms in zip(frames, traj.terms):
            if terms is not None:
                f["opt"] = terms_json(terms)
    status = Status(int(traj.status[0])).label
    result = {"status": status, "stall": stall_of(batch, 0), "reason": explain(batch, 0),
              "frames": frames}
    if kind.frame_fields is not None:
        extra = kind.frame_fields(batch.objective, np.arange(end + 1), traj.params[:end + 1, 0],
                                  traj.grad[:end + 1, 0], traj.update[:end + 1, 0])
        for f, e in zip(frames, extra):
            f.update(e)
    if kind.weight_fields is not None:  # every frame of a whole result carries the weights
        for f, e in zip(frames, kind.weight_fields(batch.objective, traj.params[:end + 1, 0])):
            f.update(e)
    if kind.capabilities.diagnosis:
        watch = RunWatch(batch.objective)
        for f in frames:
            watch.observe(f["step"], traj.loss[f["step"], 0], f["rel_update"], f["grad_norm"],
                          f.get("grad_norms"))
        result["diagnosis"] = {"step": end, "findings": [d.as_dict() for d in watch.findings(
            traj.params[end, 0], traj.grad[end, 0], status=status,
            lr=float(traj.lr[end, 0]))]}
    return result


def simulate(scenario: Scenario, progress=None, terms: bool = False) -> list[dict]:
    """Run every run of the scenario to its end: ``[{status, stall, reason, frames}]``.
    ``progress(n)`` (optional) hears of every step, ``len(runs) × steps`` in all; with
    ``terms`` every frame also carries ``opt``, its next update term by term (as the
    stream sends it on 2 weights; docs/protocol.md). A branch's frames before its step
    are its parent's (``frames[k]`` is after k updates for every run); CannotBranch if a
    parent ends before its branch's step."""
    return list(results(scenario, progress, terms))


def results(scenario: Scenario, progress=None, terms: bool = False) -> Iterator[dict]:
    """``simulate``'s runs one at a time (a caller serialising them keeps one run's frames
    as Python objects at a time)."""
    kind = kind_of(scenario)
    for i in range(len(scenario.runs)):
        batch, traj = _trajectory(scenario, i, progress, terms)
        yield run_result(batch, traj, kind)


def _trajectory(scenario: Scenario, index: int, progress, terms: bool,
                until: int | None = None) -> tuple[Batch, Trajectory]:
    """Run ``index`` from step 0 to its end (or to step ``until``), every frame recorded;
    a branch's first frames are its parent's, recorded on the way to the branch."""
    spec = scenario.runs[index]
    if spec.branch_of is None:
        b = batch_for_run(scenario, index)
        return b, run_to_end(b, progress, terms, until)
    parent, before = _trajectory(scenario, spec.branch_of, progress, terms, spec.branch_at)
    b = branch_for_run(scenario, index, parent)
    return b, _joined(before, run_to_end(b, progress, terms, until))


def _joined(before: Trajectory, after: Trajectory) -> Trajectory:
    """``before``'s frames up to (not with) its last, then ``after``'s (which starts there:
    its first frame's update is the branch's)."""
    cut = len(before.params) - 1
    join = lambda a, b: np.concatenate([a[:cut], b])  # noqa: E731
    return Trajectory(join(before.params, after.params), join(before.loss, after.loss),
                      join(before.grad, after.grad), join(before.update, after.update),
                      join(before.lr, after.lr), after.status, after.end_step,
                      None if after.terms is None else before.terms[:cut] + after.terms)
