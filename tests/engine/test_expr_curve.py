"""A typed f(x): the same safe engine as f(x, y) with x the only variable — exact f′ and f″,
the same refusals and limits, minima and maxima found from the exact slope, and a start and
learning rate that make a good first run."""

from __future__ import annotations

import numpy as np
import pytest

from engine.test_expr_hostile import HOSTILE
from gdviz.engine.curves import CURVES
from gdviz.engine.expr import MAX_EXPR_CHARS, DomainError, ExprError, expr_surface
from gdviz.engine.expr.curve import expr_curve
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status

TYPED = {"quadratic": "x^2", "two_wells": "(x^2 - 1)^2 + 0.3*x", "cubic": "x^3",
         "plateau": "1 - exp(-x^2/2)", "ripples": "sin(3*x) + 0.1*x^2"}


@pytest.mark.parametrize("cid", list(TYPED))
def test_typed_equals_the_named_curve(cid):
    named = CURVES[cid]
    typed = expr_curve(TYPED[cid], named.domain)
    x = np.linspace(*named.domain, 97)
    for a, b in zip(typed.derivatives(x), named.derivatives(x)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(typed.minima, named.minima, atol=1e-9)
    maxima = [x for x, kind in named.flat if kind == "maximum"]
    np.testing.assert_allclose(sorted(x for x, _ in typed.flat), sorted(maxima), atol=1e-9)


def test_loss_and_grad_is_f_and_its_exact_slope():
    c = expr_curve("x^3 - 2*x")
    p = np.array([[0.5], [-1.0], [2.0]])
    loss, grad = c.loss_and_grad(p)
    np.testing.assert_array_equal(loss, p[:, 0] ** 3 - 2 * p[:, 0])
    np.testing.assert_allclose(grad[:, 0], 3 * p[:, 0] ** 2 - 2, rtol=1e-15)
    np.testing.assert_allclose(c.hessian(p)[:, 0, 0], 6 * p[:, 0], rtol=1e-15)
    assert c.d1_formula == "f′(x) = 3x² − 2" and c.formula == "f(x) = x³ − 2x"
    assert c.expr == "x**3 - 2*x" and c.d1_text == "3*x**2 - 2"


def test_y_is_refused_where_it_is_typed():
    err = pytest.raises(ExprError, expr_curve, "x^2 + 3*y").value
    assert (err.position, err.end) == (8, 9)
    assert "'y' is not a variable here" in err.message and "x only" in err.message
    assert "use x, pi, e" in pytest.raises(ExprError, expr_curve, "x + t").value.message
    expr_surface("x^2 + 3*y")  # f(x, y) still takes it


@pytest.mark.parametrize("name", [n for n in HOSTILE if n != "non-string"])
def test_the_hostile_corpus_is_refused_as_for_f_xy(name):
    text = HOSTILE[name]
    err = pytest.raises(ExprError, expr_curve, text).value
    assert 0 <= err.position <= len(text)


def test_the_same_length_limit():
    err = pytest.raises(ExprError, expr_curve, "x+" * 500_000 + "x").value
    assert err.position == MAX_EXPR_CHARS and f"limit is {MAX_EXPR_CHARS}" in err.message


@pytest.mark.parametrize("domain,fragment", [
    ([1, 1], "max − min"), ([0, float("inf")], "finite"), ([-2e4, 0], "±10000"),
    ("ab", "[xmin, xmax]"), ([1, 2, 3], "[xmin, xmax]")])
def test_bad_domains_are_refused_naming_the_range(domain, fragment):
    assert fragment in str(pytest.raises(DomainError, expr_curve, "x^2", domain).value)


@pytest.mark.parametrize("text,minima,maxima", [
    ("abs(x)", [0.0], []),                  # a kink is a minimum
    ("-x^2", [], [0.0]),
    ("x^4", [0.0], []),                     # degenerate: f″ = 0 there
    ("log(x)", [], []),                     # undefined left of 0, no stationary point
    ("-1/x^2", [], []),                     # f′ changes sign at the pole, f is not finite there
    ("x^3", [], []),                        # a flat inflection is neither
    ("cos(x)", [-np.pi, np.pi], [0.0]),     # minima of equal depth, left to right
])
def test_stationary_points(text, minima, maxima):
    c = expr_curve(text, [-3.5, 3.5])
    np.testing.assert_allclose(c.minima, minima, atol=1e-9)
    np.testing.assert_allclose([x for x, _ in c.flat], maxima, atol=1e-9)


def test_start_and_lr_make_a_converging_first_run():
    for text in TYPED.values():
        c = expr_curve(text)
        _, g, _ = c.derivatives(np.array(c.start))
        assert g != 0
        assert all(abs(c.start - m) > 0.05 * 6 for m in c.minima)
    c = expr_curve("x^2")
    assert c.lr <= 1 / 2  # 1/f″
    b = Batch(c, OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"), "lr": c.lr}]),
              np.array([[c.start]]), 500)
    b.run()
    assert b.status[0] == Status.CONVERGED


def test_built_curves_are_cached():
    assert expr_curve("x^2 + 1") is expr_curve("x^2 + 1")
    assert expr_curve("x^2 + 1") is not expr_curve("x^2 + 1", [-1, 1])
