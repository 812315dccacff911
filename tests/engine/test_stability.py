"""Stability bounds: the formulas, and an empirical check on the bowl (λ_max = 2)."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine import stability
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status
from gdviz.engine.surfaces import SURFACES

LAM_BOWL = 2.0


def test_gd_bound_is_two_over_lambda_max():
    assert stability.bound("gd", {"lr": 0.1}, 2.0) == 1.0
    assert stability.bound("gd", {"lr": 0.1}, 1000.0) == pytest.approx(0.002, rel=1e-15)
    # weight decay adds wd to every eigenvalue
    assert stability.bound("gd", {"lr": 0.1, "weight_decay": 0.5}, 2.0) == pytest.approx(0.8)


@pytest.mark.parametrize("mu,tau", [(0.9, 0.0), (0.5, 0.0), (0.9, 0.5), (0.0, 0.0)])
def test_momentum_bound_formula(mu, tau):
    b = stability.bound("momentum", {"lr": 0.1, "momentum": mu, "dampening": tau}, 2.0)
    assert b == pytest.approx(2 * (1 + mu) / ((1 - tau) * 2.0), rel=1e-15)


@pytest.mark.parametrize("mu", [0.9, 0.5, 0.0])
def test_nesterov_bound_formula(mu):
    b = stability.bound("nesterov", {"lr": 0.1, "momentum": mu}, 2.0)
    assert b == pytest.approx(2 * (1 + mu) / ((1 + 2 * mu) * 2.0), rel=1e-15)


@pytest.mark.parametrize("oid", ["adagrad", "rmsprop", "adam", "adamw"])
def test_adaptive_optimizers_have_no_bound(oid):
    assert stability.bound(oid, defaults(oid), 2.0) is None


def test_no_bound_without_positive_curvature():
    assert stability.bound("gd", {"lr": 0.1}, -2.0) is None
    assert stability.bound("gd", {"lr": 0.1}, 0.0) is None


def test_curvature_of_a_hessian():
    c = stability.curvature(np.array([[2.0, 0.0], [0.0, 20.0]]))
    assert (c.lam_max, c.lam_min, c.condition) == (20.0, 2.0, 10.0)
    assert stability.curvature(np.array([[2.0, 0.0], [0.0, -2.0]])).condition == np.inf
    assert stability.curvature(np.array([[np.inf, 0.0], [0.0, np.inf]])).lam_max == np.inf
    h = SURFACES["bowl"].hessian(np.array([[0.3, -0.2]]))[0]
    assert stability.curvature(h).lam_max == LAM_BOWL


def test_nearest_minimum():
    m = SURFACES["himmelblau"].minima_array()
    assert stability.nearest_minimum(m, np.array([2.9, 2.1])).tolist() == [3.0, 2.0]
    assert stability.nearest_minimum(np.empty((0, 2)), np.array([0.0, 0.0])) is None
    assert stability.nearest_minimum(m, np.array([np.nan, 0.0])) is None


def _bowl_runs(oid, hp, lrs, steps=3000):
    rows = [{**defaults(oid), **hp, "lr": float(lr)} for lr in lrs]
    b = Batch(SURFACES["bowl"], OPTIMIZERS[oid], hyper_arrays(rows),
              np.tile([[1.0, -0.5]], (len(lrs), 1)), steps)
    b.run()
    return b


@pytest.mark.parametrize("oid,hp", [
    ("gd", {}),
    ("momentum", {"momentum": 0.9}),
    ("momentum", {"momentum": 0.5}),
    ("momentum", {"momentum": 0.9, "dampening": 0.5}),
    ("nesterov", {"momentum": 0.9}),
    ("nesterov", {"momentum": 0.5}),
    ("gd", {"weight_decay": 0.5}),
    ("momentum", {"momentum": 0.9, "dampening": 0.5, "weight_decay": 1.0}),
    ("nesterov", {"momentum": 0.9, "weight_decay": 3.0}),
])
def test_bound_is_sharp_on_the_bowl(oid, hp):
    bound = stability.bound(oid, {"lr": 0.0, **hp}, LAM_BOWL)
    below = np.array([0.9, 0.95, 0.97]) * bound
    above = np.array([1.03, 1.05, 1.2]) * bound
    b = _bowl_runs(oid, hp, np.concatenate([below, above]))
    st = [Status(int(s)) for s in b.status]
    assert all(s != Status.DIVERGED for s in st[:3]), (bound, st)
    assert all(s == Status.CONVERGED for s in st[:3]), (bound, st)
    assert all(s == Status.DIVERGED for s in st[3:]), (bound, st)


def test_momentum_divergence_reason_shows_a_formula_that_gives_its_number():
    # μ = 0.9, τ = 0.5 on the bowl: the bound is 2(1+μ)/((1−τ)λ_max) = 3.8. The sentence must
    # not print "2(1+μ)/λ_max = 3.8" (that formula gives 1.9): it has to include the dampening.
    from gdviz.engine.explain import explain
    rows = [{**defaults("momentum"), "lr": 4.0, "momentum": 0.9, "dampening": 0.5}]
    b = Batch(SURFACES["bowl"], OPTIMIZERS["momentum"], hyper_arrays(rows),
              np.array([[1.0, 1.0]]), 3000)
    b.run()
    assert Status(int(b.status[0])) == Status.DIVERGED
    reason = explain(b, 0)
    assert "= 3.8" in reason, reason
    assert "τ" in reason, reason
