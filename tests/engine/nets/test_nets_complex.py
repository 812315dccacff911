"""The complex weight: its loss surface and gradient against torch's complex autograd and
finite differences, the mistaken rule's algebra (the step multiplies w − w̃ by 1 − 2ηc),
and reason sentences and a diagnosis that say what the numbers show."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gdviz.engine.explain import explain
from gdviz.engine.nets.complex_linreg import complex_data, make_complex_linreg
from gdviz.engine.nets.diagnose import RunWatch
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status, run_to_end

MODEL = make_complex_linreg()
POINTS = np.array([[-1.0, -1.0], [0.3, 2.5], [4.0, -3.0]])


def batch(objective, lr: float, steps: int, start=(-1.0, -1.0)) -> Batch:
    return Batch(objective, OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"), "lr": lr}]),
                 np.array([start], float), steps)


def gd(objective, lr: float, steps: int) -> Batch:
    """A plain-GD run from (−1, −1), run to its end."""
    b = batch(objective, lr, steps)
    run_to_end(b)
    return b


def path(objective, lr: float, steps: int):
    """The trajectory of the same run."""
    return run_to_end(batch(objective, lr, steps))


def test_loss_and_gradient_equal_torchs_complex_autograd():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the complex "
                                                "autograd cross-check is skipped")
    d = MODEL.data
    x, y = torch.from_numpy(d.x), torch.from_numpy(d.y)
    loss, grad = MODEL.loss_and_grad(POINTS)
    for p, l_ours, g_ours in zip(POINTS, loss, grad):
        w = torch.tensor(complex(*p), dtype=torch.complex128, requires_grad=True)
        lt = ((w * x - y).abs() ** 2).mean()
        lt.backward()
        assert l_ours == pytest.approx(lt.item(), rel=1e-12)
        np.testing.assert_allclose(g_ours, [w.grad.real.item(), w.grad.imag.item()],
                                   rtol=1e-9, atol=1e-12)


def test_the_gradient_is_the_real_gradient_of_the_surface_and_its_hessian_is_2H():
    h = 1e-6
    loss, grad = MODEL.loss_and_grad(POINTS)
    for p, g in zip(POINTS, grad):
        fd = [(MODEL.value(*(p + h * e)) - MODEL.value(*(p - h * e))) / (2 * h)
              for e in np.eye(2)]
        np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(MODEL.hessian(POINTS[:1])[0], 2 * MODEL.data.h * np.eye(2))
    w = MODEL.w_star
    assert MODEL.minima == ((w.real, w.imag),)
    assert np.abs(MODEL.loss_and_grad(np.array([[w.real, w.imag]]))[1]).max() < 1e-12


def test_the_mistake_is_the_derivative_without_the_conjugate():
    """g̃ = 2·mean((ŷ − y)·x) (as (Re, Im)), zero at w̃ = mean(xy)/mean(x²); one GD step
    multiplies w − w̃ by 1 − 2η·mean(x²), exactly."""
    wrong = MODEL.with_rule("no_conjugate")
    d = MODEL.data
    loss, grad = wrong.loss_and_grad(POINTS)
    np.testing.assert_array_equal(loss, MODEL.loss_and_grad(POINTS)[0])  # the same surface
    for p, g in zip(POINTS, grad):
        w = complex(*p)
        want = 2 * np.mean((w * d.x - d.y) * d.x)
        np.testing.assert_allclose(g, [want.real, want.imag], rtol=1e-12, atol=1e-12)
    wt = MODEL.w_tilde
    assert wt == pytest.approx(np.mean(d.x * d.y) / np.mean(d.x * d.x))
    lr = 0.05
    b = gd(wrong, lr, 3)
    walk = path(wrong, lr, 3).params[:, 0]
    for k in range(3):
        before, after = complex(*walk[k]) - wt, complex(*walk[k + 1]) - wt
        assert after == pytest.approx(before * MODEL.factor(lr), rel=1e-12)
    assert b.objective.grad_formula.startswith("g̃ = 2·mean((ŷ − y)·x)")


def test_real_inputs_make_the_mistake_harmless():
    """With x real (phase 0, spread 0) x̄ = x: both rules are the same gradient."""
    real = make_complex_linreg(phase=0.0, spread=0.0)
    assert np.abs(real.data.x.imag).max() == 0
    np.testing.assert_allclose(real.with_rule("no_conjugate").loss_and_grad(POINTS)[1],
                               real.loss_and_grad(POINTS)[1], rtol=1e-12, atol=1e-12)


def test_the_race_torch_walks_down_the_mistake_spirals_and_its_loss_does_not_fall():
    right, wrong = gd(MODEL, 0.05, 300), gd(MODEL.with_rule("no_conjugate"), 0.05, 300)
    assert Status(int(right.status[0])) == Status.CONVERGED
    assert Status(int(wrong.status[0])) == Status.MAX_STEPS
    assert wrong.loss[0] > wrong.loss0[0]  # the loss did not fall
    walk = path(MODEL.with_rule("no_conjugate"), 0.05, 300).params[:, 0]
    wt = MODEL.w_tilde
    angle = np.unwrap(np.angle(walk[:, 0] - wt.real + 1j * (walk[:, 1] - wt.imag)))
    turns = abs(angle[-1] - angle[0]) / (2 * math.pi)
    assert turns > 4  # it circles w̃ again and again: a spiral
    # the reason sentence gives the numbers the run shows
    reason = explain(wrong, 0)
    f = MODEL.factor(0.05)
    assert reason.startswith("Stopped after 300 steps, loss 9.52 → 71.6: this run steps along "
                             "2·mean((ŷ − y)·x), the derivative with the conjugate dropped")
    assert f"a turn of {abs(math.degrees(np.angle(f))):.2g}°" in reason
    assert f"stretch ×{abs(f):.5f}".rstrip("0") in reason and abs(f) > 1
    assert "spirals outward around w̃ = 0.991 + 1i" in reason
    assert explain(right, 0).startswith("Converged in 111 steps to (0.989, 1.01), the global "
                                        "minimum")


def test_diverging_and_converging_mistakes_say_why():
    hot = gd(MODEL.with_rule("no_conjugate"), 0.1, 500)
    assert Status(int(hot.status[0])) == Status.DIVERGED
    reason = explain(hot, 0)
    c = MODEL.data.c
    assert c.real > 0 and f"below lr = Re c/|c|² = {c.real / abs(c) ** 2:.3g}" in reason
    # with Re mean(x²) ≤ 0 no learning rate helps, and the sentence says so
    bad = make_complex_linreg(phase=45.0)
    assert bad.data.c.real < 0
    reason = explain(gd(bad.with_rule("no_conjugate"), 0.1, 500), 0)
    assert "no learning rate stops it" in reason
    # phases near 0: mean(x²) close to H, the mistaken run spirals in and converges
    calm = make_complex_linreg(phase=10.0)
    b = gd(calm.with_rule("no_conjugate"), 0.1, 2000)
    assert Status(int(b.status[0])) == Status.CONVERGED
    reason = explain(b, 0)
    assert re.search(r"it spirals in", reason) and "Converged in" in reason


def test_the_diagnosis_names_the_missing_conjugate():
    wrong = MODEL.with_rule("no_conjugate")
    b = gd(wrong, 0.05, 60)
    watch = RunWatch(wrong)
    traj = path(wrong, 0.05, 60)
    for k in range(61):
        watch.observe(k, traj.loss[k, 0], None, float(np.linalg.norm(traj.grad[k, 0])))
    found = watch.findings(b.params[0], b.grad[0], status="max_steps", lr=0.05)
    assert [f.id for f in found] == ["wrong_gradient"] and found[0].severity == "error"
    assert "2·mean((ŷ − y)·x̄)" in found[0].fix
    # torch's rule gets the generic checks
    assert RunWatch(MODEL).findings(b.params[0], b.grad[0], lr=0.05) == []


def test_data_are_seeded_and_shaped_as_documented():
    d = complex_data(n=500, phase=40.0, spread=30.0, seed=3)
    theta = np.degrees(np.angle(d.x))
    assert theta.min() >= 10 - 1e-9 and theta.max() <= 70 + 1e-9
    assert np.abs(d.x).min() >= 0.5 and np.abs(d.x).max() <= 1.5
    np.testing.assert_array_equal(d.x, complex_data(n=500, phase=40.0, seed=3).x)
    noiseless = complex_data(n=50, noise=0.0)
    np.testing.assert_allclose(noiseless.y, (1 + 1j) * noiseless.x)
