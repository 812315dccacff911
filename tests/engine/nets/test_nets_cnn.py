"""The CNN objective without torch: its gradient against finite differences, the flat
layout and torch-ordered shapes, the course's fan-in/fan-out inits, geometry checks,
runs batched and chunked, the window-order pieces, dead kernels and symmetric units."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets import cnn as cnn_module
from gdviz.engine.nets import network as network_module
from gdviz.engine.nets.cnn import CNN, activations_per_image, plan_blocks
from gdviz.engine.nets.conv import Conv3x3, MaxPool2x2, to_spatial
from gdviz.engine.nets.images import digits, shapes
from gdviz.engine.nets.layers import ACTIVATIONS, ReLU
from nets_fd import assert_close_grad, numeric_grad_runs

DIGITS = digits(n=60, seed=0)


def test_the_default_cnn_is_the_small_one_the_issue_asks_for():
    net = CNN(digits())  # 320 digits, 256 of them for training
    assert net.data.n_train == 256 and net.data.size == 8 and net.n_classes == 10
    assert [(b.side_in, b.side_conv, b.side_pool, b.c_out) for b in net.blocks] == [(8, 6, 3, 8)]
    assert net.layers() == [{"name": "K1", "shape": [8, 1, 3, 3]}, {"name": "b1", "shape": [8]},
                            {"name": "W2", "shape": [72, 10]}, {"name": "b2", "shape": [10]}]
    assert net.dim == 8 * 9 + 8 + 72 * 10 + 10 == 810
    assert net.n_layers == 2 and net.activation == "relu" and net.padding == "valid"
    assert net.formula == ("ŷ = softmax(flatten(maxpool(relu(K1 ∗ x + b1)))·W2 + b2);  "
                           "L = −mean Σ_k y_k log ŷ_k (one-hot y)")


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("kernels, padding, data", [
    ((3,), "valid", DIGITS),
    ((2, 3), "same", DIGITS),
    ((2, 2), "valid", shapes(n=30, size=13, seed=1)),  # odd maps: 11 → 5 → 3 → 1
])
def test_gradient_equals_finite_differences(activation, kernels, padding, data):
    net = CNN(data, kernels, padding, activation)
    p = np.vstack([net.init_params("glorot", s) for s in range(2)])
    p += np.random.default_rng(3).normal(0, 0.05, p.shape)  # no exact ties, no kinks at 0
    loss, grad = net.loss_and_grad(p)
    numeric = numeric_grad_runs(lambda q: net.loss(q), p)
    assert_close_grad(grad, numeric, rel=1e-6, abs_=1e-10)


def test_flat_layout_is_torchs_order_and_unpack_gives_views():
    net = CNN(DIGITS, (2, 3), "same")
    p = np.arange(net.dim, dtype=float)[None, :]
    (k1, b1), (k2, b2), (w, b) = net.unpack(p)
    assert k1.shape == (1, 2, 1, 3, 3) and k2.shape == (1, 3, 2, 3, 3)
    assert w.shape == (1, 3 * 2 * 2, 10) and b.shape == (1, 10)
    assert k1[0, 1, 0, 2, 0] == 9 + 6  # kernel 1, row 2, col 0: row-major
    assert b1[0, 0] == 18 and k2[0, 0, 0, 0, 0] == 20
    k1[0, 0, 0, 0, 0] = -1
    assert p[0, 0] == -1  # a view
    slices = net.layer_slices()
    assert [(s.start, s.stop) for pair in slices for s in pair] == \
        [(0, 18), (18, 20), (20, 74), (74, 77), (77, 197), (197, 207)]


def test_init_uses_the_courses_fan_in_and_fan_out():
    """he: N(0, 2/fan_in); glorot: U(±√(6/(fan_in + fan_out))); xavier: U(±1/√fan_in),
    with fan_in = 3·3·c_in and fan_out = 3·3·c_out for a kernel; drawn first to last from
    one default_rng(seed); biases 0."""
    net = CNN(DIGITS, (4, 6), "same")
    for init in ("he", "glorot", "xavier"):
        (k1, b1), (k2, b2), (w, b) = net.unpack(net.init_params(init, 5))
        rng = np.random.default_rng(5)
        for k, c_in, c_out in ((k1, 1, 4), (k2, 4, 6)):
            fin, fout = 9 * c_in, 9 * c_out
            want = {"he": lambda: rng.normal(0, np.sqrt(2 / fin), (c_out, c_in, 3, 3)),
                    "glorot": lambda: rng.uniform(-np.sqrt(6 / (fin + fout)),
                                                  np.sqrt(6 / (fin + fout)), (c_out, c_in, 3, 3)),
                    "xavier": lambda: rng.uniform(-1 / np.sqrt(fin), 1 / np.sqrt(fin),
                                                  (c_out, c_in, 3, 3))}[init]()
            np.testing.assert_array_equal(k[0], want)
        assert not b1.any() and not b2.any() and not b.any()
        assert w.shape == (1, 6 * 2 * 2, 10)
    big = CNN(shapes(n=400, size=16, seed=0), (16,), "same")
    k = big.unpack(big.init_params("he", 0))[0][0]
    assert k.std() == pytest.approx(np.sqrt(2 / 9), rel=0.1)  # 144 draws of N(0, 2/9)


def test_same_seed_same_weights_and_every_run_the_same_network():
    net = CNN(DIGITS)
    a, b = net.init_params("he", 3, runs=3), net.init_params("he", 3)
    assert (a == b).all() and (net.init_params("he", 4) != b).any()
    assert (net.init_params("zeros", 0) == 0).all()
    with pytest.raises(KeyError, match="unknown init"):
        net.init_params("ones")


def test_geometry_that_cannot_pool_is_refused_with_the_field():
    with pytest.raises(ValueError, match="kernels: conv block 2 gets 3×3 maps; with valid "
                                         "padding its output is 1×1, too small"):
        plan_blocks(8, (4, 4), "valid")
    assert [b.side_pool for b in plan_blocks(8, (4, 4), "same")] == [4, 2]
    assert activations_per_image(8, (8,), "valid") == 6 * 6 * 8
    with pytest.raises(ValueError, match="kernels: each block has 1 to 16"):
        CNN(DIGITS, (17,))
    with pytest.raises(ValueError, match="1 or 2 conv blocks"):
        CNN(DIGITS, (2, 2, 2), "same")
    with pytest.raises(KeyError, match="unknown padding"):
        CNN(DIGITS, (2,), "full")


def test_runs_are_independent_and_chunks_change_nothing(monkeypatch):
    net = CNN(DIGITS, (3, 2), "same", "tanh")
    p = np.vstack([net.init_params("glorot", s) for s in range(5)])
    loss, grad = net.loss_and_grad(p)
    for r in range(5):
        l1, g1 = net.loss_and_grad(p[r:r + 1])
        assert l1[0] == loss[r]
        np.testing.assert_array_equal(g1[0], grad[r])
    monkeypatch.setattr(cnn_module, "CHUNK_ELEMENTS", 1)  # one run per chunk
    monkeypatch.setattr(network_module, "CACHED_WORKSPACE_ELEMENTS", 0)  # fresh buffers
    l2, g2 = net.loss_and_grad(p)
    np.testing.assert_array_equal(l2, loss)
    np.testing.assert_array_equal(g2, grad)


def test_a_chunk_of_runs_keeps_its_buffers_between_calls():
    """Chunks never need buffers made afresh (page faults cost 3–5× the arithmetic): a race
    of six default CNNs goes in chunks whose workspace is kept, and is kept."""
    net = CNN(digits())  # the default data set: 256 training images
    samples = len(net.data.x_train)
    chunks = list(net._chunks(6, samples))
    assert sum(c.stop - c.start for c in chunks) == 6 and len(chunks) > 1
    for c in chunks:
        runs = c.stop - c.start
        assert cnn_module.Workspace.elements(net.blocks, runs, samples) <= \
            network_module.CACHED_WORKSPACE_ELEMENTS
        assert net._workspace(runs, samples) is net._workspace(runs, samples)


def test_cached_first_columns_give_what_fresh_ones_give():
    net = CNN(DIGITS, (3,))
    assert id(net.data.x_train) in net._columns
    p = net.init_params("he", 1)
    cached = net.loss(p)
    fresh = net._loss_on(p, net.data.x_train.copy(), net._t_train)  # another array: no cache
    assert cached[0] == fresh[0]


def test_window_order_holds_the_same_conv_as_the_spatial_order():
    x = np.random.default_rng(0).normal(size=(3, 9, 9, 2))
    k = np.random.default_rng(1).normal(size=(1, 4, 2, 3, 3))
    b = np.zeros((1, 4))
    for padding, side in (("valid", 7), ("same", 9)):
        z = Conv3x3.forward(Conv3x3.columns(x, padding, "spatial"), k, b, (3, side, side))
        zw = Conv3x3.forward(Conv3x3.columns(x, padding), k, b, (4, 3, side // 2, side // 2))
        spread = to_spatial(zw, side, fill=np.nan)
        kept = np.isfinite(spread)
        assert kept.sum() == 4 * 3 * (side // 2) ** 2 * 4  # the odd edge is left out
        np.testing.assert_allclose(spread[kept], z[kept], rtol=1e-13, atol=1e-13)


def test_the_pool_sends_the_gradient_to_one_pixel_per_window():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(2, 4, 3, 2, 2, 5))
    p = MaxPool2x2.forward(a)
    mask = MaxPool2x2.routing_mask(a, p)
    assert (mask.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(np.where(mask, a, 0).sum(axis=1), p)  # the winner is the max
    da = MaxPool2x2.backward(np.ones_like(p), a, p)
    assert da.sum() == p.size and set(np.unique(da)) == {0.0, 1.0}


def test_relu_then_pool_backward_in_one_product_has_the_two_products_bits():
    # ReLU maps with ties, windows of zeros and negatives; ∂L/∂p with ±0, ±inf and NaN
    rng = np.random.default_rng(5)
    z = rng.choice([-1.5, -0.0, 0.0, 0.25, 0.25, 2.0], size=(3, 4, 6, 2, 2, 4))
    z[0, :, 0] = -1.0                                  # a window of zeros after the ReLU
    a = ReLU.forward(z)
    p = MaxPool2x2.forward(a)
    dp = rng.normal(size=p.shape)
    dp.flat[:40] = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan, -2.5], size=40)
    with np.errstate(invalid="ignore"):
        two = ReLU.backward(MaxPool2x2.backward(dp, a, p), z, a)
        one = MaxPool2x2.backward_through_relu(dp, p, MaxPool2x2.routing_mask(a, p))
    assert one.tobytes() == two.tobytes()


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_training_gradient_is_the_traced_passes_gradient(activation):
    # training skips ∂L/∂a for a ReLU network (stages=False); the trace keeps every stage
    net = CNN(DIGITS, (4,), "valid", activation)
    params = net.init_params("he", 3, runs=2)
    params[1] *= 1.7
    _, grad = net.loss_and_grad(params)
    layers = net.unpack(params)
    x, t = net.data.x_train, net._t_train
    ws = net._workspace(2, len(x))
    logits = net.forward(layers, net._columns_of(x), ws)
    net._loss.loss_and_grad(logits, t, out=ws.dlogits)
    traced = np.empty_like(params)
    net.backward(ws, layers, net.unpack(traced), stages=True)
    assert traced.tobytes() == grad.tobytes()


def test_dead_kernels_and_units_for_the_diagnosis():
    net = CNN(DIGITS, (4,), "valid", "relu")
    p = net.init_params("he", 0)
    (k, b), _ = net.unpack(p)
    k[0, :2] = 0.0
    b[0, :2] = -1.0  # z = −1 everywhere: these two kernels never switch on
    assert net.hidden_activity(p)[0].tolist() == [0.5]
    groups = net.unit_weights(p[0])
    assert [g[0].shape for g in groups] == [(4, 1, 3, 3)]
    assert groups[0][2].shape == (4, 9 * 10)  # each kernel's 3×3 pooled map → 10 classes


def test_metrics_and_predictions():
    net = CNN(DIGITS, (4,))
    p = net.init_params("he", 0, runs=2)
    m = net.metrics(p)
    assert m.loss.shape == (2,) and np.isfinite(m.test_loss).all()
    pred = net.predict(p, net.data.x_train)
    assert m.accuracy[0] == pytest.approx((pred[0] == net.data.y_train).mean())
    probs = net.probabilities(p, net.data.x_test)
    np.testing.assert_allclose(probs.sum(-1), 1.0)
    assert net.layer_grad_norms(net.loss_and_grad(p)[1]).shape == (2, 2)
