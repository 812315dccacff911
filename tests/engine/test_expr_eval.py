"""Evaluating compiled expressions: vectorised over any broadcastable shapes, gaps
(NaN/inf) instead of warnings or exceptions where f is undefined, fresh output arrays."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdviz.engine.expr import compile_trees, gradient, parse_expr


def program(text):
    return compile_trees(parse_expr(text))


def test_log_on_a_grid_gives_gaps_not_warnings():
    xs, ys = np.linspace(-2, 2, 41), np.linspace(-1, 1, 21)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        z = program("log(x) + y")(xs[None, :], ys[:, None])[0]
        gx, gy = compile_trees(*gradient(parse_expr("log(x) + y")))(xs[None, :], ys[:, None])
    assert z.shape == (21, 41)
    left, zero, right = xs < 0, xs == 0, xs > 0
    assert np.isnan(z[:, left]).all()
    assert np.isneginf(z[:, zero]).all()
    assert np.isfinite(z[:, right]).all()
    np.testing.assert_allclose(z[:, right], np.log(xs[right])[None, :] + ys[:, None])
    assert np.isinf(gx[:, zero]).all() and np.isfinite(gx[:, right]).all()
    assert (gy == 1).all()


@pytest.mark.parametrize("text", ["sqrt(x)", "1/x", "x**0.5", "arcsin(x)", "exp(1000*x)",
                                  "log(x)/x", "x**y", "tan(pi/2*x)", "0*log(x)"])
def test_undefined_regions_never_warn_or_raise(text):
    xs = np.linspace(-2, 2, 101)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = program(text)(xs, -xs)[0]
    assert out.shape == xs.shape


def test_constants_are_broadcast_to_the_input_shape():
    f = parse_expr("3 + 0*x")  # folded? no: 0*x keeps x, but its gradient is constant
    gx, gy = compile_trees(*gradient(f))(np.zeros((4, 5)), np.zeros((4, 5)))
    assert gx.shape == gy.shape == (4, 5) and (gx == 0).all()
    c = compile_trees(parse_expr("pi"))(np.zeros(7), 0.0)[0]
    assert c.shape == (7,) and (c == np.pi).all()


def test_shapes_broadcast_like_numpy():
    out = program("x*y")(np.arange(3.0)[:, None], np.arange(4.0)[None, :])[0]
    np.testing.assert_array_equal(out, np.arange(3.0)[:, None] * np.arange(4.0)[None, :])
    assert program("x + y")(1.5, 2.0)[0].shape == ()


def test_outputs_are_fresh_arrays_never_the_inputs():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    fx = program("x")(x, y)[0]
    assert fx is not x and not np.shares_memory(fx, x)
    fx[0] = 99.0
    assert x[0] == 1.0


def test_integer_inputs_are_evaluated_as_floats():
    out = program("x/y")(np.array([1, 2]), np.array([2, 4]))[0]
    np.testing.assert_array_equal(out, [0.5, 0.5])


def test_max_and_min_split_the_slope_at_a_tie():
    g = compile_trees(*gradient(parse_expr("max(x, y)")))
    gx, gy = g(np.array([1.0, 0.0, -1.0]), np.array([0.0, 0.0, 0.0]))
    np.testing.assert_array_equal(gx, [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 0.5, 1.0])


def test_many_points_at_once():
    rng = np.random.default_rng(0)
    p = rng.uniform(-3, 3, (65_536, 2))
    out = program("sin(x)*cos(y) + x**2/10")(p[:, 0], p[:, 1])[0]
    np.testing.assert_allclose(out, np.sin(p[:, 0]) * np.cos(p[:, 1]) + p[:, 0] ** 2 / 10,
                               rtol=1e-15)
