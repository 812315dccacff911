"""``expr_surface``: a typed f(x, y) behaves exactly like the named surface it spells,
has sensible minima, start, learning rate and contour scale, and works unchanged with
the run engine, the stability bounds and the landscape grids."""

from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest

from gdviz.engine import landscape, stability
from gdviz.engine.expr import DomainError, ExprError, ExprSurface, expr_surface, parse_expr
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status
from gdviz.engine.surfaces import SURFACES, grid

# the named surfaces, typed as a teacher would type them
TYPED = {
    "bowl": "x^2 + y^2",
    "ravine": "x^2 + 10*y^2",
    "saddle": "x^2 - y^2",
    "plateau": "1 - exp(-(x^2 + y^2)/2)",
    "two_wells": "(x^2 - 1)^2 + 0.3*x + y^2",
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "rastrigin": "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
    "ackley": "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "booth": "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
    "six_hump_camel": "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
    "styblinski_tang": "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)",
}


def typed(sid: str) -> ExprSurface:
    return expr_surface(TYPED[sid], SURFACES[sid].domain)


def _points(sid, n=32):
    rng = np.random.default_rng(zlib.crc32(sid.encode()))
    (x0, x1), (y0, y1) = SURFACES[sid].domain
    p = rng.uniform([x0, y0], [x1, y1], (n, 2))
    return p[np.hypot(p[:, 0], p[:, 1]) > 0.1]  # away from Ackley's kink


@pytest.mark.parametrize("sid", sorted(TYPED))
def test_typed_surface_equals_the_named_one(sid):
    mine, named = typed(sid), SURFACES[sid]
    p = _points(sid)
    loss, grad = mine.loss_and_grad(p)
    loss0, grad0 = named.loss_and_grad(p)
    np.testing.assert_allclose(loss, loss0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, grad0, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(mine.hessian(p), named.hessian(p), rtol=1e-9, atol=1e-8)


@pytest.mark.parametrize("sid", ["bowl", "ravine", "plateau", "two_wells", "rosenbrock",
                                 "himmelblau", "beale", "booth", "six_hump_camel",
                                 "styblinski_tang"])
def test_minima_found_are_the_known_ones(sid):
    found = np.array(typed(sid).minima, float).reshape(-1, 2)
    known = SURFACES[sid].minima_array()
    assert len(found) == len(known)
    d = np.linalg.norm(found[:, None, :] - known[None, :, :], axis=2)
    assert d.min(axis=1).max() < 1e-8  # every one found is known …
    assert d.min(axis=0).max() < 1e-8  # … and every known one is found
    values = typed(sid).value(found[:, 0], found[:, 1])
    assert (np.diff(values) >= -1e-12 * (1 + np.abs(values[1:]))).all()  # lowest first


def test_no_minima_where_there_are_none():
    assert typed("saddle").minima == ()
    assert expr_surface("x + y").minima == ()  # only the corner of the box is lowest
    assert expr_surface("x^2").minima == ()  # a line of minima, none isolated
    assert expr_surface("0").minima == ()
    assert expr_surface("-(x^2 + y^2)").minima == ()


def test_many_minima_are_capped_and_sorted():
    s = typed("rastrigin")
    assert s.minima[0] == (0.0, 0.0)
    assert 1 < len(s.minima) <= 25
    v = s.value(*np.array(s.minima).T)
    assert (np.diff(v) >= -1e-12 * (1 + np.abs(v[1:]))).all()


def test_degenerate_minimum_is_found_exactly():
    assert expr_surface("x^4 + y^4").minima == ((0.0, 0.0),)


def test_minima_lie_inside_the_domain():
    s = expr_surface("sin(x)*cos(y)")  # minima at (−π/2, 0) inside, (π/2, ±π) outside
    assert s.minima == ((-1.57079632679, 0.0),)


def _plain_gd(s, steps):
    b = Batch(s, OPTIMIZERS["gd"], hyper_arrays([defaults("gd") | {"lr": s.lr}]),
              np.array([s.start]), steps)
    while not b.done:
        b.advance()
    return b


@pytest.mark.parametrize("text, box", [
    ("x^2 + y^2", None), ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5, 5), (-5, 5))),
    ("sin(x)*cos(y) + 0.1*(x^2 + y^2)", None), ("x - log(x) + y^2", ((0.1, 4), (-2, 2))),
    ("x^4 + 2*y^2 - x*y", ((-2, 2), (-2, 2))), ("sigmoid(x)*y^2 + (x - 1)^2", None),
])
def test_start_and_lr_give_a_converging_plain_gd_run(text, box):
    s = expr_surface(text, box)
    (x0, x1), (y0, y1) = s.domain
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    f, g = s.loss_and_grad(np.array([s.start]))
    assert np.isfinite(f).all() and np.isfinite(g).all() and np.abs(g).max() > 0
    b = _plain_gd(s, 20_000)
    assert Status(int(b.status[0])) == Status.CONVERGED
    # it stops at a minimum that was found, and lr is below the stability bound there
    at, curv = stability.curvature_near(s, b.params[0])
    assert np.linalg.norm(b.params[0] - at) < 1e-3
    assert s.lr < 2 / curv.lam_max


