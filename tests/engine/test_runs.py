"""Runs: known answers on surfaces (converge, oscillate, diverge, local minimum, saddle),
frame bookkeeping, mid-run hyperparameter changes, batching."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.explain import explain
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Stall, Status, run_to_end
from gdviz.engine.surfaces import SURFACES


def make_batch(surface, optimizer, starts, max_steps=5000, hypers=None, **hp):
    """A batch with one hyper dict per start (``hypers``) or the same ``hp`` for all."""
    starts = np.array(starts, dtype=float).reshape(-1, 2)
    if hypers is None:
        hypers = [hp] * len(starts)
    rows = [{**defaults(optimizer), **h} for h in hypers]
    return Batch(SURFACES[surface], OPTIMIZERS[optimizer], hyper_arrays(rows), starts, max_steps)


def status(batch, run=0):
    return Status(int(batch.status[run]))


# --- the bowl: the three regimes of plain GD -------------------------------------------

def test_bowl_lr_0_1_first_step_and_converges():
    b = make_batch("bowl", "gd", [[1, 1]], lr=0.1)
    traj = run_to_end(b)
    assert traj.params[0, 0].tolist() == [1.0, 1.0]
    # θ₁ = θ₀ − 0.1·2θ₀ = 0.8·θ₀
    assert traj.params[1, 0].tolist() == [0.8, 0.8]
    assert status(b) == Status.CONVERGED
    assert np.linalg.norm(b.params[0]) < 1e-6
    assert "global minimum" in explain(b, 0)


def test_bowl_lr_1_oscillates_between_plus_and_minus_one():
    b = make_batch("bowl", "gd", [[1, 1]], lr=1.0)
    traj = run_to_end(b)
    end = int(traj.end_step[0])
    assert end >= 2
    for k in range(end + 1):
        sign = 1.0 if k % 2 == 0 else -1.0
        assert traj.params[k, 0].tolist() == [sign, sign], k
    assert status(b) == Status.OSCILLATING
    assert "Oscillating" in explain(b, 0)


def test_bowl_lr_1_1_diverges_and_names_the_bound():
    b = make_batch("bowl", "gd", [[1, 1]], lr=1.1)
    run_to_end(b)
    assert status(b) == Status.DIVERGED
    reason = explain(b, 0)
    assert "2/λ_max = 1" in reason
    assert "η 1.1 >" in reason


def test_overflow_to_inf_is_diverged_and_says_overflow():
    b = make_batch("bowl", "gd", [[1, 1]], lr=1e300)
    traj = run_to_end(b)
    assert status(b) == Status.DIVERGED
    assert int(b.end_step[0]) == 1
    assert not np.isfinite(traj.loss[1, 0])
    assert "overflow" in explain(b, 0)
    # the update recorded at the last frame of a diverged run is NaN (sent as null)
    assert np.isnan(traj.update[-1, 0]).all()


def test_params_overflow_to_inf_is_diverged():
    # θ₁ = 1e150 − 1e160·2e150 = −2e310: the params themselves overflow (not just the loss)
    b = make_batch("bowl", "gd", [[1e150, 1e150]], lr=1e160)
    run_to_end(b)
    assert status(b) == Status.DIVERGED
    assert int(b.end_step[0]) == 1
    assert not np.isfinite(b.params[0]).all()
    assert "overflow" in explain(b, 0)


def test_start_whose_loss_is_already_inf_is_diverged_at_step_0():
    b = make_batch("bowl", "gd", [[1e300, 1e300]], lr=0.1)
    traj = run_to_end(b)
    assert status(b) == Status.DIVERGED
    assert int(b.end_step[0]) == 0
    assert traj.params.shape[0] == 1
    assert "overflow" in explain(b, 0)


@pytest.mark.parametrize("start,lr", [([1, 1], 1e300), ([1e150, 1e150], 1e160),
                                      ([1e300, 1e300], 0.1)])
def test_diverging_runs_do_not_leak_floating_point_warnings(start, lr):
    # the engine wraps its arithmetic in np.errstate(all="ignore"): a run that overflows is
    # a status and a reason, not a RuntimeWarning in the server log
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        b = make_batch("bowl", "gd", [start], lr=lr)
        run_to_end(b)
        explain(b, 0)
    assert status(b) == Status.DIVERGED


def test_rosenbrock_huge_lr_diverges():
    b = make_batch("rosenbrock", "gd", [[-1.5, 2.0]], lr=1e6)
    run_to_end(b)
    assert status(b) == Status.DIVERGED
    assert int(b.end_step[0]) == 1
    assert "Diverged" in explain(b, 0)


# --- himmelblau, two wells, saddle -------------------------------------------------------

def test_himmelblau_four_starts_reach_four_minima():
    starts = [[4, 4], [-4, 4], [-4, -4], [4, -4]]
    b = make_batch("himmelblau", "gd", starts, lr=0.01)
    run_to_end(b)
    minima = SURFACES["himmelblau"].minima_array()
    reached = []
    for r in range(4):
        assert status(b, r) == Status.CONVERGED
        d = np.linalg.norm(minima - b.params[r], axis=1)
        assert d.min() < 1e-5
        reached.append(int(np.argmin(d)))
    assert sorted(reached) == [0, 1, 2, 3]
    # the quadrant of the start is the quadrant of the minimum
    for r in range(4):
        assert (np.sign(b.params[r]) == np.sign(starts[r])).all()


@pytest.mark.parametrize("lr", [0.05, 0.01])
def test_two_wells_from_the_right_stops_in_the_local_minimum(lr):
    b = make_batch("two_wells", "gd", [[2, 1]], lr=lr, max_steps=5000)
    run_to_end(b)
    assert status(b) == Status.CONVERGED
    assert b.params[0, 0] == pytest.approx(0.96015, abs=1e-4)
    assert abs(b.params[0, 1]) < 1e-5
    reason = explain(b, 0)
    assert "local minimum" in reason
    assert "the lowest, loss -0.305, is at (-1.04, 0)" in reason


def test_saddle_start_on_the_ridge_stalls_at_the_saddle():
    b = make_batch("saddle", "gd", [[1, 0]], lr=0.1)
    run_to_end(b)
    assert status(b) == Status.STALLED  # the gradient vanished, but this is no minimum
    assert Stall(int(b.stall[0])) == Stall.SADDLE
    assert b.params[0, 1] == 0.0
    reason = explain(b, 0)
    assert "saddle point" in reason and "not a minimum" in reason


def test_plateau_inside_the_domain_is_max_steps_with_plateau_reason():
    # 1.2e-5 a step: slow (it moves 0.006 in 500 steps) but not stalled
    b = make_batch("plateau", "gd", [[3.5, 3.5]], lr=0.5, max_steps=500)
    run_to_end(b)
    assert status(b) == Status.MAX_STEPS
    assert int(b.end_step[0]) == 500
    reason = explain(b, 0)
    assert "plateau" in reason and "larger" not in reason.split("—")[0]


@pytest.mark.parametrize("start", [[4, 4], [-4, 4]])
def test_plateau_corner_of_the_domain_is_a_plateau_not_a_saddle(start):
    # At the corner of plateau's own domain (a start a student can click) the loss is
    # 1 − e⁻¹⁶ ≈ 1 and ‖∇L‖ = √32·e⁻¹⁶ ≈ 6.4e-7: flat, but neither a minimum nor a saddle
    # point (the gradient is not zero; the Hessian there is ≈ 0). The run must not
    # report that it converged to a stationary point.
    b = make_batch("plateau", "gd", [start], lr=0.5, max_steps=500)
    run_to_end(b)
    reason = explain(b, 0)
    assert "saddle" not in reason, reason
    assert "plateau" in reason, reason
    assert status(b) == Status.STALLED and Stall(int(b.stall[0])) == Stall.PLATEAU, reason


@pytest.mark.parametrize("start", [[30.0, 0.0], [40.0, 0.0], [-25.0, 25.0]])
def test_far_out_on_the_plateau_is_stalled_never_converged(start):
    """At (30, 0) the gradient is 1e-194 (its square underflows: a plain √Σg² says 0); at
    (40, 0) it underflows to exactly 0 and so does the curvature. Neither is a minimum."""
    b = make_batch("plateau", "gd", [start], lr=0.5, max_steps=500)
    run_to_end(b)
    assert status(b) == Status.STALLED and Stall(int(b.stall[0])) == Stall.PLATEAU
    assert "plateau" in explain(b, 0) or "flat spot" in explain(b, 0)
    assert "minimum," not in explain(b, 0)


# --- frames ---------------------------------------------------------------------------

@pytest.mark.parametrize("oid,hp", [("gd", {"lr": 0.01}), ("momentum", {"lr": 0.001}),
                                    ("adam", {"lr": 0.05}), ("rmsprop", {"lr": 0.01})])
def test_frames_and_updates(oid, hp):
    s = SURFACES["rosenbrock"]
    start = np.array([[-1.5, 2.0]])
    b = make_batch("rosenbrock", oid, start, max_steps=60, **hp)
    traj = run_to_end(b)
    end = int(traj.end_step[0])
    assert traj.params.shape == (end + 1, 1, 2)
    # frame 0 is the start, before any update
    assert traj.params[0, 0].tolist() == [-1.5, 2.0]
    assert traj.loss[0, 0] == 12.5
    assert traj.grad[0, 0].tolist() == [-155.0, -50.0]
    for k in range(end):
        step = traj.params[k + 1, 0] - traj.params[k, 0]
        np.testing.assert_allclose(traj.update[k, 0], step, rtol=1e-12,
                                   atol=4 * np.finfo(float).eps * np.abs(traj.params[k + 1, 0]).max())
    # loss and grad of each frame are the surface's at that frame's params
    loss, grad = s.loss_and_grad(traj.params[:, 0])
    np.testing.assert_array_equal(traj.loss[:, 0], loss)
    np.testing.assert_array_equal(traj.grad[:, 0], grad)
    assert (traj.lr[:, 0] == hp["lr"]).all()


def test_frame_k_is_after_k_updates_of_plain_gd():
    # bowl, lr 0.25: θ_k = (1 − 0.5)^k θ₀ exactly (powers of two)
    b = make_batch("bowl", "gd", [[1, -2]], lr=0.25, max_steps=10)
    traj = run_to_end(b)
    for k in range(11):
        assert traj.params[k, 0].tolist() == [0.5**k, -2 * 0.5**k]


def test_propose_is_pure_and_equals_the_next_step():
    b = make_batch("rosenbrock", "adam", [[-1.5, 2.0]], lr=0.05, max_steps=100)
    for _ in range(3):
        b.advance()
    p, state = b.params.copy(), [a.copy() for a in b.opt_state]
    u1 = b.propose()
    u2 = b.propose()
    np.testing.assert_array_equal(u1, u2)
    np.testing.assert_array_equal(b.params, p)
    for a, k in zip(b.opt_state, state):
        np.testing.assert_array_equal(a, k)
    assert b.step == 3
    b.advance()
    np.testing.assert_array_equal(b.params, p + u1)


# --- set_hyper --------------------------------------------------------------------------

def test_set_hyper_changes_the_very_next_step_and_keeps_the_momentum_buffer():
    s = SURFACES["bowl"]
    b = make_batch("bowl", "momentum", [[1.0, 1.0]], lr=0.01, momentum=0.9, max_steps=100)
    g0 = s.loss_and_grad(np.array([[1.0, 1.0]]))[1][0]
    b.advance()
    # step 1: b₁ = g₀, θ₁ = θ₀ − 0.01·g₀
    theta1 = np.array([1.0, 1.0]) - 0.01 * g0
    np.testing.assert_allclose(b.params[0], theta1, rtol=1e-15)
    before = b.propose()
    b.set_hyper(0, {"lr": 0.1})
    after = b.propose()
    assert not np.allclose(before, after)  # the cached proposal was dropped
    b.advance()
    # step 2 uses the new lr and the old buffer: b₂ = 0.9·g₀ + g₁, θ₂ = θ₁ − 0.1·b₂
    g1 = 2 * theta1
    buf2 = 0.9 * g0 + g1
    np.testing.assert_allclose(b.params[0], theta1 - 0.1 * buf2, rtol=1e-14)
    assert b.hyper_of(0)["lr"] == 0.1
    assert b.hyper_of(0)["momentum"] == 0.9


def test_set_hyper_touches_only_its_run():
    b = make_batch("bowl", "gd", [[1.0, 1.0], [1.0, 1.0]], lr=0.1, max_steps=100)
    b.set_hyper(1, {"lr": 0.25})
    b.advance()
    assert b.params[0].tolist() == [0.8, 0.8]
    assert b.params[1].tolist() == [0.5, 0.5]


def test_set_hyper_betas_applies_next_step_and_keeps_adam_step_count():
    b = make_batch("bowl", "adam", [[1.0, -1.0]], lr=0.1, max_steps=100)
    b.advance()
    b.advance()
    assert b.opt_state.step[0] == 2
    b.set_hyper(0, {"betas": [0.5, 0.9]})
    assert b.hyper_of(0)["betas"] == [0.5, 0.9]
    b.advance()
    assert b.opt_state.step[0] == 3


# --- batching -----------------------------------------------------------------------------

@pytest.mark.parametrize("surface,oid,start,lrs", [
    ("bowl", "gd", [1, 1], [0.1, 0.5, 1.0, 1.1, 0.01, 1e300, 0.97, 2.0]),
    ("rosenbrock", "momentum", [-1.5, 2], [1e-4, 1e-3, 3e-3, 1e6, 5e-4]),
    ("himmelblau", "adam", [-0.5, 0], [0.01, 0.1, 1.0, 3.0]),
    ("two_wells", "rmsprop", [2, 1], [0.001, 0.01, 0.1, 1.0]),
])
def test_many_runs_equal_single_runs(surface, oid, start, lrs):
    n = len(lrs)
    starts = np.array([start] * n, dtype=float)
    steps = 400
    big = make_batch(surface, oid, starts, max_steps=steps, hypers=[{"lr": lr} for lr in lrs])
    tb = run_to_end(big)
    assert len(set(big.end_step.tolist())) > 1  # some runs end before others
    for r, lr in enumerate(lrs):
        one = make_batch(surface, oid, [start], max_steps=steps, lr=lr)
        t1 = run_to_end(one)
        assert one.status[0] == big.status[r], (r, lr)
        assert one.end_step[0] == big.end_step[r], (r, lr)
        end = int(one.end_step[0])
        np.testing.assert_array_equal(tb.params[:end + 1, r], t1.params[:, 0])
        np.testing.assert_array_equal(tb.loss[:end + 1, r], t1.loss[:, 0])
        np.testing.assert_array_equal(tb.update[:end + 1, r], t1.update[:, 0])
        # once ended, a run is frozen
        assert (tb.params[end:, r] == tb.params[end, r]).all() or not np.isfinite(
            tb.params[end, r]).all()
        assert explain(big, r) == explain(one, 0)


def test_lr_sweep_on_the_bowl():
    lrs = np.concatenate([np.geomspace(0.5, 0.97, 40), np.geomspace(1.03, 2.0, 40)])
    b = make_batch("bowl", "gd", np.ones((80, 2)), max_steps=500,
                   hypers=[{"lr": float(lr)} for lr in lrs])
    b.run()
    assert (b.status[:40] == Status.CONVERGED).all(), lrs[:40][b.status[:40] != Status.CONVERGED]
    assert (b.status[40:] == Status.DIVERGED).all(), lrs[40:][b.status[40:] != Status.DIVERGED]
    assert (b.end_step <= 500).all()


def test_max_steps_ends_every_run():
    b = make_batch("rosenbrock", "gd", [[-1.5, 2.0]], lr=1e-4, max_steps=7)
    traj = run_to_end(b)
    assert status(b) == Status.MAX_STEPS
    assert int(b.end_step[0]) == 7
    assert traj.params.shape[0] == 8
    assert "Stopped after 7 steps" in explain(b, 0)


def test_status_labels_keep_their_wire_values():
    """Old clients read the int values: the first five never move."""
    assert [(s.label, int(s)) for s in Status] == [
        ("running", 0), ("converged", 1), ("oscillating", 2), ("diverged", 3),
        ("max_steps", 4), ("stalled", 5), ("noise_floor", 6)]
    assert [s.label for s in Stall] == [None, "saddle", "plateau", "start"]


def test_row_norms_neither_underflow_nor_overflow():
    """Max-scaled norms: right to rounding from 1e-300 to 1e300 (a plain √Σa² gives 0 for
    1e-200 and inf for 1e200), inf for an inf entry, NaN for a NaN one; the float and the
    array forms agree bit for bit."""
    import math

    from gdviz.engine.runs import row_norms, rows_finite
    from gdviz.engine.verdicts import FLOATS

    rng = np.random.default_rng(0)
    for p in range(1, 12):
        a = rng.normal(size=(500, p)) * 10.0 ** rng.integers(-300, 300, size=(500, 1))
        want = np.array([float(math.fsum(x * x for x in (row / np.abs(row).max()))) ** 0.5
                         * np.abs(row).max() for row in a])
        np.testing.assert_allclose(row_norms(a), want, rtol=1e-14)
        if p <= 7:
            assert row_norms(a).tolist() == [FLOATS.norm(row.tolist()) for row in a]
        a[rng.random(a.shape) < 0.03] = np.nan
        a[rng.random(a.shape) < 0.03] = -np.inf
        with np.errstate(all="ignore"):
            got = row_norms(a)
        nan, inf = np.isnan(a).any(1), np.isinf(a).any(1)
        assert np.isnan(got[nan]).all() and np.isinf(got[inf & ~nan]).all()
        assert np.isfinite(got[~nan & ~inf]).all()
        assert np.array_equal(rows_finite(a), np.isfinite(a).all(1))
    assert row_norms(np.array([[1e-200, 1e-200]]))[0] == pytest.approx(1.4142135623730951e-200)
    assert row_norms(np.array([[1e200, 1e200]]))[0] == pytest.approx(1.4142135623730951e200)


def test_one_wide_row_has_the_norm_of_the_same_row_among_others():
    """One run takes ``norms``' one-row forms (a network's many weights; a surface's few, on
    floats); each gives the bits of the general form: the row's norm in a batch of rows — from
    1e-310 to 1e308, with 0, ±inf, NaN and the smallest subnormal among its entries."""
    from gdviz.engine.verdicts import norms

    rng = np.random.default_rng(7)
    special = [0.0, np.inf, -np.inf, np.nan, 5e-324, 1e308, -1e308]
    for k in range(3000):
        p = int(rng.integers(8, 2500)) if k % 3 else int(rng.integers(1, 8))
        with np.errstate(over="ignore"):  # (a scale near 1e308 may round an entry to inf)
            row = rng.normal(size=p) * 10.0 ** rng.uniform(-310, 308)
        if k % 5 == 0:
            row[rng.integers(p, size=3)] = rng.choice(special, 3)
        if k % 13 == 0:
            row[:] = rng.choice(special[:2] + special[4:])
        batch = np.stack([rng.normal(size=p), row, np.zeros(p)])  # the general form
        with np.errstate(all="ignore"):
            alone, among = norms(row[None, :].copy()), norms(batch)[1:2]
        assert alone.tobytes() == among.tobytes(), (k, p, alone, among)
        # rows that are all finite and not all 0 (a network's step, ``Batch._wide_norms``)
        # take ``_scaled_rows``: each row's bits, alone or among others, as the general form
        with np.errstate(over="ignore"):
            rows = np.stack([row, rng.normal(size=p) * 10.0 ** rng.uniform(-310, 308),
                             rng.normal(size=p)])
        with np.errstate(all="ignore"):
            fast, general = norms(rows), norms(np.vstack([rows, np.zeros(p)]))[:3]
            each = np.concatenate([norms(r[None, :].copy()) for r in rows])
        assert fast.tobytes() == general.tobytes() == each.tobytes(), (k, p, fast, general)


def _linreg2_gd(lr, steps=3000):
    from gdviz.engine.nets.linear import make_linreg2
    m = make_linreg2()
    b = Batch(m, OPTIMIZERS["gd"], hyper_arrays([{"lr": lr, "weight_decay": 0.0}]),
              np.array([m.start]), steps)
    run_to_end(b)
    return b, 2 / np.linalg.eigvalsh(m.hessian(np.array([m.start]))[0]).max()


def test_a_zig_zag_that_still_converges_is_not_oscillating():
    """linreg2's minimum has loss ≈ noise² (not 0): at 0.95 × 2/λ_max the total loss looks
    stuck while the steps shrink geometrically — that run converges, it does not oscillate."""
    _, bound = _linreg2_gd(1e-3, steps=1)
    b, _ = _linreg2_gd(0.95 * bound)
    assert Status(int(b.status[0])) == Status.CONVERGED


def test_just_inside_the_bound_the_zig_zag_converges_and_the_reason_fits():
    """At 0.99 × 2/λ_max each step multiplies the stiff direction by −0.98: slow, but it
    converges (3,000 steps are enough). Cut short at 300 steps it is out of steps at the
    edge of stability — told to lower η, never to raise it."""
    _, bound = _linreg2_gd(1e-3, steps=1)
    b, _ = _linreg2_gd(0.99 * bound)
    assert Status(int(b.status[0])) == Status.CONVERGED
    b, _ = _linreg2_gd(0.99 * bound, steps=300)
    reason = explain(b, 0)
    assert Status(int(b.status[0])) == Status.MAX_STEPS
    assert "edge of stability" in reason and "lower η to about" in reason
    assert "larger" not in reason


def test_adam_out_of_steps_is_not_told_to_raise_its_learning_rate():
    b = Batch(SURFACES["rosenbrock"], OPTIMIZERS["adam"], hyper_arrays([defaults("adam") | {"lr": 5.0}]),
              np.array([[-1.5, 2.0]]), 500)
    run_to_end(b)
    assert Status(int(b.status[0])) == Status.MAX_STEPS
    assert "larger" not in explain(b, 0) and "schedule" in explain(b, 0)


def test_once_some_runs_ended_set_hyper_and_reopen_still_apply_to_the_next_step():
    """With a run ended, the active runs' hyperparameters are picked out once and kept:
    a new learning rate, and a run reopened, must still reach the very next step."""
    b = make_batch("bowl", "gd", [[1.0, 1.0]] * 4, max_steps=100,
                   hypers=[{"lr": 5.0}, {"lr": 0.1}, {"lr": 0.1}, {"lr": 1.5}])
    while b.status[0] == Status.RUNNING or b.status[3] == Status.RUNNING:
        b.advance()  # lr 5 and 1.5 on the bowl diverge, at different steps; the others go on
    assert b.end_step[0] < b.end_step[3]
    assert b.status[1] == b.status[2] == Status.RUNNING
    b.advance()
    b.set_hyper(2, {"lr": 0.25})
    theta = b.params.copy()
    b.advance()
    np.testing.assert_array_equal(b.params[1], theta[1] - 0.1 * (2 * theta[1]))
    np.testing.assert_array_equal(b.params[2], theta[2] - 0.25 * (2 * theta[2]))
    b.params[0] = [1.0, 1.0]  # (a branch taken from its start, as it were)
    b.grad[0] = SURFACES["bowl"].loss_and_grad(b.params[:1])[1][0]
    b.reopen(0)
    b.advance()
    np.testing.assert_array_equal(b.params[0], [1.0, 1.0] - 5.0 * np.array([2.0, 2.0]))
