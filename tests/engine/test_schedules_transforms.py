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
    (Schedule("cosine", T_max=100, eta_min=0.01), 250, 0.01),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 0, 0.01),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 9, 0.1),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 10, 0.1),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 60, 0.05),
    (Schedule("warmup_cosine", warmup_steps=10, T_max=110), 110, 0.0),
])
def test_schedule_values(sched, t, expected):
    assert sched.lr(BASE, t)[0] == pytest.approx(expected, abs=1e-15)


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
