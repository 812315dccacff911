"""Symbolic gradients and Hessians of typed expressions, checked against finite
differences at random points (a corpus that uses every function, and random expressions
from hypothesis), against known closed forms, and as printed formulas."""

from __future__ import annotations

import ast
import math
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gdviz.engine.expr import (ALIASES, FUNCTIONS, ExprError, compile_trees, derivative, gradient,
                             hessian, parse_expr, to_pretty, to_text)

N_POINTS = 16
H = 1e-3  # step of the 5-point central difference (error ~ h⁴ f⁽⁵⁾ + ε|f|/h)

# (expression, box of random points); together they call every function and alias
CORPUS: list[tuple[str, tuple[tuple[float, float], tuple[float, float]]]] = [
    ("x**2 + 3*x*y", ((-3, 3), (-3, 3))),
    ("sin(x*y)", ((-2, 2), (-2, 2))),
    ("cos(x)*exp(y)", ((-3, 3), (-2, 2))),
    ("tan(x/3) + y**2", ((-3, 3), (-3, 3))),
    ("exp(-(x**2 + y**2)/2)", ((-3, 3), (-3, 3))),
    ("log(x**2 + y**2 + 1)", ((-3, 3), (-3, 3))),
    ("ln(1 + x**2)*y", ((-3, 3), (-3, 3))),
    ("log10(x**2 + 1) + log2(y**2 + 2)", ((-3, 3), (-3, 3))),
    ("sqrt(x**2 + y**2 + 1)", ((-3, 3), (-3, 3))),
    ("cbrt(x*y)", ((0.5, 3), (0.5, 3))),
    ("cbrt(x - 5)*y", ((-3, 3), (-3, 3))),
    ("abs(x*y) + abs(x - 1)", ((-3, 3), (-3, 3))),
    ("sign(x)*y**2 + x", ((-3, 3), (-3, 3))),
    ("heaviside(x)*y + x*y", ((-3, 3), (-3, 3))),
    ("tanh(x*y)", ((-2, 2), (-2, 2))),
    ("sinh(x/2) + cosh(y/2)*x", ((-3, 3), (-3, 3))),
    ("arctan(x*y) + atan(x - y)", ((-3, 3), (-3, 3))),
    ("arcsin(x/4) + arccos(y/4)", ((-3, 3), (-3, 3))),
    ("asin(x*y/10) - acos(x/5)", ((-3, 3), (-3, 3))),
    ("sigmoid(x + 2*y)", ((-3, 3), (-3, 3))),
    ("logistic(x*y)", ((-3, 3), (-3, 3))),
    ("softplus(x - y)*x", ((-3, 3), (-3, 3))),
    ("relu(x)*y + relu(-y)", ((-3, 3), (-3, 3))),
    ("atan2(y, x + 5)", ((-3, 3), (-3, 3))),
    ("arctan2(y + 4, x)", ((-3, 3), (-3, 3))),
    ("max(x, y) + min(x**2, y)", ((-3, 3), (-3, 3))),
    ("max(0, 1 - x*y)", ((-3, 3), (-3, 3))),
    ("(x + 4)**(y/2)", ((-3, 3), (-3, 3))),
    ("x**y", ((0.5, 3), (-2, 2))),
    ("2**x*3**(-y)", ((-3, 3), (-3, 3))),
    ("e**(x*y/4)", ((-3, 3), (-3, 3))),
    ("pi*x**2 - e*y", ((-3, 3), (-3, 3))),
    ("(x + 4)**(1/3) + (y + 4)**-2", ((-3, 3), (-3, 3))),
    ("(x**2 - 1)**2 + 0.3*x + y**2", ((-2, 2), (-1.5, 1.5))),
    ("(1 - x)**2 + 100*(y - x**2)**2", ((-2, 2), (-1, 3))),
    ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5, 5), (-5, 5))),
    ("x/(1 + y**2)", ((-3, 3), (-3, 3))),
    ("sin(x)/x + y", ((0.2, 3), (-3, 3))),
    ("-x**2*y + 1/(2 + cos(x*y))", ((-3, 3), (-3, 3))),
    ("exp(sin(x) + cos(y))*x", ((-3, 3), (-3, 3))),
    ("sqrt(abs(x*y) + 1)", ((-3, 3), (-3, 3))),
    ("x*y*exp(-x**2 - y**2)", ((-3, 3), (-3, 3))),
    ("log(sigmoid(x*y))", ((-3, 3), (-3, 3))),
    ("logsigmoid(x - 2*y) + sech(x*y/2)", ((-3, 3), (-3, 3))),
    ("20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)", ((-5.12, 5.12), (-5.12, 5.12))),
    ("-20*exp(-0.2*sqrt(0.5*(x**2 + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
     ((0.3, 4), (0.3, 4))),
    ("x^3 - 3*x*y^2", ((-3, 3), (-3, 3))),
    ("(x*y)**2/(x**2 + 1) - y/x", ((0.5, 3), (-3, 3))),
]


