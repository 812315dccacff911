"""The MLP objective: its gradient against finite differences (architectures × activations ×
heads × inits, R = 3 runs at once, full batch and mini-batch), the flat layout, batching of
runs, steps/batches/epochs, metrics, gradient norms, heat maps and dead units."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets import mlp as mlp_module
from gdviz.engine.nets.datasets import Dataset, blobs, moons
from gdviz.engine.nets.init import INITS
from gdviz.engine.nets.layers import ACTIVATIONS
from gdviz.engine.nets.mlp import HEADS, MLP
from nets_fd import assert_close_grad, numeric_grad_runs


def three_runs(net: MLP, init: str) -> np.ndarray:
    """Three different networks (seeds 0, 1, 2) as R = 3 runs; biases made non-zero so
    that their gradients are exercised too (zeros init gets small random weights)."""
    rows = [net.init_params(init, seed) for seed in range(3)]
    p = np.vstack(rows)
    rng = np.random.default_rng(99)
    for w, b in net.unpack(p):
        b[...] = rng.normal(0, 0.1, b.shape)
        if init == "zeros":
            w[...] = rng.normal(0, 0.3, w.shape)
    return p


def check_gradient(net: MLP, params: np.ndarray, step: int = 0):
    loss, grad = net.loss_and_grad(params, step=step)
    assert loss.shape == (params.shape[0],) and grad.shape == params.shape
    idx = net.batch_indices(step)
    sub = Dataset("batch", net.data.x_train[idx], net.data.y_train[idx], net.data.x_test[:0],
                  net.data.y_test[:0], net.data.n_classes, 0.0, 0)
    on_batch = MLP(sub, net.hidden, net.activation, net.head)
    numeric = numeric_grad_runs(lambda p: on_batch.loss(p), params)
    assert_close_grad(grad, numeric, rel=1e-6, abs_=1e-10)
    return loss, grad


SMALL = moons(n=40, noise=0.2, test_fraction=0.25, seed=0)
THREE = blobs(n=45, classes=3, test_fraction=0.2, seed=0)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("head", HEADS)
def test_gradient_matches_finite_differences_each_activation_and_head(activation, head):
    data = SMALL if head == "sigmoid_bce" else THREE
    net = MLP(data, (5, 4), activation, head)
    init = "he" if "relu" in activation else "glorot"
    check_gradient(net, three_runs(net, init))


@pytest.mark.parametrize("hidden", [(), (3,), (6, 5, 4), (4, 4, 4, 4), (32,)])
def test_gradient_matches_finite_differences_each_architecture(hidden):
    net = MLP(THREE, hidden, "tanh", "softmax_ce")
    check_gradient(net, three_runs(net, "xavier"))


@pytest.mark.parametrize("init", INITS)
def test_gradient_matches_finite_differences_each_init(init):
    net = MLP(SMALL, (6, 6), "sigmoid", "softmax_ce")
    check_gradient(net, three_runs(net, init))


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("batch_size, step", [(1, 0), (1, 37), (7, 3), (7, 11), (16, 5)])
def test_minibatch_gradient_is_that_batchs_gradient_and_loss_is_the_full_loss(head, batch_size,
                                                                            step):
    data = SMALL if head == "sigmoid_bce" else THREE
    net = MLP(data, (5,), "tanh", head, batch_size=batch_size)
    p = three_runs(net, "glorot")
    loss, _ = check_gradient(net, p, step)
    np.testing.assert_array_equal(loss, net.loss(p))
    full = MLP(data, (5,), "tanh", head)
    np.testing.assert_allclose(loss, full.loss_and_grad(p)[0], rtol=1e-14)


def test_full_batch_gradient_ignores_the_step():
    net = MLP(SMALL, (5,), "tanh")
    p = three_runs(net, "xavier")
    a, b = net.loss_and_grad(p, step=0), net.loss_and_grad(p, step=123)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


# --- the flat layout ---------------------------------------------------------------------

def test_flat_layout_order_and_views():
    net = MLP(THREE, (4, 5), "relu")
    assert net.sizes == (2, 4, 5, 3)
    assert net.dim == 2 * 4 + 4 + 4 * 5 + 5 + 5 * 3 + 3
    p = np.arange(2 * net.dim, dtype=float).reshape(2, net.dim)
    layers = net.unpack(p)
    offset = 0
    for (w, b), (ws, bs), (n_in, n_out) in zip(layers, net.layer_slices(),
                                               zip(net.sizes[:-1], net.sizes[1:])):
        assert w.shape == (2, n_in, n_out) and b.shape == (2, n_out)
        assert np.shares_memory(w, p) and np.shares_memory(b, p)
        assert ws == slice(offset, offset + n_in * n_out)
        for i in range(n_in):
            for j in range(n_out):  # W[i, j] at offset + i·n_out + j, row-major
                assert w[1, i, j] == p[1, offset + i * n_out + j]
        offset += n_in * n_out
        assert bs == slice(offset, offset + n_out)
        np.testing.assert_array_equal(b[1], p[1, offset:offset + n_out])
        offset += n_out
    np.testing.assert_array_equal(net.pack(layers), p)


def test_unpack_refuses_the_wrong_width():
    net = MLP(SMALL, (4,))
    with pytest.raises(ValueError, match=f"{net.dim}"):
        net.unpack(np.zeros((1, net.dim + 1)))


def test_architecture_limits():
    with pytest.raises(ValueError, match="at most 4 hidden layers"):
        MLP(SMALL, (4,) * 5)
    with pytest.raises(ValueError, match="1 to 32 units"):
        MLP(SMALL, (33,))
    with pytest.raises(ValueError, match="two classes"):
        MLP(THREE, (4,), head="sigmoid_bce")
    with pytest.raises(KeyError, match="relu"):
        MLP(SMALL, (4,), activation="gelu")
    with pytest.raises(ValueError, match="batch_size"):
        MLP(SMALL, (4,), batch_size=SMALL.n_train + 1)
    MLP(SMALL, (32,) * 4)  # the largest network is fine


def test_sigmoid_head_has_one_output_the_others_one_per_class():
    assert MLP(SMALL, (4,), head="sigmoid_bce").sizes[-1] == 1
    assert MLP(THREE, (4,), head="mse").sizes[-1] == 3
    assert MLP(THREE, (4,), head="softmax_ce").sizes[-1] == 3


# --- many runs at once ---------------------------------------------------------------------

@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("batch_size", [None, 5])
def test_runs_at_once_equal_runs_one_at_a_time_exactly(head, batch_size):
    net = MLP(SMALL, (7, 6), "tanh", head, batch_size=batch_size)
    p = three_runs(net, "glorot")
    loss, grad = net.loss_and_grad(p, step=3)
    metrics = net.metrics(p)
    norms, dead = net.grad_norms(p), net.hidden_activity(p)
    xs, ys = np.linspace(-2, 2, 7), np.linspace(-1, 1, 5)
    heat = net.predict_proba_grid(p, xs, ys)
    for r in range(3):
        one = p[r:r + 1]
        l1, g1 = net.loss_and_grad(one, step=3)
        assert l1[0] == loss[r]
        np.testing.assert_array_equal(g1[0], grad[r])
        for field, value in zip(metrics._fields, net.metrics(one)):
            np.testing.assert_array_equal(value[0], getattr(metrics, field)[r])
        np.testing.assert_array_equal(net.grad_norms(one)[0], norms[r])
        np.testing.assert_array_equal(net.hidden_activity(one)[0], dead[r])
        np.testing.assert_array_equal(net.predict_proba_grid(one, xs, ys)[0], heat[r])


def test_chunked_evaluation_of_many_runs_is_exact(monkeypatch):
    net = MLP(SMALL, (8, 8), "relu")
    rng = np.random.default_rng(0)
    p = rng.normal(0, 0.5, (50, net.dim))
    whole = net.loss_and_grad(p), net.loss(p), net.metrics(p)
    monkeypatch.setattr(mlp_module, "CHUNK_ELEMENTS", 8 * len(SMALL.x_train) * 3)  # 3 runs
    assert len(list(net._chunks(50, net.data.n_train))) == 17
    chunked = net.loss_and_grad(p), net.loss(p), net.metrics(p)
    np.testing.assert_array_equal(whole[0][0], chunked[0][0])
    np.testing.assert_array_equal(whole[0][1], chunked[0][1])
    np.testing.assert_array_equal(whole[1], chunked[1])
    for a, b in zip(whole[2], chunked[2]):
        np.testing.assert_array_equal(a, b)


# --- steps, batches, epochs ----------------------------------------------------------------

def test_batch_size_one_makes_an_epoch_of_n_steps_using_each_sample_once():
    net = MLP(SMALL, (4,), batch_size=1)
    n = SMALL.n_train
    assert net.batches_per_epoch == n
    for epoch in range(3):
        seen = np.concatenate([net.batch_indices(epoch * n + j) for j in range(n)])
        assert sorted(seen.tolist()) == list(range(n))
        assert net.position(epoch * n).epoch == epoch and net.position(epoch * n).batch == 0
        last = net.position(epoch * n + n - 1)
        assert (last.epoch, last.batch, last.batch_size) == (epoch, n - 1, 1)
    # a new order each epoch
    first = [int(net.batch_indices(j)[0]) for j in range(n)]
    second = [int(net.batch_indices(n + j)[0]) for j in range(n)]
    assert first != second


def test_a_batch_size_that_does_not_divide_n_leaves_a_smaller_last_batch():
    n = SMALL.n_train  # 30
    net = MLP(SMALL, (4,), batch_size=8)
    assert net.batches_per_epoch == 4
    sizes = [len(net.batch_indices(j)) for j in range(4)]
    assert sizes == [8, 8, 8, n - 24]
    assert [net.position(j).batch_size for j in range(4)] == sizes
    epoch1 = np.concatenate([net.batch_indices(4 + j) for j in range(4)])
    assert sorted(epoch1.tolist()) == list(range(n))
    assert net.position(9).epoch == 2 and net.position(9).batch == 1


def test_batch_order_is_seeded_and_the_same_for_every_network():
    a = MLP(SMALL, (4,), "relu", batch_size=5, shuffle_seed=1)
    b = MLP(SMALL, (16, 16), "tanh", batch_size=5, shuffle_seed=1)
    c = MLP(SMALL, (4,), "relu", batch_size=5, shuffle_seed=2)
    for step in (0, 3, 6, 17):
        np.testing.assert_array_equal(a.batch_indices(step), b.batch_indices(step))
    assert any(not np.array_equal(a.batch_indices(s), c.batch_indices(s)) for s in range(6))


def test_full_batch_uses_every_point_every_step():
    net = MLP(SMALL, (4,))
    assert net.batches_per_epoch == 1 and not net.stochastic
    np.testing.assert_array_equal(net.batch_indices(5), np.arange(SMALL.n_train))
    pos = net.position(5)
    assert (pos.epoch, pos.batch, pos.batch_size) == (5, 0, SMALL.n_train)


# --- what the views show -------------------------------------------------------------------

def test_metrics_are_loss_and_fraction_correct_on_each_split():
    net = MLP(THREE, (6,), "tanh")
    p = three_runs(net, "xavier")
    m = net.metrics(p)
    np.testing.assert_allclose(m.loss, net.loss(p), rtol=1e-14)
    np.testing.assert_allclose(m.test_loss, net.loss(p, split="test"), rtol=1e-14)
    pred = net.logits(p, THREE.x_test).argmax(-1)
    np.testing.assert_array_equal(m.test_accuracy, (pred == THREE.y_test).mean(1))
    np.testing.assert_array_equal(net.predict(p, THREE.x_train),
                                  net.logits(p, THREE.x_train).argmax(-1))


def test_binary_head_predicts_by_the_sign_of_the_logit():
    net = MLP(SMALL, (6,), "tanh", "sigmoid_bce")
    p = three_runs(net, "xavier")
    z = net.logits(p, SMALL.x_train)[..., 0]
    np.testing.assert_array_equal(net.metrics(p).accuracy, ((z > 0) == SMALL.y_train).mean(1))


def test_without_a_test_set_test_metrics_are_nan():
    d = moons(n=40, test_fraction=0.0)
    m = MLP(d, (4,)).metrics(MLP(d, (4,)).init_params("xavier", 0, runs=2))
    assert np.isnan(m.test_loss).all() and np.isnan(m.test_accuracy).all()
    assert np.isfinite(m.loss).all()


@pytest.mark.parametrize("batch_size", [None, 4])
def test_grad_norms_are_frobenius_norms_of_the_full_weight_gradients(batch_size):
    net = MLP(THREE, (5, 4), "tanh", batch_size=batch_size)
    p = three_runs(net, "glorot")
    full = MLP(THREE, (5, 4), "tanh").loss_and_grad(p)[1]
    norms = net.grad_norms(p)
    assert norms.shape == (3, net.n_layers)
    for l, (w, _) in enumerate(net.layer_slices()):
        np.testing.assert_allclose(norms[:, l], np.linalg.norm(full[:, w], axis=1), rtol=1e-13)
    np.testing.assert_allclose(net.layer_grad_norms(full), norms, rtol=1e-13)


@pytest.mark.parametrize("head", HEADS)
def test_heat_map_scores_on_the_grid(head):
    net = MLP(SMALL, (6,), "tanh", head)
    p = three_runs(net, "glorot")
    xs, ys = np.linspace(-2, 2, 9), np.linspace(-1, 1, 4)
    s = net.predict_proba_grid(p, xs, ys)
    assert s.shape == (3, 4, 9, 2)
    assert (s >= 0).all() and (s <= 1).all()
    z = net.logits(p, np.array([[xs[7], ys[2]]]))[:, 0]  # [r, i=2, j=7] is at (xs[7], ys[2])
    if head == "softmax_ce":
        np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-14)
        want = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    elif head == "sigmoid_bce":
        p1 = 1 / (1 + np.exp(-z[:, 0]))
        want = np.stack([1 - p1, p1], axis=-1)
    else:
        want = np.clip(z, 0, 1)
    np.testing.assert_allclose(s[:, 2, 7], want, rtol=1e-12)


def test_dead_relus_are_detected_and_get_no_gradient():
    net = MLP(SMALL, (6, 5), "relu")
    p = net.init_params("he", 0, runs=2)
    (_, b1), _, _ = net.unpack(p)
    b1[1, :4] = -100.0  # run 1: four of the six first-layer units can never turn on
    activity = net.hidden_activity(p)
    assert activity.shape == (2, 2)
    assert activity[1, 0] == pytest.approx(4 / 6)
    assert activity[0, 0] < 1 / 3
    grad = net.loss_and_grad(p)[1]
    (g_w1, g_b1), _, _ = net.unpack(grad)
    assert not g_w1[1, :, :4].any() and not g_b1[1, :4].any()  # dead: no gradient at all
    # the whole first layer dead: every unit of the second layer sees only its bias (0)
    b1[1, :] = -100.0
    assert net.hidden_activity(p)[1].tolist() == [1.0, 1.0]


# --- reused buffers ------------------------------------------------------------------------

def test_results_are_fresh_arrays_not_the_reused_buffers():
    net = MLP(SMALL, (6, 5), "relu")
    p1 = three_runs(net, "he")
    loss, grad = net.loss_and_grad(p1)
    z = net.logits(p1, SMALL.x_train)
    kept = loss.copy(), grad.copy(), z.copy()
    p2 = 1.5 * p1
    net.loss_and_grad(p2)
    net.logits(p2, SMALL.x_train)
    net.metrics(p2)
    net.hidden_activity(p2)
    for a, b in zip((loss, grad, z), kept):
        np.testing.assert_array_equal(a, b)


def test_threads_can_share_one_network():
    from concurrent.futures import ThreadPoolExecutor

    net = MLP(THREE, (16, 16), "tanh", batch_size=9)
    params = [np.random.default_rng(s).normal(0, 0.5, (3, net.dim)) for s in range(4)]
    steps = [0, 5, 10, 15]  # four different epochs: each thread needs its own batch order
    want = [net.loss_and_grad(p, step=s) for s, p in zip(steps, params)]

    def work(i):
        for _ in range(30):
            loss, grad = net.loss_and_grad(params[i], step=steps[i])
            if not (np.array_equal(loss, want[i][0]) and np.array_equal(grad, want[i][1])):
                return False
        return True

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(4)))


def test_name_and_formula_say_what_the_network_is():
    net = MLP(THREE, (16, 8), "relu", "mse")
    assert net.name == "MLP 2-16-8-3 (relu, MSE on one-hot targets) on blobs"
    assert net.formula.startswith("ŷ = relu(relu(x·W1 + b1)·W2 + b2)·W3 + b3;")
    assert MLP(SMALL, (), head="sigmoid_bce").formula.startswith("ŷ = σ(x·W1 + b1);")
