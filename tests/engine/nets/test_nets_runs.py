"""Networks driven through the run engine (``Batch``): every optimizer, statuses and
reasons, the step number reaching the mini-batch, and the known answers of issue 4."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.explain import explain
from gdviz.engine.nets.datasets import Dataset, moons, xor
from gdviz.engine.nets.mlp import MLP
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status, Tolerances, run_to_end

MOONS = moons(n=500, noise=0.1, test_fraction=0.2, seed=0)
SMALL = moons(n=80, noise=0.15, test_fraction=0.25, seed=1)


def batch(net, optimizer, lr, start, max_steps, tol=Tolerances(), runs=None):
    starts = np.asarray(start, float).reshape(-1, net.dim)
    rows = [{**defaults(optimizer), "lr": lr}] * len(starts)
    return Batch(net, OPTIMIZERS[optimizer], hyper_arrays(rows), starts, max_steps, tol)


LRS = {"gd": 0.5, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.05, "rmsprop": 0.005,
       "adam": 0.01, "adamw": 0.01}


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [None, 8])
def test_every_optimizer_trains_a_network_end_to_end(optimizer, batch_size):
    net = MLP(SMALL, (8, 8), "tanh", batch_size=batch_size)
    b = batch(net, optimizer, LRS[optimizer], net.init_params("xavier", 0, runs=2), 300)
    traj = run_to_end(b)
    # still learning, or (mini-batches) hovering at the floor their noise sets
    ends = {Status.MAX_STEPS, Status.NOISE_FLOOR} if batch_size else {Status.MAX_STEPS}
    assert set(Status(int(s)) for s in b.status) <= ends
    assert traj.params.shape == (301, 2, net.dim)
    assert np.isfinite(traj.loss).all() and np.isfinite(traj.grad).all()
    assert (traj.loss[-1] < 0.6 * traj.loss[0]).all(), "the loss should fall"
    np.testing.assert_array_equal(traj.params[:, 0], traj.params[:, 1])  # same start, same run
    assert net.metrics(b.params).accuracy.min() > 0.8
    reason = explain(b, 0)
    assert reason.startswith("Stopped after 300 steps" if b.status[0] == Status.MAX_STEPS
                             else "At the noise floor")


def test_batch_passes_the_step_so_each_update_uses_its_minibatch():
    net = MLP(SMALL, (6,), "tanh", batch_size=7)
    lr = 0.3
    b = batch(net, "gd", lr, net.init_params("glorot", 0), 25)
    traj = run_to_end(b)
    for k in range(25):
        loss, grad = net.loss_and_grad(traj.params[k], step=k)
        assert loss[0] == traj.loss[k, 0]
        np.testing.assert_array_equal(grad[0], traj.grad[k, 0])
        np.testing.assert_array_equal(traj.params[k + 1, 0], traj.params[k, 0] - lr * grad[0])


def test_mlp_reaches_95_percent_on_moons_with_adam_within_1500_steps():
    net = MLP(MOONS, (16, 16), "tanh", "softmax_ce")
    b = batch(net, "adam", 0.01, net.init_params("xavier", 0), 1500)
    reached = None
    while not b.done:
        b.advance()
        if reached is None and net.metrics(b.params).accuracy[0] >= 0.95:
            reached = b.step
    assert reached is not None and reached <= 1500
    m = net.metrics(b.params)
    assert m.accuracy[0] >= 0.95 and m.test_accuracy[0] >= 0.95
    assert b.loss[0] < 0.05


@pytest.mark.parametrize("head", ["softmax_ce", "sigmoid_bce", "mse"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deep_sigmoid_net_with_xavier_init_has_vanishing_gradients(head, seed):
    net = MLP(xor(n=400, seed=0), (8, 8, 8, 8), "sigmoid", head)
    norms = net.grad_norms(net.init_params("xavier", seed))[0]
    assert len(norms) == 5
    assert norms[0] < 0.1 * norms[-1]


def test_a_tanh_net_with_he_init_does_not_vanish_like_that():
    net = MLP(xor(n=400, seed=0), (8, 8, 8, 8), "tanh")
    norms = net.grad_norms(net.init_params("he", 0))[0]
    assert norms[0] > 0.1 * norms[-1]


def unbalanced(d: Dataset) -> Dataset:
    """``d`` with a third of class 1's training points left out. (On balanced data a
    zero-initialised net sits exactly at a stationary point and never moves at all.)"""
    ones = np.flatnonzero(d.y_train == 1)
    keep = np.setdiff1d(np.arange(d.n_train), ones[: len(ones) // 3])
    return Dataset("unbalanced", d.x_train[keep], d.y_train[keep], d.x_test, d.y_test,
                   d.n_classes, d.noise, d.seed)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_zeros_init_keeps_hidden_units_identical(activation):
    net = MLP(unbalanced(SMALL), (6, 5), activation)
    b = batch(net, "adam", 0.05, net.init_params("zeros", 0), 1000)
    b.run()
    (w1, b1), (w2, b2), (w3, b3) = net.unpack(b.params)
    if activation != "sigmoid":
        # tanh(0) = relu(0) = 0: hidden outputs are 0, so no hidden weight gets a gradient
        assert b.end_step[0] >= 40
        assert not w1.any() and not b1.any() and not w2.any() and not b2.any()
        assert not w3.any() and b3.any()  # only the output bias learns
        return
    assert b.end_step[0] >= 300
    assert np.abs(w1).max() > 0.1 and np.abs(w3).max() > 0.1  # the weights did move …
    # … but every unit of a layer has the same incoming weights, bias and outgoing weights
    for w in (w1, w2):  # incoming: all columns equal
        np.testing.assert_allclose(w[0], w[0][:, :1].repeat(w.shape[2], 1), rtol=1e-12, atol=0)
    for w in (w2, w3):  # outgoing: all rows equal
        np.testing.assert_allclose(w[0], w[0][:1].repeat(w.shape[1], 0), rtol=1e-12, atol=0)
    for bias in (b1, b2):
        np.testing.assert_allclose(bias[0], bias[0, 0], rtol=1e-12, atol=0)


def test_gradient_descent_on_a_net_diverges_with_a_huge_rate_and_says_so():
    net = MLP(SMALL, (8,), "relu")
    b = batch(net, "gd", 1e3, net.init_params("he", 0), 100)
    b.run()
    assert b.status[0] == Status.DIVERGED
    reason = explain(b, 0)
    assert reason.startswith("Diverged at step") and "too large" in reason


def test_an_objective_without_a_hessian_converges_by_the_secant():
    """A network has no Hessian: its curvature is read off the last step (the secant
    ‖d‖·‖Δθ‖/‖Δd‖ is the Newton distance along it). On a ravine given without its Hessian,
    GD converges where and when the secant says the minimum is within xtol."""
    from gdviz.engine.surfaces import SURFACES
    ravine = SURFACES["ravine"]

    class NoHessian:
        dim = 2

        def loss_and_grad(self, params, step=0):
            return ravine.loss_and_grad(params)

    b = Batch(NoHessian(), OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"), "lr": 0.04}]),
              np.array([[1.5, 0.5]]), 2000)
    b.run()
    assert b.status[0] == Status.CONVERGED
    assert np.linalg.norm(b.params[0]) <= 2e-6  # the Newton distance of a quadratic
    assert explain(b, 0).startswith("Converged in") and "curves up" in explain(b, 0)


def test_full_batch_gd_too_fast_for_a_net_oscillates_and_says_lower_lr():
    net = MLP(MOONS, (4,), "tanh")
    b = batch(net, "gd", 30.0, net.init_params("he", 0), 3000)
    b.run()
    assert b.status[0] == Status.OSCILLATING
    assert "lower the learning rate" in explain(b, 0)


def test_minibatch_zigzag_is_not_called_oscillating():
    # SGD on batches of 8: the path zig-zags from batch to batch while the loss still falls
    # by orders of magnitude; the run must go on, not stop as 'oscillating'
    net = MLP(MOONS, (16, 16), "tanh", batch_size=8)
    b = batch(net, "gd", 0.5, net.init_params("he", 0), 1500)
    traj = run_to_end(b)
    assert b.status[0] in (Status.MAX_STEPS, Status.NOISE_FLOOR) and b.end_step[0] == 1500
    assert traj.loss[-1, 0] < 0.05 * traj.loss[0, 0]


def test_minibatch_convergence_is_confirmed_on_the_full_gradient():
    net = MLP(SMALL, (8,), "tanh", batch_size=1)

    class OneTinyBatch:
        """The net, except that step 3's mini-batch gradient is (falsely) tiny."""
        stochastic = True
        dim = net.dim

        def loss_and_grad(self, params, step=0):
            loss, grad = net.loss_and_grad(params, step)
            return loss, grad * 1e-9 if step == 3 else grad

        def full_loss_and_grad(self, params):
            return net.full_loss_and_grad(params)

    starts = net.init_params("xavier", 0)
    b = Batch(OneTinyBatch(), OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"), "lr": 0.1}]),
              starts, 10)
    b.run()
    assert b.status[0] == Status.MAX_STEPS