def test_corpus_uses_every_function_and_alias():
    used = set()
    for text, _ in CORPUS:
        for node in ast.walk(ast.parse(text.replace("^", "**"), mode="eval")):
            if isinstance(node, ast.Call):
                used.add(node.func.id)
    assert set(FUNCTIONS) | set(ALIASES) <= used
    assert len(CORPUS) >= 30


def _points(text, box, n=N_POINTS):
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    (x0, x1), (y0, y1) = box
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def _d5(fun, x, y, axis):
    """5-point central difference of ``fun`` (returning an array) along x or y."""
    def at(k):
        return fun(x + k * H, y) if axis == 0 else fun(x, y + k * H)
    return (at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * H)


def _close(actual, expected, scale):
    """|a − e| ≤ 1e-6·|e| + 1e-9·(1 + scale): FD error for values of size ``scale``."""
    ok = np.isfinite(actual) & np.isfinite(expected)
    err = np.abs(actual - expected)[ok]
    allowed = (1e-6 * np.abs(expected) + 1e-9 * (1 + scale))[ok]
    return ok.sum() >= 1 and bool(np.all(err <= allowed)), np.max(err - allowed, initial=-1)


def _check_derivatives(text, x, y):
    f = parse_expr(text)
    g = gradient(f)
    h = hessian(g)
    value, grad, hess = compile_trees(f), compile_trees(*g), compile_trees(*h)
    fx = value(x, y)[0]
    scale = np.abs(fx) + 1
    gx, gy = grad(x, y)
    for axis, analytic in ((0, gx), (1, gy)):
        ok, worst = _close(analytic, _d5(lambda a, b: value(a, b)[0], x, y, axis), scale * 100)
        assert ok, f"∂f/∂{'xy'[axis]} of {text}: {to_text(g[axis])}, worst excess {worst}"
    hxx, hxy, hyy = hess(x, y)
    gscale = np.abs(gx) + np.abs(gy) + scale
    for analytic, i, axis in ((hxx, 0, 0), (hxy, 0, 1), (hyy, 1, 1)):
        ok, worst = _close(analytic, _d5(lambda a, b: grad(a, b)[i], x, y, axis), gscale * 100)
        assert ok, f"Hessian entry ({i},{axis}) of {text}: worst excess {worst}"
    # the mixed partial taken the other way round is the same function
    hyx = compile_trees(derivative(g[1], "x"))(x, y)[0]
    assert np.allclose(hyx, hxy, rtol=1e-9, atol=1e-9 * gscale.max(), equal_nan=True)


@pytest.mark.parametrize("text, box", CORPUS, ids=[t for t, _ in CORPUS])
def test_gradient_and_hessian_match_finite_differences(text, box):
    x, y = _points(text, box)
    _check_derivatives(text, x, y)


# --- closed forms and printed formulas -------------------------------------------------

@pytest.mark.parametrize("text, dx, dy", [
    ("x**2 + 3*x*y", "2*x + 3*y", "3*x"),
    ("x**2 + y**2", "2*x", "2*y"),
    ("sin(x*y)", "y*cos(x*y)", "x*cos(x*y)"),
    ("x**3/3 + y", "x**2", "1"),
    ("x*y", "y", "x"),
    ("exp(x)*y", "y*exp(x)", "exp(x)"),
    ("log(x) + 5", "1/x", "0"),
    ("sin(x**2)", "2*x*cos(x**2)", "0"),
    ("cos(y)", "0", "-sin(y)"),
    ("(x - 1)**2", "2*(x - 1)", "0"),
    ("x/y", "1/y", "-x/y**2"),
    ("sqrt(x)", "1/(2*sqrt(x))", "0"),
    ("e**x", "e**x", "0"),
    ("2**x", "2**x*log(2)", "0"),
    ("-x**2 - y**2", "-2*x", "-2*y"),
    ("log(x**2 + 1)", "2*x/(x**2 + 1)", "0"),
    ("max(0, x)", "heaviside(x)", "0"),
    ("abs(x)", "sign(x)", "0"),
    ("x + x + y - y", "2", "0"),
    ("x*x*x", "3*x**2", "0"),
])
def test_gradient_formulas_read_as_written_by_hand(text, dx, dy):
    g = gradient(parse_expr(text))
    assert (to_text(g[0]), to_text(g[1])) == (dx, dy)


def test_gradient_formula_pretty_form():
    g = gradient(parse_expr("x**2 + 3*x*y + sin(x**2)"))
    assert to_pretty(g[0]) == "2x + 3y + 2x·cos(x²)"


