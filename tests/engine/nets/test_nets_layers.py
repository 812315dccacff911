"""Layers, activations and losses: every backward against central finite differences
(float64), the losses against their textbook definitions, vectorised over runs."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from gdviz.engine.nets.layers import (ACTIVATIONS, LOSSES, MSE, Dense, FoldedDense, LeakyReLU,
                                    ReLU, SigmoidBCE, SoftmaxCrossEntropy, log_softmax, softmax)
from nets_fd import assert_close_grad, numeric_grad

R, B, N_IN, N_OUT = 3, 5, 4, 6


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --- Dense -------------------------------------------------------------------------------

@pytest.mark.parametrize("shared_x", [False, True], ids=["x per run", "x shared"])
def test_dense_backward_matches_finite_differences(rng, shared_x):
    x = rng.standard_normal((B, N_IN) if shared_x else (R, B, N_IN))
    w = rng.standard_normal((R, N_IN, N_OUT))
    b = rng.standard_normal((R, N_OUT))
    c = rng.standard_normal((R, B, N_OUT))  # f = Σ c ⊙ z, so ∂f/∂z = c

    def f(x_=x, w_=w, b_=b):
        return float((Dense.forward(x_, w_, b_) * c).sum())

    dw, db, dx = Dense.backward(c, x, w)
    assert_close_grad(dw.ravel(), numeric_grad(lambda v: f(w_=v), w).ravel())
    assert_close_grad(db.ravel(), numeric_grad(lambda v: f(b_=v), b).ravel())
    # with a shared x every run's dx is its own: the sum over runs is ∂f/∂x
    want_dx = numeric_grad(lambda v: f(x_=v), x)
    got_dx = dx.sum(axis=0) if shared_x else dx
    assert_close_grad(got_dx.ravel(), want_dx.ravel())


def test_dense_forward_is_xw_plus_b_per_run(rng):
    x = rng.standard_normal((R, B, N_IN))
    w = rng.standard_normal((R, N_IN, N_OUT))
    b = rng.standard_normal((R, N_OUT))
    z = Dense.forward(x, w, b)
    for r in range(R):
        np.testing.assert_allclose(z[r], x[r] @ w[r] + b[r], rtol=1e-14)


def test_dense_backward_writes_into_given_arrays(rng):
    x = rng.standard_normal((B, N_IN))
    w = rng.standard_normal((R, N_IN, N_OUT))
    dz = rng.standard_normal((R, B, N_OUT))
    flat = np.zeros((R, N_IN * N_OUT + N_OUT))
    dw_view = flat[:, :N_IN * N_OUT].reshape(R, N_IN, N_OUT)
    db_view = flat[:, N_IN * N_OUT:]
    Dense.backward(dz, x, w, need_dx=False, out=(dw_view, db_view))
    dw, db, _ = Dense.backward(dz, x, w)
    np.testing.assert_allclose(flat[:, :N_IN * N_OUT].reshape(R, N_IN, N_OUT), dw, rtol=1e-14)
    np.testing.assert_allclose(flat[:, N_IN * N_OUT:], db, rtol=1e-14)


@pytest.mark.parametrize("shared_x", [False, True], ids=["x per run", "x shared"])
@pytest.mark.parametrize("rows", [False, True], ids=["samples as columns", "samples as rows"])
def test_folded_dense_is_dense_with_the_bias_as_a_last_row(rng, shared_x, rows):
    """[W; b] and [xᵀ; 1]: the same z, ∂L/∂W, ∂L/∂b and ∂L/∂x as Dense, both orientations;
    and [W; b] read and written as a view of a flat vector (the MLP's layout)."""
    x = rng.standard_normal((B, N_IN) if shared_x else (R, B, N_IN))
    flat = rng.standard_normal((R, (N_IN + 1) * N_OUT))
    wb = flat.reshape(R, N_IN + 1, N_OUT)
    w, b = wb[:, :-1], wb[:, -1]
    x1 = np.concatenate([np.swapaxes(x, -1, -2), np.ones(x.shape[:-2] + (1, B))], axis=-2)
    z = FoldedDense.forward(x1, wb, rows=rows)
    want = Dense.forward(x, w, b)
    np.testing.assert_allclose(z if rows else np.swapaxes(z, 1, 2), want, rtol=1e-13)
    c = rng.standard_normal((R, B, N_OUT))  # ∂L/∂z
    grad = np.zeros_like(flat)
    dwb, dx = FoldedDense.backward(c if rows else np.swapaxes(c, 1, 2), x1, wb, rows=rows,
                                   dwb_out=grad.reshape(R, N_IN + 1, N_OUT))
    dw, db, want_dx = Dense.backward(c, x, w)
    np.testing.assert_allclose(grad.reshape(R, N_IN + 1, N_OUT)[:, :-1], dw, rtol=1e-13)
    np.testing.assert_allclose(grad.reshape(R, N_IN + 1, N_OUT)[:, -1], db, rtol=1e-13)
    np.testing.assert_allclose(np.swapaxes(dx, 1, 2), want_dx, rtol=1e-13)


# --- activations -------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_backward_matches_finite_differences(rng, name):
    act = ACTIVATIONS[name]
    z = rng.uniform(-3, 3, (R, B, N_OUT))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from relu's kink
    c = rng.standard_normal(z.shape)
    dz = act.backward(c, z, act.forward(z))
    assert_close_grad(dz.ravel(), numeric_grad(lambda v: float((act.forward(v) * c).sum()),
                                               z).ravel())


@pytest.mark.parametrize("name, formula", [
    ("relu", lambda z: np.maximum(z, 0)),
    ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
    ("tanh", np.tanh),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
])
def test_activation_forward_is_the_textbook_formula(name, formula):
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(ACTIVATIONS[name].forward(z), formula(z), rtol=1e-12, atol=1e-15)


def test_relu_family_derivative_at_zero_is_torchs():
    z = np.zeros(3)
    ones = np.ones(3)
    assert ReLU.backward(ones, z, ReLU.forward(z)).tolist() == [0.0, 0.0, 0.0]
    assert LeakyReLU.backward(ones, z, LeakyReLU.forward(z)).tolist() == [0.01] * 3


def test_sigmoid_does_not_overflow():
    z = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = ACTIVATIONS["sigmoid"].forward(z)
    assert a.tolist() == [0.0, 1.0]


# --- losses ------------------------------------------------------------------------------

def _targets(rng, head, k):
    labels = rng.integers(0, k, B)
    if head == "sigmoid_bce":
        return labels.astype(float)[:, None]
    return np.eye(k)[labels]


@pytest.mark.parametrize("head, k", [("softmax_ce", 2), ("softmax_ce", 3), ("sigmoid_bce", 1),
                                     ("mse", 3)])
def test_loss_gradient_matches_finite_differences(rng, head, k):
    z = rng.standard_normal((R, B, k)) * 2
    y = _targets(rng, head, max(k, 2))
    loss, dz = LOSSES[head].loss_and_grad(z, y)
    assert loss.shape == (R,)
    np.testing.assert_array_equal(loss, LOSSES[head].loss(z, y))
    assert_close_grad(dz.ravel(),
                      numeric_grad(lambda v: float(LOSSES[head].loss(v, y).sum()), z).ravel())


def test_softmax_cross_entropy_is_minus_mean_log_probability_of_the_label(rng):
    z = rng.standard_normal((R, B, 4))
    labels = rng.integers(0, 4, B)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    want = -np.log(p[:, np.arange(B), labels]).mean(axis=1)
    np.testing.assert_allclose(SoftmaxCrossEntropy.loss(z, np.eye(4)[labels]), want, rtol=1e-13)
    np.testing.assert_allclose(softmax(z), p, rtol=1e-13)
    np.testing.assert_allclose(log_softmax(z), np.log(p), rtol=1e-12, atol=1e-14)


def _exact_two_class_ce(z, labels):
    """ℓ and ∂ℓ/∂z of one sample, K = 2, by the textbook formula at 800 digits (mpmath):
    enough that 1 − p keeps its digits where p is within e^(−745) of 1."""
    mp.mp.dps = 800
    a, b = (mp.mpf(float(v)) for v in z)
    p = [mp.exp(a) / (mp.exp(a) + mp.exp(b)), mp.exp(b) / (mp.exp(a) + mp.exp(b))]
    ell = -mp.log(p[labels])
    return float(ell), [float(p[k] - (k == labels)) for k in range(2)]


def test_two_class_cross_entropy_is_exact_in_both_tails():
    # margins from confidently right (label's probability rounds to 1) to confidently wrong
    margins = [-745.0, -700.0, -60.0, -37.5, -20.0, -1e-9, 0.0, 1e-9, 0.3, 20.0, 60.0, 700.0]
    for label in (0, 1):
        z = np.array([[[0.25, 0.25 + u] if label == 0 else [0.25 + u, 0.25] for u in margins]])
        y = np.eye(2)[[label] * len(margins)]
        ell, dz = SoftmaxCrossEntropy._binary(z, y)
        for i in range(len(margins)):
            want_ell, want_dz = _exact_two_class_ce(z[0, i], label)
            assert ell[0, i] == pytest.approx(want_ell, rel=4e-16, abs=1e-320)
            assert dz[0, i] * len(margins) == pytest.approx(want_dz, rel=4e-16, abs=1e-320)


def test_two_class_closed_form_is_the_general_form(rng):
    z = rng.standard_normal((R, 64, 2)) * rng.choice([0.1, 3.0, 40.0], (R, 64, 1))
    y = np.eye(2)[rng.integers(0, 2, 64)]
    ell2, dz2 = SoftmaxCrossEntropy._binary(z, y)
    ell, dz = SoftmaxCrossEntropy._general(z, y)
    np.testing.assert_allclose(ell2, ell, rtol=2e-15, atol=1e-300)
    np.testing.assert_allclose(dz2, dz, rtol=2e-15, atol=1e-300)
    # what the engine calls picks the closed form for two classes, the general one for more
    np.testing.assert_array_equal(SoftmaxCrossEntropy.loss_and_grad(z, y)[1], dz2)
    np.testing.assert_array_equal(SoftmaxCrossEntropy.loss(z, y), ell2.mean(axis=1))
    z3 = np.concatenate([z, z[..., :1]], axis=-1)
    y3 = np.concatenate([y, 0 * y[:, :1]], axis=-1)
    np.testing.assert_array_equal(SoftmaxCrossEntropy.loss_and_grad(z3, y3)[1],
                                  SoftmaxCrossEntropy._general(z3, y3)[1])


def test_bce_is_the_textbook_formula(rng):
    z = rng.standard_normal((R, B, 1)) * 3
    y = rng.integers(0, 2, (B, 1)).astype(float)
    s = 1 / (1 + np.exp(-z))
    want = -(y * np.log(s) + (1 - y) * np.log(1 - s)).reshape(R, -1).mean(axis=1)
    np.testing.assert_allclose(SigmoidBCE.loss(z, y), want, rtol=1e-12)


def test_mse_is_mean_over_all_elements(rng):
    z = rng.standard_normal((R, B, 3))
    y = np.eye(3)[rng.integers(0, 3, B)]
    np.testing.assert_allclose(MSE.loss(z, y), ((z - y) ** 2).mean(axis=(1, 2)), rtol=1e-14)


@pytest.mark.parametrize("head", ["softmax_ce", "sigmoid_bce"])
def test_losses_stay_finite_for_huge_logits(head):
    # two samples, both confidently wrong by a margin of 2000 (softmax) / 1000 (sigmoid)
    if head == "softmax_ce":
        z = np.array([[[1000.0, -1000.0], [-1000.0, 1000.0]]])
        y, want = np.array([[0.0, 1.0], [1.0, 0.0]]), 2000.0
    else:
        z = np.array([[[1000.0], [-1000.0]]])
        y, want = np.array([[0.0], [1.0]]), 1000.0
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is harmless
        loss, dz = LOSSES[head].loss_and_grad(z, y)
    assert np.isfinite(loss).all() and np.isfinite(dz).all()
    assert loss[0] == pytest.approx(want, rel=1e-12)


def test_losses_are_vectorised_over_runs(rng):
    for head in LOSSES:
        k = 1 if head == "sigmoid_bce" else 3
        z = rng.standard_normal((R, B, k))
        y = _targets(rng, head, 3 if k == 3 else 2)
        loss, dz = LOSSES[head].loss_and_grad(z, y)
        for r in range(R):
            l1, d1 = LOSSES[head].loss_and_grad(z[r:r + 1], y)
            assert l1[0] == loss[r]
            np.testing.assert_array_equal(d1[0], dz[r])
