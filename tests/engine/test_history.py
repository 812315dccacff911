"""A run's history: its exact state at any past step (restore a snapshot, replay with the
edits), bounded snapshots, and branches that are bit for bit "run the parent to step k,
then change the hyperparameter"."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.curves import CURVES
from gdviz.engine.history import MAX_SNAPSHOTS, RunHistory, branch, fork, state_bytes
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status, run_to_end
from gdviz.engine.schedules import Schedule
from gdviz.engine.surfaces import SURFACES


def make(optimizer="momentum", surface="ravine", steps=300, noise=None, schedule=None, **hyper):
    s = SURFACES[surface] if surface in SURFACES else CURVES[surface]
    start = np.array([s.start if np.ndim(s.start) else [s.start]], float)
    return Batch(s, OPTIMIZERS[optimizer], hyper_arrays([{**defaults(optimizer), **hyper}]),
                 start, steps, noise=noise, schedule=schedule, seed=7)


def state(b: Batch) -> dict:
    """Everything that decides a batch's future, as plain arrays."""
    out = {"params": b.params, "loss": b.loss, "grad": b.grad, "step": b.step,
           "status": b.status, "end": b.end_step, "lr": b.lr_now()}
    out.update({f"opt.{k}": np.asarray(v) for k, v in zip(b.opt_state._fields, b.opt_state)})
    out.update({f"hyper.{k}": v for k, v in b.hyper.items()})
    out.update({k: v for k, v in vars(b).items() if k.endswith("_hist")})
    if b.noise is not None:  # the draw the next step adds, and each run's count of draws
        out["noise"] = b.noise.stream.draw(b.step)
        out["noise.count"] = b.chain_state[0].count
    return out


def assert_same(a: Batch, b: Batch):
    sa, sb = state(a), state(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def frames(b: Batch, n: int) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        if b.done:
            break
        b.advance()
        out.append(np.concatenate([b.params[0], b.grad[0], [b.loss[0]]]))
    return out


def test_a_fork_is_independent_and_shares_the_objective():
    b = make()
    f = fork(b)
    assert f.objective is b.objective and f.optimizer is b.optimizer
    f.advance()
    assert b.step == 0 and f.step == 1
    assert not np.shares_memory(f.params, b.params)


@pytest.mark.parametrize("options", [
    dict(optimizer="momentum", lr=0.05, momentum=0.9),
    dict(optimizer="adam", lr=0.05, noise=0.5),
    dict(optimizer="rmsprop", lr=0.01, schedule=Schedule("cosine", T_max=200)),
    dict(optimizer="gd", surface="ripples", lr=0.02, noise=0.3)])
def test_the_state_at_any_past_step_is_exactly_the_live_one(options):
    live = make(**options)
    history = RunHistory.of(live)
    seen = {0: fork(live)}
    edits = {37: {"lr": options["lr"] / 2}, 90: {"lr": options["lr"]}}
    while not live.done and live.step < 250:
        if live.step in edits:
            live.set_hyper(0, edits[live.step])
            history.edit(live.step, edits[live.step])
        seen[live.step] = fork(live)  # as it leaves the step: edits made there applied
        live.advance()
        history.record(live)
    for k in (0, 1, 36, 37, 38, 89, 90, 91, 150, live.step - 1):
        if k < live.step:
            assert_same(history.at(k), seen[k])


def test_snapshots_stay_bounded_and_replays_short():
    b = make(optimizer="gd", surface="bowl", lr=1e-4, steps=10_000)
    history = RunHistory.of(b)
    for _ in range(10_000):
        b.advance()
        history.record(b)
    assert len(history.snapshots) <= history.max_snapshots <= MAX_SNAPSHOTS
    assert history.interval <= 2 * 10_000 / history.max_snapshots
    assert history.first == 0
    gaps = np.diff(sorted(history.snapshots))
    assert gaps.max() <= history.interval


def test_the_budget_sets_how_many_snapshots():
    b = make()
    assert RunHistory.of(b, budget=10 * state_bytes(b)).max_snapshots == 10
    assert RunHistory.of(b, budget=1).max_snapshots == 4  # never fewer than a few


@pytest.mark.parametrize("k", [0, 1, 40, 99])
@pytest.mark.parametrize("optimizer,hyper,changes", [
    ("momentum", {"lr": 0.05, "momentum": 0.9}, {"lr": 0.02}),
    ("momentum", {"lr": 0.05, "momentum": 0.9}, {"momentum": 0.3}),
    ("adam", {"lr": 0.1}, {"betas": [0.5, 0.9], "lr": 0.3}),
    ("nesterov", {"lr": 0.02}, {"weight_decay": 0.1})])
def test_a_branch_is_the_parent_run_to_k_then_changed(k, optimizer, hyper, changes):
    """Bit for bit: a branch from step k with new hyperparameters gives the frames of one
    run taken to step k and then `set`; the parent itself goes on unchanged."""
    reference = make(optimizer, noise=0.2, **hyper)
    for _ in range(k):
        reference.advance()
    reference.set_hyper(0, changes)
    want = frames(reference, 150)

    parent = make(optimizer, noise=0.2, **hyper)
    history = RunHistory.of(parent)
    for _ in range(120):
        parent.advance()
        history.record(parent)
    untouched = fork(parent)
    child = branch(history, k, changes)
    assert child.step == k
    assert_same(parent, untouched)
    got = frames(child, 150)
    assert len(got) == len(want)
    np.testing.assert_array_equal(np.array(got), np.array(want))
    assert child.status[0] == reference.status[0]


def test_a_branch_with_another_schedule():
    cosine = Schedule("cosine", T_max=100)
    reference = make("gd", lr=0.09)
    for _ in range(40):
        reference.advance()
    reference.set_schedule(cosine)
    want = frames(reference, 100)
    parent = make("gd", lr=0.09)
    history = RunHistory.of(parent)
    while not parent.done:
        parent.advance()
        history.record(parent)
    got = frames(branch(history, 40, {}, schedule=cosine), 100)
    np.testing.assert_array_equal(np.array(got), np.array(want))


def test_a_branch_from_the_last_step_of_a_converged_run_goes_on():
    parent = make("gd", surface="quadratic", lr=0.1)
    history = RunHistory.of(parent)
    while not parent.done:
        parent.advance()
        history.record(parent)
    assert parent.status[0] == Status.CONVERGED
    child = branch(history, parent.step, {"lr": 0.9})
    assert not child.done
    child.run()
    assert child.step > parent.step


def test_a_branch_cannot_start_where_the_run_diverged_nor_past_its_end():
    parent = make("gd", surface="bowl", lr=1.1)
    history = RunHistory.of(parent)
    while not parent.done:
        parent.advance()
        history.record(parent)
    assert parent.status[0] == Status.DIVERGED
    with pytest.raises(ValueError, match="diverged"):
        branch(history, parent.step, {"lr": 0.1})
    with pytest.raises(ValueError, match="past this run's end"):
        history.at(parent.step + 5)
    branch(history, 3, {"lr": 0.1}).run()  # before it diverged: fine


def test_run_to_end_of_a_branch_records_from_its_step():
    parent = make("gd", lr=0.09)
    history = RunHistory.of(parent)
    for _ in range(50):
        parent.advance()
        history.record(parent)
    traj = run_to_end(branch(history, 20, {"lr": 0.05}))
    assert traj.params.shape[0] == traj.end_step[0] - 20 + 1