def test_known_derivative_is_numerically_exact():
    # d/dx sin(x*y) = y*cos(x*y), compared with the closed form (not with FD)
    x, y = _points("known", ((-3, 3), (-3, 3)), 200)
    dx = compile_trees(derivative(parse_expr("sin(x*y)"), "x"))(x, y)[0]
    np.testing.assert_allclose(dx, y * np.cos(x * y), rtol=1e-15, atol=1e-15)
    hxy = compile_trees(hessian(gradient(parse_expr("sin(x*y)")))[1])(x, y)[0]
    np.testing.assert_allclose(hxy, np.cos(x * y) - x * y * np.sin(x * y), rtol=1e-12, atol=1e-12)


def test_hessian_of_a_quadratic_is_constant():
    h = hessian(gradient(parse_expr("3*x**2 - 2*x*y + 5*y**2 + x - 7")))
    assert [to_text(t) for t in h] == ["6", "-2", "10"]


@pytest.mark.parametrize("text, _", CORPUS[:20], ids=[t for t, _ in CORPUS[:20]])
def test_printed_gradient_parses_back_to_the_same_function(text, _):
    """A student may paste the gradient formula back in: it is the same function."""
    x, y = _points(text + "paste", ((-1, 1), (0.5, 1.5)))
    for part in gradient(parse_expr(text)):
        try:
            again = parse_expr(to_text(part))
        except ExprError as e:  # a formula longer than the input limit is fine to refuse
            assert "characters long" in e.message or "more than" in e.message
            continue
        a, b = compile_trees(part)(x, y)[0], compile_trees(again)(x, y)[0]
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_each_distinct_subtree_is_evaluated_once():
    f = parse_expr("exp(sin(x*y))*cos(x*y) + exp(sin(x*y))")
    g = gradient(f)
    shared = compile_trees(f, *g)
    separate = sum(compile_trees(t).size for t in (f, *g))
    assert shared.size < separate


# --- random expressions ---------------------------------------------------------------

_SAFE_UNARY = ["sin", "cos", "tanh", "arctan", "sigmoid", "softplus", "exp"]


def _expressions():
    leaves = st.sampled_from(["x", "y", "2", "3", "0.5", "1.5", "pi", "e"])

    def extend(sub):
        return st.one_of(
            st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(sub, sub).map(lambda t: f"({t[0]})/(1 + ({t[1]})**2)"),
            st.tuples(sub, st.integers(0, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
            sub.map(lambda s: f"-({s})"),
            st.tuples(st.sampled_from(_SAFE_UNARY), sub).map(lambda t: f"{t[0]}({t[1]})"),
            sub.map(lambda s: f"sqrt(({s})**2 + 1)"),
            sub.map(lambda s: f"log(({s})**2 + 1)"),
        )
    return st.recursive(leaves, extend, max_leaves=8)


_NUMPY = {"sin": np.sin, "cos": np.cos, "tanh": np.tanh, "arctan": np.arctan, "exp": np.exp,
          "sqrt": np.sqrt, "log": np.log, "sigmoid": lambda u: 1 / (1 + np.exp(-u)),
          "softplus": lambda u: np.log1p(np.exp(u))}


def _reference(node, x, y):
    """An independent evaluator of the generated text's Python syntax tree."""
    if isinstance(node, ast.Expression):
        return _reference(node.body, x, y)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return {"x": x, "y": y, "pi": math.pi, "e": math.e}[node.id]
    if isinstance(node, ast.UnaryOp):
        return -_reference(node.operand, x, y)
    if isinstance(node, ast.Call):
        return _NUMPY[node.func.id](_reference(node.args[0], x, y))
    a, b = _reference(node.left, x, y), _reference(node.right, x, y)
    return {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
            ast.Pow: np.power}[type(node.op)](a, b)


_X = np.array([-1.3, -0.4, 0.2, 0.9, 1.6])
_Y = np.array([0.7, -1.1, 0.3, 1.4, -0.6])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_random_expressions(text):
    try:
        f = parse_expr(text)
    except ExprError as e:
        assume(False)  # e.g. a constant part overflowing: refused, fine
        raise AssertionError(e.message)
    # evaluation agrees with an independent evaluator
    with np.errstate(all="ignore"):
        expected = np.broadcast_to(_reference(ast.parse(text, mode="eval"), _X, _Y), _X.shape)
    got = compile_trees(f)(_X, _Y)[0]
    assume(np.isfinite(expected).all() and np.abs(expected).max() < 1e6)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    # the Python form parses back to the same tree — or, where a folded constant is a
    # fraction too long to write exactly (number_text rounds it to a float), the same values
    back = parse_expr(to_text(f))
    if back != f:
        np.testing.assert_allclose(compile_trees(back)(_X, _Y)[0], got, rtol=1e-12, atol=1e-12)
    assert to_pretty(f)
    _check_derivatives(text, _X, _Y)
