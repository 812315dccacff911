"""1D functions: exact f′ and f″ vs finite differences and torch's autograd, their minima and
flat points, and runs on them through the same engine (every optimizer as torch, the status
rules, the stability bound 2/f″)."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine import stability
from gdviz.engine.curves import CURVES, curve_grid, get_curve
from gdviz.engine.landscape import sweep_batch, sweep_result
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status

H = 1e-6
IDS = ["quadratic", "two_wells", "cubic", "plateau", "ripples"]

REFERENCE = {  # written again from the formulas, independently of the module
    "quadratic": lambda x: x**2,
    "two_wells": lambda x: (x**2 - 1) ** 2 + 0.3 * x,
    "cubic": lambda x: x**3,
    "plateau": lambda x: 1 - np.exp(-(x**2) / 2),
    "ripples": lambda x: np.sin(3 * x) + 0.1 * x**2,
}


def points(cid: str, n: int = 40) -> np.ndarray:
    lo, hi = CURVES[cid].domain
    return np.random.default_rng(len(cid)).uniform(lo, hi, n)


def test_the_issues_five_functions_are_there():
    assert list(CURVES) == IDS
    assert len(CURVES["ripples"].minima) >= 5  # "a sin-based one with many minima"
    f = [CURVES["two_wells"].value(np.array(m)) for m in CURVES["two_wells"].minima]
    assert abs(f[0] - f[1]) > 0.5  # two minima of different depth
    assert CURVES["cubic"].flat == ((0.0, "inflection"),) and CURVES["cubic"].minima == ()


@pytest.mark.parametrize("cid", IDS)
def test_value_matches_the_formula(cid):
    x = points(cid)
    np.testing.assert_allclose(CURVES[cid].value(x), REFERENCE[cid](x), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("cid", IDS)
def test_derivatives_match_central_differences(cid):
    c, x = CURVES[cid], points(cid)
    fd1 = (c.value(x + H) - c.value(x - H)) / (2 * H)
    fd2 = (c.d1(x + H) - c.d1(x - H)) / (2 * H)
    np.testing.assert_allclose(c.d1(x), fd1, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(c.d2(x), fd2, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cid", IDS)
def test_derivatives_match_torch_autograd(cid):
    torch = pytest.importorskip("torch")
    fns = {"quadratic": lambda t: t**2, "two_wells": lambda t: (t**2 - 1) ** 2 + 0.3 * t,
           "cubic": lambda t: t**3, "plateau": lambda t: 1 - torch.exp(-(t**2) / 2),
           "ripples": lambda t: torch.sin(3 * t) + 0.1 * t**2}
    x = torch.tensor(points(cid), dtype=torch.float64, requires_grad=True)
    (d1,) = torch.autograd.grad(fns[cid](x).sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x)
    c = CURVES[cid]
    np.testing.assert_allclose(c.d1(x.detach().numpy()), d1.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(c.d2(x.detach().numpy()), d2.numpy(), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cid", IDS)
def test_minima_and_flat_points_are_every_zero_of_the_slope(cid):
    """Each listed minimum has f′ = 0 and f″ > 0, sorted lowest f first; each flat point has
    f′ = 0 and the curvature its kind says; and no sign change of f′ on a fine grid of the
    domain is missing from the two lists."""
    c = CURVES[cid]
    f, d1, d2 = c.derivatives(np.array(c.minima))
    assert np.all(np.abs(d1) < 1e-12) and np.all(d2 > 0)
    assert list(f) == sorted(f)
    for x, kind in c.flat:
        _, g, h = c.derivatives(np.array(x))
        assert abs(g) < 1e-12
        assert (h < 0) if kind == "maximum" else (h == 0)
    xs = np.linspace(*c.domain, 100_001)
    g = c.d1(xs)
    changes = xs[:-1][np.sign(g[:-1]) != np.sign(g[1:])]
    listed = np.array(sorted([*c.minima, *(x for x, _ in c.flat)]))
    for x in changes:
        assert np.min(np.abs(listed - x)) < 1e-3, f"f′ changes sign near {x} but no point is listed"


@pytest.mark.parametrize("cid", IDS)
def test_objective_interface_shapes(cid):
    c = CURVES[cid]
    p = points(cid, 5)[:, None]
    loss, grad = c.loss_and_grad(p)
    assert loss.shape == (5,) and grad.shape == (5, 1)
    np.testing.assert_array_equal(grad[:, 0], c.d1(p[:, 0]))
    h = c.hessian(p)
    assert h.shape == (5, 1, 1)
    np.testing.assert_array_equal(h[:, 0, 0], c.d2(p[:, 0]))
    assert c.minima_array().shape == (len(c.minima), 1)
    xs, ys = curve_grid(c, 11)
    assert xs[0] == c.domain[0] and xs[-1] == c.domain[1] and ys.shape == (11,)


def run(cid, lr, optimizer="gd", start=None, steps=500, **hyper):
    c = get_curve(cid)
    b = Batch(c, OPTIMIZERS[optimizer], hyper_arrays([{**defaults(optimizer), "lr": lr, **hyper}]),
              np.array([[c.start if start is None else start]]), steps)
    b.run()
    return b


def test_the_first_step_is_the_issues_arithmetic():
    """x ← 1.5 − 0.1 × 3.0 = 1.2 on x², bit for bit."""
    c = get_curve("quadratic")
    b = Batch(c, OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"), "lr": 0.1}]),
              np.array([[1.5]]), 10)
    assert b.grad[0, 0] == 3.0
    b.advance()
    assert b.params[0, 0] == 1.5 - 0.1 * 3.0


def test_stability_bound_is_two_over_the_second_derivative():
    """On x² (f″ = 2) GD converges for η < 2/f″ = 1, oscillates at 1 and diverges above."""
    report = stability.report(get_curve("quadratic"), np.array([1.5]))
    assert report.curvature.lam_max == 2.0 and report.bounds["gd"][0] == 1.0
    assert run("quadratic", 0.95).status[0] == Status.CONVERGED
    assert run("quadratic", 1.0).status[0] == Status.OSCILLATING
    assert run("quadratic", 1.05).status[0] == Status.DIVERGED


def test_two_wells_bound_uses_f2_at_the_minimum_reached():
    c = get_curve("two_wells")
    at = c.minima[1]
    bound = stability.report(c, np.array([1.8])).bounds["gd"][0]
    assert bound == pytest.approx(2 / c.d2(np.array(at)), rel=1e-15)
    # the bound is local: near the minimum just below it converges, just above it does not
    assert run("two_wells", 0.97 * bound, start=1.0).status[0] == Status.CONVERGED
    assert run("two_wells", 1.03 * bound, start=1.0).status[0] != Status.CONVERGED


def test_sweep_on_a_curve_reports_two_over_f2():
    c = get_curve("quadratic")
    lrs = np.array([0.01, 0.3, 0.9, 1.2])
    b = sweep_batch(c, OPTIMIZERS["gd"], defaults("gd"), [1.5], lrs, 500)
    b.run()
    res = sweep_result(b, lrs, [1.5])
    assert res.bound == 1.0 and res.minimum.tolist() == [0.0]
    assert res.status.tolist()[:3] == [Status.CONVERGED] * 3 or res.status[0] == Status.MAX_STEPS
    assert res.status[-1] == Status.DIVERGED


def test_local_and_global_minimum_of_two_wells():
    right = run("two_wells", 0.05)
    left = run("two_wells", 0.05, start=-1.8)
    assert right.status[0] == left.status[0] == Status.CONVERGED
    # converged: within 1e-6 × (1 + |x|) of the stationary point (docs/status.md)
    for b, m in ((right, CURVES["two_wells"].minima[1]), (left, CURVES["two_wells"].minima[0])):
        assert b.params[0, 0] == pytest.approx(m, abs=1e-6 * (1 + abs(m)))


def test_cubic_never_converges_at_its_inflection():
    """x³ from the right slides towards its flat inflection at 0 ever slower; 0 is no
    minimum, so the run never converges there; from the left it runs off downhill."""
    assert run("cubic", 0.1).status[0] != Status.CONVERGED
    assert run("cubic", 0.1, start=-0.5).status[0] == Status.DIVERGED


TORCH_FNS = {"two_wells": lambda t: (t**2 - 1) ** 2 + 0.3 * t,
             "ripples": lambda t: torch_sin(t, 3) + 0.1 * t**2}


def torch_sin(t, k):
    import torch
    return torch.sin(k * t)


@pytest.mark.parametrize("oid,hp", [
    ("gd", {"lr": 0.02}), ("momentum", {"lr": 0.02, "momentum": 0.9}),
    ("nesterov", {"lr": 0.02, "momentum": 0.5}), ("adagrad", {"lr": 0.2}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.3}), ("adam", {"lr": 0.05}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.1})])
@pytest.mark.parametrize("cid", ["two_wells", "ripples"])
def test_every_optimizer_on_a_curve_matches_real_pytorch(oid, hp, cid):
    torch = pytest.importorskip("torch")
    from engine.test_optimizers import _torch_optimizer
    c = get_curve(cid)
    p = torch.tensor([c.start], dtype=torch.float64, requires_grad=True)
    opt = _torch_optimizer(torch, oid, p, hp)
    want = [c.start]
    for _ in range(30):
        opt.zero_grad()
        TORCH_FNS[cid](p).sum().backward()
        opt.step()
        want.append(float(p.detach()[0]))
    b = Batch(c, OPTIMIZERS[oid], hyper_arrays([{**defaults(oid), **hp}]), np.array([[c.start]]), 30)
    got = [float(b.params[0, 0])]
    for _ in range(30):
        b.advance()
        got.append(float(b.params[0, 0]))
    # a run that converged stops there (torch's loop goes on): compare up to its end
    end = int(b.end_step[0]) if b.end_step[0] >= 0 else 30
    assert end >= 10
    np.testing.assert_allclose(got[:end + 1], want[:end + 1], rtol=1e-12, atol=0)
