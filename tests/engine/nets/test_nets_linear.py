"""linreg2 and logreg2: surfaces over (w1, w2) built from data — formulas, gradients and
Hessians (hand formulas and finite differences), known answers, and the surface tools
(grid, Batch, stability bounds, explanations, sweeps) working on them unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine import stability
from gdviz.engine.explain import explain
from gdviz.engine.landscape import sweep_batch, sweep_result
from gdviz.engine.nets.datasets import linreg2_data, logreg2_data
from gdviz.engine.nets.linear import (LinReg2, LogReg2, make_linreg2, make_logreg2,
                                    separable_through_origin)
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status, run_to_end
from gdviz.engine.surfaces import Surface, grid
from nets_fd import assert_close_grad, numeric_grad

LIN = make_linreg2()
LOG = make_logreg2()
MODELS = {"linreg2": LIN, "logreg2": LOG,
          "linreg2_random": make_linreg2(random_targets=True, seed=3)}


def gd(model, lr, start, steps, optimizer="gd"):
    hyper = hyper_arrays([{**defaults(optimizer), "lr": lr}])
    return Batch(model, OPTIMIZERS[optimizer], hyper, np.array([start], float), steps)


def points(model, n=12, seed=0):
    (x0, x1), (y0, y1) = model.domain
    return np.random.default_rng(seed).uniform([x0, y0], [x1, y1], (n, 2))


# --- what they are ---------------------------------------------------------------------------

def test_they_are_surfaces_with_the_issues_defaults():
    assert isinstance(LIN, Surface) and isinstance(LIN, LinReg2)
    assert isinstance(LOG, Surface) and isinstance(LOG, LogReg2)
    assert LIN.start == (2.0, 3.0) and LIN.lr == 0.1 and LIN.dim == 2
    assert LIN.data.x.shape == (100, 2)
    assert "2·mean((ŷ−y)·x1)" in LIN.grad_formula
    assert LIN.data_formula.startswith("y = 1·x1 − 2·x2 + ε")
    assert LOG.data.n_train == 100 and not LOG.separable


def test_linreg2_loss_and_gradient_are_the_hand_formulas():
    x1, x2, y = LIN.data.x[:, 0], LIN.data.x[:, 1], LIN.data.y
    for w1, w2 in points(LIN):
        yhat = w1 * x1 + w2 * x2
        loss, grad = LIN.loss_and_grad(np.array([[w1, w2]]))
        assert loss[0] == np.mean((yhat - y) ** 2)
        assert grad[0, 0] == 2 * np.mean((yhat - y) * x1)
        assert grad[0, 1] == 2 * np.mean((yhat - y) * x2)


def test_logreg2_loss_and_gradient_are_the_hand_formulas():
    x, y = LOG.data.x_train, LOG.data.y_train
    for w in points(LOG):
        p = 1 / (1 + np.exp(-(x @ w)))
        loss, grad = LOG.loss_and_grad(w[None, :])
        assert loss[0] == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
                                        rel=1e-13)
        np.testing.assert_allclose(grad[0], x.T @ (p - y) / len(y), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mid", list(MODELS))
def test_gradient_and_hessian_match_finite_differences(mid):
    m = MODELS[mid]
    for w in points(m):
        g = np.array(m.grad(*w))
        assert_close_grad(g, numeric_grad(lambda v: float(m.value(*v)), w))
        h = m.hessian(w[None, :])[0]
        num = np.stack([numeric_grad(lambda v: float(m.grad(*v)[i]), w) for i in (0, 1)])
        assert_close_grad(h.ravel(), num.ravel(), rel=1e-6, abs_=1e-8)


@pytest.mark.parametrize("mid", list(MODELS))
def test_value_grad_hess_are_vectorised_over_grids(mid):
    m = MODELS[mid]
    xs, ys, z = grid(m, 9)
    assert z.shape == (9, 9)
    p = points(m, 5)
    loss, grad = m.loss_and_grad(p)
    np.testing.assert_allclose(loss, m.value(p[:, 0], p[:, 1]), rtol=1e-13)
    np.testing.assert_allclose(grad, np.stack(m.grad(p[:, 0], p[:, 1]), 1), rtol=1e-12,
                               atol=1e-15)
    assert m.hessian(p).shape == (5, 2, 2)
    np.testing.assert_allclose(z[3, 5], m.value(xs[5], ys[3]), rtol=1e-14)


def test_linreg2_hessian_is_two_xtx_over_n_and_logreg2_is_xtsx_over_n():
    x = LIN.data.x
    h = LIN.hessian(points(LIN, 3))
    np.testing.assert_allclose(h, np.broadcast_to(2 * x.T @ x / len(x), (3, 2, 2)), rtol=1e-14)
    xl = LOG.data.x_train
    for w in points(LOG, 3):
        p = 1 / (1 + np.exp(-(xl @ w)))
        want = xl.T @ (xl * (p * (1 - p))[:, None]) / len(xl)
        np.testing.assert_allclose(LOG.hessian(w[None, :])[0], want, rtol=1e-12)


def test_minima_are_the_least_squares_and_the_bce_minimiser():
    best = np.linalg.lstsq(LIN.data.x, LIN.data.y, rcond=None)[0]
    np.testing.assert_allclose(LIN.minima[0], best, rtol=1e-12)
    # near the true line the data were drawn from
    np.testing.assert_allclose(best, [1.0, -2.0], atol=0.1)
    for m in MODELS.values():
        g = m.loss_and_grad(m.minima_array())[1]
        assert np.linalg.norm(g) < 1e-12
        assert stability.curvature(m.hessian(m.minima_array())[0]).lam_min > 0
    (x0, x1), (y0, y1) = LIN.domain
    for p in (LIN.start, LIN.minima[0]):
        assert x0 < p[0] < x1 and y0 < p[1] < y1


# --- the known answers -------------------------------------------------------------------------

def test_linreg2_gd_step_one_is_w_minus_lr_grad_exactly():
    b = gd(LIN, 0.1, LIN.start, 10)
    traj = run_to_end(b)
    w0 = np.array(LIN.start)
    x1, x2, y = LIN.data.x[:, 0], LIN.data.x[:, 1], LIN.data.y
    r = w0[0] * x1 + w0[1] * x2 - y
    grad = np.array([2 * np.mean(r * x1), 2 * np.mean(r * x2)])
    assert traj.params[1, 0].tolist() == (w0 - 0.1 * grad).tolist()
    assert traj.grad[0, 0].tolist() == grad.tolist()


@pytest.mark.parametrize("mid", ["linreg2", "linreg2_random"])
def test_linreg2_gd_at_lr_0_1_lowers_the_loss_every_step_and_converges(mid):
    m = MODELS[mid]
    b = gd(m, 0.1, (2.0, 3.0), 5000)
    traj = run_to_end(b)
    loss = traj.loss[: b.end_step[0] + 1, 0]
    assert len(loss) > 500
    assert (np.diff(loss) < 0).all()
    assert b.status[0] == Status.CONVERGED
    np.testing.assert_allclose(b.params[0], m.minima[0], atol=1e-5)
    assert "global minimum" in explain(b, 0)


def test_linreg2_gd_above_the_stability_bound_diverges_and_names_it():
    lam = stability.curvature(LIN.hessian(LIN.minima_array())[0]).lam_max
    bound = 2 / lam
    assert stability.report(LIN, np.array(LIN.start)).bounds["gd"][0] == pytest.approx(bound)
    lrs = np.array([0.5 * bound, 0.9 * bound, 1.01 * bound, 1.5 * bound])
    res = sweep_result(run_to_end_batch(sweep_batch(LIN, OPTIMIZERS["gd"], defaults("gd"),
                                                    LIN.start, lrs, 20000)), lrs, LIN.start)
    assert res.bound == pytest.approx(bound)
    assert res.status[0] == Status.CONVERGED
    assert res.status[1] != Status.DIVERGED  # below the bound: never diverges
    assert (res.status[2:] == Status.DIVERGED).all()
    b = gd(LIN, 1.5 * bound, LIN.start, 2000)
    b.run()
    assert b.status[0] == Status.DIVERGED
    assert "2/λ_max" in explain(b, 0)


def run_to_end_batch(b):
    b.run()
    return b


def test_logreg2_converges_to_its_minimum():
    b = gd(LOG, LOG.lr, LOG.start, 20000)
    b.run()
    assert b.status[0] == Status.CONVERGED
    np.testing.assert_allclose(b.params[0], LOG.minima[0], atol=1e-4)


def test_logreg2_on_separable_blobs_has_no_minimum_and_the_weights_keep_growing():
    m = make_logreg2(noise=0.3)
    assert m.separable and m.minima == () and m.minima_array().shape == (0, 2)
    assert "no minimum" in m.data_formula
    b = gd(m, 1.0, m.start, 3000)
    traj = run_to_end(b)
    loss = traj.loss[:, 0]
    assert (np.diff(loss[200:]) < 0).all()
    norms = np.linalg.norm(traj.params[:, 0], axis=1)
    assert (np.diff(norms[200:]) > 0).all() and norms[-1] > 1.4 * norms[200]  # ~ log(steps)
    # and the explanation does not need a minimum
    assert isinstance(explain(b, 0), str)


def test_separability_through_the_origin():
    x = np.array([[1.0, 0.2], [2.0, -0.1], [-1.0, 0.1], [-2.0, 0.3]])
    assert separable_through_origin(x, np.array([1, 1, 0, 0]))
    assert not separable_through_origin(x, np.array([1, 0, 1, 0]))
    # XOR-like corners cannot be split by a line through the origin
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    assert not separable_through_origin(corners, np.array([1, 1, 0, 0]))
    d = logreg2_data(noise=1.0)
    assert not separable_through_origin(d.x_train, d.y_train)


def test_predictions():
    w = np.array([[1.0, -2.0], [0.5, 0.5]])
    x = LIN.data.x[:4]
    np.testing.assert_allclose(LIN.predict(w, x), w @ x.T, rtol=1e-15)
    p = LOG.predict(w, x)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(w @ x.T))), rtol=1e-13)


def test_linreg2_data_options_flow_through():
    m = make_linreg2(n=50, noise=0.0, seed=4)
    assert m.data.x.shape == (50, 2)
    np.testing.assert_allclose(m.minima[0], [1.0, -2.0], atol=1e-12)  # noiseless: the line
    assert linreg2_data(50, 0.0, 4).y.tolist() == m.data.y.tolist()


@pytest.mark.parametrize("name", ["linreg2", "logreg2"])
def test_chunks_of_weight_pairs_change_nothing(monkeypatch, name):
    """Many weight pairs (a basin map, a contour grid) go through in chunks of
    ``CHUNK_ELEMENTS`` pairs × points; each pair's numbers are the same bytes in one chunk,
    in chunks of a few pairs, and alone."""
    from gdviz.engine.nets import linear

    model = MODELS[name]
    w = np.random.default_rng(4).normal(size=(3001, 2)) * 3
    monkeypatch.setattr(linear, "CHUNK_ELEMENTS", 1 << 30)  # one chunk
    whole = model.loss_and_grad(w)
    grid_whole = model.value(w[:, 0], w[:, 1])
    monkeypatch.setattr(linear, "CHUNK_ELEMENTS", 7 * 100)  # seven pairs at a time
    for got, want in zip(model.loss_and_grad(w), whole):
        assert got.tobytes() == want.tobytes()
    assert model.value(w[:, 0], w[:, 1]).tobytes() == grid_whole.tobytes()
    alone = model.loss_and_grad(w[1234:1235])
    assert alone[0].tobytes() == whole[0][1234:1235].tobytes()
    assert alone[1].tobytes() == whole[1][1234:1235].tobytes()
