"""Weight initialisations: bounds of the uniform ones, std of the normal ones, zero biases,
seeded determinism, and the MLP's use of them."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets.datasets import moons
from gdviz.engine.nets.init import INITS, init_layers, layer_weights
from gdviz.engine.nets.mlp import MLP

BIG = (400, 300)  # 120,000 draws: the std is within ~0.5 % of its value


def draw(init, n_in, n_out, seed=0):
    return layer_weights(init, n_in, n_out, np.random.default_rng(seed))


@pytest.mark.parametrize("init, bound", [
    ("xavier", lambda i, o: 1 / np.sqrt(i)),
    ("glorot", lambda i, o: np.sqrt(6 / (i + o))),
])
@pytest.mark.parametrize("shape", [(2, 16), (16, 16), (32, 2), BIG])
def test_uniform_inits_fill_their_bounds(init, bound, shape):
    w = draw(init, *shape)
    b = bound(*shape)
    assert w.shape == shape
    assert np.abs(w).max() <= b
    # uniform on [−b, b]: the extremes come close to b, the variance is b²/3
    assert np.abs(w).max() > b * (1 - 20 / w.size)
    if w.size >= 256:
        assert w.var() == pytest.approx(b * b / 3, rel=6 / np.sqrt(w.size))


@pytest.mark.parametrize("init, std", [
    ("he", lambda i, o: np.sqrt(2 / i)),
    ("large", lambda i, o: 1.0),
])
@pytest.mark.parametrize("shape", [(16, 32), (32, 32), BIG])
def test_normal_inits_have_their_std(init, std, shape):
    w = draw(init, *shape)
    # the sample std of n normal draws is within ~4/√(2n) of σ (relative)
    assert w.std() == pytest.approx(std(*shape), rel=4 / np.sqrt(2 * w.size))
    assert abs(w.mean()) < 4 * std(*shape) / np.sqrt(w.size)


def test_glorot_variance_is_two_over_fan_in_plus_fan_out():
    w = draw("glorot", *BIG)
    assert w.var() == pytest.approx(2 / sum(BIG), rel=0.02)


def test_zeros_is_all_zero():
    assert not draw("zeros", 16, 16).any()


@pytest.mark.parametrize("init", INITS)
def test_biases_are_zero_and_draws_are_seeded(init):
    sizes = (2, 16, 8, 3)
    a, b = init_layers(init, sizes, seed=7), init_layers(init, sizes, seed=7)
    for (wa, ba), (wb, bb), n_in, n_out in zip(a, b, sizes[:-1], sizes[1:]):
        assert wa.shape == (n_in, n_out) and ba.shape == (n_out,)
        assert not ba.any()
        np.testing.assert_array_equal(wa, wb)
    if init != "zeros":
        c = init_layers(init, sizes, seed=8)
        assert not np.array_equal(a[0][0], c[0][0])


@pytest.mark.parametrize("init", INITS)
def test_mlp_init_params_is_deterministic_and_the_same_for_every_run(init):
    d = moons(n=64, seed=0)
    net = MLP(d, (8, 8), "relu")
    p = net.init_params(init, seed=3, runs=4)
    assert p.shape == (4, net.dim)
    assert (p == p[0]).all()
    np.testing.assert_array_equal(p[:1], MLP(d, (8, 8), "tanh").init_params(init, seed=3))
    layers = net.unpack(p)
    want = init_layers(init, net.sizes, seed=3)
    for (w, b), (w0, b0) in zip(layers, want):
        np.testing.assert_array_equal(w[0], w0)
        assert not b.any()


def test_unknown_init_is_refused_with_the_choices():
    with pytest.raises(KeyError, match="xavier"):
        MLP(moons(n=64)).init_params("orthogonal")