def test_a_network_that_converges_to_the_same_output_for_every_input_is_not_called_a_fit():
    """Adam at η 0.5 throws a deep sigmoid net's units into saturation: the gradient
    vanishes at loss ln 2 with every input given the same output (50 % on xor). The
    reason says so instead of "a minimum"; a run that learned keeps its own sentence."""
    from gdviz.scenarios.models import Scenario
    from gdviz.scenarios.simulate import batch_for_run
    sc = Scenario.model_validate({"model": {
        "kind": "mlp", "dataset": "xor", "n": 400, "test_fraction": 0.2, "seed": 0,
        "hidden": [8, 8, 8, 8], "activation": "sigmoid", "head": "softmax_ce",
        "init": "xavier"}, "runs": [{"optimizer": "adam", "lr": 0.5}], "steps": 300})
    b = batch_for_run(sc, 0)
    b.run()
    assert b.status[0] == Status.CONVERGED and abs(b.loss[0] - np.log(2)) < 1e-9
    assert b.objective.output_spread(b.params)[0] <= 1e-6
    reason = explain(b, 0)
    assert reason.startswith("Converged in 147 steps to a flat stretch, not a fit of the data")
    assert "the same output" in reason and "training accuracy 50 %" in reason
    assert "sigmoid units saturated" in reason and "a minimum" not in reason
    from gdviz.engine.nets.diagnose import RunWatch
    found = RunWatch(b.objective).findings(b.params[0], b.grad[0], "converged", 0.5)
    assert [f.id for f in found] == ["same_output"] and found[0].severity == "error"
    assert "training accuracy 50 %" in found[0].detail
    net = MLP(MOONS, (8,), "tanh")
    fit = batch(net, "adam", 0.05, net.init_params("xavier", 0), 3000)
    fit.run()
    assert net.output_spread(fit.params)[0] > 1
    if fit.status[0] == Status.CONVERGED:
        assert "a minimum" in explain(fit, 0)
