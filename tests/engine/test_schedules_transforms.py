"""Learning-rate schedules (torch lr_scheduler formulas), clipping and gradient noise."""

import math

import numpy as np
import pytest

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, run_to_end
from gdviz.engine.schedules import Schedule
from gdviz.engine.surfaces import SURFACES
from gdviz.engine.transforms import clip_by_norm

BASE = np.array([0.1])


@pytest.mark.parametrize("sched, t, expected", [
    (Schedule("constant"), 7, 0.1),
    (Schedule("step", step_size=10, gamma=0.5), 9, 0.1),
    (Schedule("step", step_size=10, gamma=0.5), 10, 0.05),
    (Schedule("step", step_size=10, gamma=0.5), 25, 0.025),
    (Schedule("exponential", gamma=0.9), 3, 0.1 * 0.9**3),
    (Schedule("cosine", T_max=100, eta_min=0.0), 0, 0.1),
    (Schedule("cosine", T_max=100, eta_min=0.0), 50, 0.05),
    (Schedule("cosine", T_max=100, eta_min=0.01), 100, 0.01),
    (Schedule("cosine", T_max=100, eta_min=0.01), 250, 0.055),  # past T_max it rises again
    (Schedule("cosine", T_max=100, eta_min=0.01), 200, 0.1),
    (Schedule("cosine_hold", T_max=100, eta_min=0.01), 250, 0.01),
    (Schedule("cosine_hold", T_max=100, eta_min=0.01), 50, 0.055),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 0, 0.01),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 9, 0.1),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 10, 0.1),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 60, 0.05),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 110, 0.0),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 210, 0.1),
])
def test_schedule_values(sched, t, expected):
    assert sched.lr(BASE, t)[0] == pytest.approx(expected, abs=1e-15)


def _torch_lrs(make, steps, base=0.1):
    """The lr torch's own scheduler gives for each of ``steps`` updates (float64)."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    sched = make(torch.optim.lr_scheduler, opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


@pytest.mark.parametrize("ours, make", [
    (Schedule("step", step_size=7, gamma=0.5),
     lambda L, o: L.StepLR(o, step_size=7, gamma=0.5)),
    (Schedule("exponential", gamma=0.97), lambda L, o: L.ExponentialLR(o, gamma=0.97)),
    (Schedule("cosine", T_max=40, eta_min=0.0),
     lambda L, o: L.CosineAnnealingLR(o, T_max=40, eta_min=0.0)),
    (Schedule("cosine", T_max=37, eta_min=0.013),
     lambda L, o: L.CosineAnnealingLR(o, T_max=37, eta_min=0.013)),
    (Schedule("cosine", T_max=1, eta_min=0.02),
     lambda L, o: L.CosineAnnealingLR(o, T_max=1, eta_min=0.02)),
    (Schedule("warmup_cosine", warmup_steps=5, T_max=30, eta_min=0.01),
     lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=1 / 5, total_iters=4),
                                     L.CosineAnnealingLR(o, T_max=25, eta_min=0.01)],
                                 milestones=[5])),
])
def test_schedules_equal_torchs_own_schedulers_far_past_t_max(ours, make):
    """torch's schedulers stepped 1,000 times (25 periods of the cosine: torch's recursive
    get_lr rises again past T_max) against the closed forms, to rounding."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about SequentialLR's internals
        want = _torch_lrs(make, 1000)
    got = ours.lr(np.array([0.1]), np.arange(1000))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_cosine_hold_is_cosine_until_t_max_then_eta_min():
    t = np.arange(300)
    hold = Schedule("cosine_hold", T_max=100, eta_min=0.01).lr(BASE, t)
    cos = Schedule("cosine", T_max=100, eta_min=0.01).lr(BASE, t)
    np.testing.assert_array_equal(hold[:101], cos[:101])
    assert (hold[100:] == 0.01).all() and cos[200] == pytest.approx(0.1)


def run(schedule=None, clip=None, noise=None, seed=0, lr=0.1, steps=5, start=(1.0, 1.0)):
    h = defaults("gd")
    h["lr"] = lr
    b = Batch(SURFACES["bowl"], OPTIMIZERS["gd"], hyper_arrays([h]), np.array([start]), steps,
              schedule=schedule, clip_norm=clip, noise=noise, seed=seed)
    return run_to_end(b)


def test_schedule_drives_the_steps_and_the_frames():
    traj = run(Schedule("step", step_size=2, gamma=0.5), steps=4)
    assert list(traj.lr[:4, 0]) == [0.1, 0.1, 0.05, 0.05]
    x = 1.0
    for k, lr in enumerate([0.1, 0.1, 0.05, 0.05]):
        assert traj.params[k, 0, 0] == pytest.approx(x)
        x -= lr * 2 * x


def test_clip_by_norm_matches_torch_rule():
    g = np.array([[3.0, 4.0], [0.3, 0.4]])
    out = clip_by_norm(g, 1.0)
    assert out[0] == pytest.approx([3 / (5 + 1e-6), 4 / (5 + 1e-6)])
    assert out[1] == pytest.approx([0.3, 0.4])  # under the norm: unchanged


def test_clipping_limits_the_step():
    traj = run(clip=0.5, lr=1.0, start=(3.0, 4.0), steps=1)
    assert np.linalg.norm(traj.params[1, 0] - traj.params[0, 0]) == pytest.approx(0.5, rel=1e-5)
    assert traj.grad[0, 0] == pytest.approx([6.0, 8.0])  # frames keep the true gradient


def test_noise_is_seeded_and_reproducible():
    a, b, c = run(noise=0.5, seed=1), run(noise=0.5, seed=1), run(noise=0.5, seed=2)
    assert np.array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    clean = run()
    assert not np.allclose(a.params[1], clean.params[1])


def test_noise_keeps_gd_bouncing_near_the_minimum():
    traj = run(noise=1.0, lr=0.1, steps=2000)
    assert traj.status[0] != 1  # never reaches ‖∇L‖ ≤ 1e-6 exactly
    assert np.linalg.norm(traj.params[-1, 0]) < 1.5
    assert math.isfinite(traj.loss[-1, 0])