def test_rosenbrock_lr_is_stable_even_if_slow():
    s = expr_surface("(1 - x)^2 + 100*(y - x^2)^2", ((-2, 2), (-1, 3)))
    b = _plain_gd(s, 3000)
    assert Status(int(b.status[0])) != Status.DIVERGED
    assert b.loss[0] < 0.1 * s.value(*s.start)


def test_contour_scale():
    assert typed("rosenbrock").contour_scale == "log"
    assert typed("beale").contour_scale == "log"
    assert typed("bowl").contour_scale == "linear"
    assert typed("rastrigin").contour_scale == "linear"


def test_gradient_formulas_are_exposed():
    s = expr_surface("x^2 + 3*x*y")
    assert s.id == "expr"
    assert s.expr == "x**2 + 3*x*y"
    assert s.formula == "f(x, y) = x² + 3xy"
    assert s.gradient_text == ("2*x + 3*y", "3*x")
    assert s.gradient_pretty == ("2x + 3y", "3x")
    assert s.grad_formula == "∂f/∂x = 2x + 3y,  ∂f/∂y = 3x"
    assert parse_expr(s.expr) == s.tree


def test_grid_shows_gaps_where_f_is_undefined():
    s = expr_surface("log(x) + sqrt(y)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs, ys, z = grid(s, 30)
    assert z.shape == (30, 30)
    defined = (xs[None, :] > 0) & (ys[:, None] >= 0)
    assert np.isfinite(z[defined]).all()
    assert not np.isfinite(z[~defined]).any()


def test_stability_report_uses_the_exact_hessian():
    s = expr_surface("x^2 + 10*y^2")
    r = stability.report(s, np.array(s.start))
    assert r.is_minimum and r.curvature.lam_max == pytest.approx(20.0)
    assert r.bounds["gd"][0] == pytest.approx(0.1)


def test_basin_map_over_a_typed_surface():
    s = typed("himmelblau")
    xs, ys, starts = landscape.grid_starts(24, s.domain)
    batch = landscape.basin_batch(s, OPTIMIZERS["gd"], defaults("gd") | {"lr": 0.01}, starts, 400)
    for _ in landscape.run_in_chunks(batch):
        pass
    result = landscape.basin_labels(batch, xs, ys, s.minima_array())
    assert set(np.unique(result.labels)) == {0, 1, 2, 3}


def test_divergence_outside_fs_domain_is_a_status_not_an_error():
    s = expr_surface("log(x) + y^2", ((0.1, 4), (-2, 2)))
    b = Batch(s, OPTIMIZERS["gd"], hyper_arrays([defaults("gd") | {"lr": 1.0}]),
              np.array([[0.2, 1.0]]), 50)
    while not b.done:
        b.advance()
    assert Status(int(b.status[0])) == Status.DIVERGED


# --- domain and caching -----------------------------------------------------------------

@pytest.mark.parametrize("box, fragment", [
    (((0, 0), (-1, 1)), "x range"),
    (((1, -1), (-1, 1)), "x range"),
    (((-1, 1), (2, 2 + 1e-9)), "y range"),
    (((-1, float("inf")), (-1, 1)), "finite"),
    (((-1, float("nan")), (-1, 1)), "x range"),
    (((-2e4, 1), (-1, 1)), "±10000"),
    ((-1, 1), "[[xmin, xmax], [ymin, ymax]]"),
    ((("a", 1), (-1, 1)), "[[xmin, xmax], [ymin, ymax]]"),
])
def test_bad_domains_are_refused_by_name(box, fragment):
    with pytest.raises(DomainError, match=None) as info:
        expr_surface("x^2", box)
    assert fragment in str(info.value)


def test_lists_and_tuples_give_the_same_cached_surface():
    a = expr_surface("x^2 + y^2", [[-2, 2], [-1, 1]])
    b = expr_surface("x^2 + y^2", ((-2.0, 2.0), (-1.0, 1.0)))
    assert a is b
    assert expr_surface("x^2 + y^2") is not a


def test_bad_text_raises_expr_error_with_position():
    with pytest.raises(ExprError) as info:
        expr_surface("x^2 + 2y")
    assert info.value.position == 7
    for not_text in (None, ["x"], 3):
        with pytest.raises(ExprError, match="must be text"):
            expr_surface(not_text)
