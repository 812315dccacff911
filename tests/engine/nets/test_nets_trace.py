"""The per-point backprop trace: its gradients add up to the engine's batch gradient
(1e-12), each point's equals torch autograd on that point, and every stage is the chain
rule written out (z = a_prev·W + b, delta = ∂ℓ/∂z back through Wᵀ and f', grad_w = a_prevᵀ·delta)."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets.datasets import blobs, moons, xor
from gdviz.engine.nets.layers import ACTIVATIONS
from gdviz.engine.nets.linear import make_linreg2, make_logreg2
from gdviz.engine.nets.mlp import HEADS, MLP
from gdviz.engine.nets.trace import n_points, trace

TWO = moons(n=60, noise=0.2, test_fraction=0.2, seed=1)
THREE = blobs(n=60, classes=3, test_fraction=0.0, seed=2)


def net_for(head, activation="tanh", hidden=(5, 4), batch_size=None):
    data = TWO if head == "sigmoid_bce" else THREE
    return MLP(data, hidden, activation, head, batch_size=batch_size)


def weights(net, seed=0):
    row = net.init_params("glorot", seed)[0]
    rng = np.random.default_rng(seed)
    for _, b in net.unpack(row[None, :]):
        b[...] = rng.normal(0, 0.3, b.shape)  # non-zero biases, so grad_b is tested
    return row


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_mean_of_the_points_traces_is_the_engines_full_batch_gradient(head, activation):
    net = net_for(head, activation)
    row = weights(net)
    t = trace(net, row, np.arange(net.data.n_train))
    loss, grad = net.loss_and_grad(row[None, :])
    np.testing.assert_allclose(t.flat_grad().mean(axis=0), grad[0], rtol=0, atol=1e-12)
    assert t.loss.mean() == pytest.approx(loss[0], rel=1e-12)


@pytest.mark.parametrize("head", HEADS)
def test_mean_over_a_minibatch_is_that_steps_gradient(head):
    net = net_for(head, batch_size=7)
    row = weights(net, 3)
    for step in (0, 4, 9):
        idx = net.batch_indices(step)
        _, grad = net.loss_and_grad(row[None, :], step=step)
        np.testing.assert_allclose(trace(net, row, idx).flat_grad().mean(axis=0), grad[0],
                                   rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", [make_linreg2(), make_logreg2(), make_linreg2(random_targets=True)],
                         ids=["linreg2", "logreg2", "linreg2-random"])
def test_two_weight_models_mean_of_traces_is_their_gradient(model):
    params = np.array([0.7, -1.3])
    t = trace(model, params, np.arange(n_points(model)))
    loss, grad = model.loss_and_grad(params[None, :])
    np.testing.assert_allclose(t.flat_grad().mean(axis=0), grad[0], rtol=0, atol=1e-12)
    assert t.loss.mean() == pytest.approx(loss[0], rel=1e-12)
    assert t.layers[0].grad_b is None and len(t.layers) == 1


def test_linreg2_point_term_is_two_residual_times_x():
    """seed 0, w = (2, 3): point i's ∂ℓ/∂w1 = 2·(ŷ − y)·x1 — the term of 2·mean((ŷ − y)·x1)."""
    model = make_linreg2()
    t = trace(model, [2.0, 3.0], [5])
    x1, x2 = model.data.x[5]
    y_hat = 2.0 * x1 + 3.0 * x2
    assert t.logits[0, 0] == y_hat
    assert t.layers[0].delta[0, 0] == pytest.approx(2 * (y_hat - model.data.y[5]), rel=1e-15)
    assert t.layers[0].grad_w[0, 0, 0] == pytest.approx(2 * (y_hat - model.data.y[5]) * x1,
                                                        rel=1e-15)


