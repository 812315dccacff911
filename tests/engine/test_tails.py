"""σ, σ′, tanh′, sech, softplus, log σ and the losses' gradients keep their relative
precision far out in the tails (|x| ≤ 700), in the expression engine and in the network
layers — checked against mpmath at 60 digits. Textbook forms fail here: σ(1 − σ) is 0 from
x = 37 (truth 8.5e-17), 1 − tanh² from |x| = 19, ½(1 + tanh(x/2)) from x = −40."""

from __future__ import annotations

import numpy as np
import pytest

mp = pytest.importorskip("mpmath")

from gdviz.engine.expr import expr_surface  # noqa: E402
from gdviz.engine.expr.functions import FUNCTIONS  # noqa: E402
from gdviz.engine.nets import layers  # noqa: E402

mp.mp.dps = 60
X = np.concatenate([-np.geomspace(700, 1e-3, 120), [0.0], np.geomspace(1e-3, 700, 120),
                    [-37.5, 37.5, -19.2, 19.2, 40.0, -40.0]])
TINY = 1e-300  # below this a double is (near) subnormal: compare absolutely
RTOL = 1e-13


def sig(x):
    return 1 / (1 + mp.exp(-x))


TRUTH = {
    "sigmoid": sig,
    "dsigmoid": lambda x: sig(x) * sig(-x),
    "dtanh": lambda x: mp.sech(x) ** 2,
    "sech": mp.sech,
    "softplus": lambda x: mp.log1p(mp.exp(x)),
    "logsigmoid": lambda x: -mp.log1p(mp.exp(-x)),
    "d2sigmoid": lambda x: sig(x) * sig(-x) * (sig(-x) - sig(x)),
    "d2tanh": lambda x: -2 * mp.sech(x) ** 2 * mp.tanh(x),
}


def close(got, name, xs=X, center_abs=0.0):
    """got[i] agrees with TRUTH[name](xs[i]) to RTOL relative (absolutely below TINY).

    ``center_abs``: for |x| < 1 an absolute error this small is allowed too — a second
    derivative that crosses 0 there (σ″(0) = 0) is a difference of two numbers near ¼,
    exact to ~1e-17 absolutely but not relatively; the tails stay relative."""
    want = np.array([float(TRUTH[name](mp.mpf(float(x)))) for x in xs])
    got = np.asarray(got, float)
    assert np.isfinite(got).all(), name
    err = np.abs(got - want)
    ok = ((err <= RTOL * np.abs(want)) | (np.abs(want) < TINY) & (err < TINY)
          | (np.abs(xs) < 1) & (err <= center_abs))
    bad = np.flatnonzero(~ok)
    assert not bad.size, (f"{name}: x = {xs[bad][:5]}, got {got[bad][:5]}, "
                          f"want {want[bad][:5]}")


@pytest.mark.parametrize("fn", ["sigmoid", "sech", "softplus", "logsigmoid"])
def test_expression_functions_forward(fn):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        got = FUNCTIONS[fn].forward(X)
    close(got, fn)


@pytest.mark.parametrize("text, first, second", [
    ("sigmoid(x)", "dsigmoid", "d2sigmoid"),
    ("tanh(x)", "dtanh", "d2tanh"),
    ("softplus(x)", "sigmoid", "dsigmoid"),
])
def test_expression_derivatives_keep_relative_precision(text, first, second):
    """The exact gradient and Hessian of a typed f(x, y) = g(x) in the tails."""
    s = expr_surface(text, ((-800, 800), (-1, 1)))
    p = np.column_stack([X, np.zeros_like(X)])
    _, grad = s.loss_and_grad(p)
    close(grad[:, 0], first)
    close(s.hessian(p)[:, 0, 0], second, center_abs=1e-16)


def test_logsigmoid_derivative_is_sigmoid_of_minus_u():
    s = expr_surface("logsigmoid(x)", ((-800, 800), (-1, 1)))
    _, grad = s.loss_and_grad(np.column_stack([X, np.zeros_like(X)]))
    close(grad[:, 0], "sigmoid", -X)


def test_sigmoid_at_40_is_a_plateau_not_a_zero_gradient():
    """The issue's case: sigmoid(x) typed as f, started at x = 40."""
    s = expr_surface("sigmoid(x)", ((-50, 50), (-1, 1)))
    _, g = s.loss_and_grad(np.array([[40.0, 0.0]]))
    assert g[0, 0] == pytest.approx(4.248354255291589e-18, rel=1e-14)


def test_network_activations_forward_and_backward():
    z = X.reshape(1, 1, -1)
    close(layers.Sigmoid.forward(z.copy()).ravel(), "sigmoid")
    a = layers.Sigmoid.forward(z.copy())
    close(layers.Sigmoid.backward(np.ones_like(z), z, a).ravel(), "dsigmoid")
    t = layers.Tanh.forward(z.copy())
    close(layers.Tanh.backward(np.ones_like(z), z, t).ravel(), "dtanh")
    close(layers.sigmoid_grad(X), "dsigmoid")


def test_bce_gradient_in_the_tails():
    """σ(z) − y for y = 1 at large z is −σ(−z), not 0."""
    z = X.reshape(1, -1, 1)
    for y, name, sign, xs in ((1.0, "sigmoid", -1, -X), (0.0, "sigmoid", 1, X)):
        loss, dz = layers.SigmoidBCE.loss_and_grad(z.copy(), np.full((X.size, 1), y))
        close(sign * dz.ravel() * X.size, name, xs)


def test_softmax_cross_entropy_in_the_tail():
    """Two classes, label 0, logits (x, 0): p_label = σ(x), the loss softplus(−x) and the
    label's gradient −σ(−x) (all /B), for every x, including where p rounds to 1."""
    z = np.stack([X, np.zeros_like(X)], axis=-1)[None]  # (1, B, 2)
    y = np.tile([1.0, 0.0], (X.size, 1))
    loss, dz = layers.SoftmaxCrossEntropy.loss_and_grad(z.copy(), y)
    per = layers.SoftmaxCrossEntropy._parts(z.copy(), y)[3].ravel()
    close(per, "softplus", -X)
    close(-dz[0, :, 0] * X.size, "sigmoid", -X)
    close(dz[0, :, 1] * X.size, "sigmoid", -X)
    assert loss[0] == pytest.approx(per.mean(), rel=1e-12)