@pytest.mark.parametrize("head", HEADS)
def test_each_stage_is_the_chain_rule(head):
    net = net_for(head, "sigmoid")
    row = weights(net, 5)
    t = trace(net, row, [3, 11])
    layers = net.unpack(row[None, :])
    a_prev = t.x
    for l, lt in enumerate(t.layers):
        w, b = layers[l][0][0], layers[l][1][0]
        np.testing.assert_allclose(lt.z, a_prev @ w + b, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(lt.grad_w, a_prev[:, :, None] * lt.delta[:, None, :],
                                   rtol=1e-14, atol=1e-16)
        np.testing.assert_array_equal(lt.grad_b, lt.delta)
        if l + 1 < len(t.layers):  # delta_l = (delta_{l+1}·W_{l+1}ᵀ)·σ'(z_l)
            w_next = layers[l + 1][0][0]
            np.testing.assert_allclose(lt.grad_a, t.layers[l + 1].delta @ w_next.T,
                                       rtol=1e-13, atol=1e-16)
            # (σ′ is computed as σ(z)·σ(−z), exact in the tails: equal to a(1 − a) to ulps)
            np.testing.assert_allclose(lt.delta, (1 - lt.a) * lt.a * lt.grad_a,
                                       rtol=1e-13, atol=1e-18)
        else:
            np.testing.assert_array_equal(lt.grad_a, lt.delta)
        a_prev = lt.a
    out = t.layers[-1].delta
    if head == "softmax_ce":
        np.testing.assert_allclose(out, t.probs - t.target, rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(t.loss, -np.log((t.probs * t.target).sum(1)), rtol=1e-12)
    elif head == "sigmoid_bce":
        np.testing.assert_allclose(out, t.probs - t.target, rtol=1e-14, atol=1e-16)
    else:
        np.testing.assert_allclose(out, 2 * (t.logits - t.target) / t.logits.shape[1], rtol=1e-14)
        assert t.probs is None


def test_huge_weights_overflow_quietly():
    """Weights of ±1e4 through 3 layers: logits ~1e13, the wrong class's loss ~1e13 or
    inf — numbers (shown as null when not finite), never a warning or an error."""
    net = net_for("softmax_ce", "relu")
    row = np.random.default_rng(0).choice([-1e4, 1e4], net.dim)
    with np.errstate(all="raise"):
        t = trace(net, row, np.arange(net.data.n_train))
    assert np.nanmax(np.abs(t.logits)) > 1e10 and np.nanmax(t.loss) > 1e10


def test_xor_221_tanh_by_hand():
    """A 2-2-1 tanh net with sigmoid + BCE, checked against the textbook arithmetic."""
    data = xor(n=40, test_fraction=0.0, seed=0)
    net = MLP(data, (2,), "tanh", "sigmoid_bce")
    row = np.array([0.5, -0.4, 0.3, 0.8, 0.1, -0.2, 1.2, -0.7, 0.05])
    t = trace(net, row, [0])
    x = data.x_train[0]
    w1, b1, w2, b2 = row[:4].reshape(2, 2), row[4:6], row[6:8].reshape(2, 1), row[8:]
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    p = 1 / (1 + np.exp(-z))
    d2 = p - data.y_train[0]
    d1 = (d2 @ w2.T) * (1 - h * h)
    np.testing.assert_allclose(t.layers[0].a[0], h, rtol=1e-14)
    np.testing.assert_allclose(t.layers[1].delta[0], d2, rtol=1e-13)
    np.testing.assert_allclose(t.layers[0].delta[0], d1, rtol=1e-13)
    np.testing.assert_allclose(t.layers[0].grad_w[0], np.outer(x, d1), rtol=1e-13)


torch = pytest.importorskip("torch", reason="PyTorch is not installed")


@pytest.mark.parametrize("head", HEADS)
def test_one_points_gradient_equals_torch_autograd(head):
    from test_nets_torch import torch_flat_grad, torch_loss, torch_net

    net = net_for(head, "tanh")
    row = weights(net, 7)
    for i in (0, 13, 40):
        model = torch_net(net, row)
        x = torch.from_numpy(net.data.x_train[[i]])
        loss = torch_loss(net, model(x), np.array([i]))
        loss.backward()
        t = trace(net, row, [i])
        assert t.loss[0] == pytest.approx(loss.item(), rel=1e-12)
        np.testing.assert_allclose(t.flat_grad()[0], torch_flat_grad(model), rtol=1e-10,
                                   atol=1e-14)
