"""The 1D presets (the guided path's first steps, on f(x) = x²): run on the engine, each
shows what its lesson says, with the lesson's numbers."""

import numpy as np
import pytest

from gdviz.engine.stability import bound
from gdviz.scenarios.kinds.f1d import curve_of
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate


def runs(pid):
    return simulate(PRESETS[pid].scenario)


def says(pid, *phrases):
    for phrase in phrases:
        assert phrase in PRESETS[pid].lesson, f"{pid}: lesson should say {phrase!r}"


def xs(run):
    return np.array([f["params"][0] for f in run["frames"]])


def test_1d_slope_first_step_and_convergence():
    (run,) = runs("1d-slope")
    first = run["frames"][0]
    # the tangent's slope at the start, and the step's arithmetic the lesson quotes
    assert first["params"] == [1.5] and first["grad"] == [3.0] and first["lr"] == 0.1
    assert run["frames"][1]["params"][0] == pytest.approx(1.5 - 0.1 * 3.0) == 1.2
    says("1d-slope", "f′(x) = 2x", "slope 3", "x ← 1.5 − 0.1 × 3 = 1.2", "1 − 2η = 0.8",
         "after 64 steps", "minimum x = 0")
    # each step multiplies x by 0.8: the steps shrink with the slope
    x = xs(run)
    assert np.allclose(x[1:] / x[:-1], 0.8)
    steps = np.abs(np.diff(x))
    assert np.all(np.diff(steps) < 0)
    assert run["status"] == "converged" and run["frames"][-1]["step"] == 64
    assert abs(x[-1]) < 1e-6


def test_1d_learning_rates_creep_zigzag_and_diverge():
    slow, zigzag, wild = runs("1d-learning-rates")
    c = curve_of(PRESETS["1d-learning-rates"].scenario.model)
    f2 = float(c.d2(np.array(0.0)))
    assert f2 == 2.0 and bound("gd", {}, f2) == 1.0
    says("1d-learning-rates", "f″ = 2", "η < 2/f″ = 1", "η = 0.1", "× 0.8", "η = 0.9",
         "× −0.8", "converges in 64 steps", "η = 1.1 > 1", "× −1.2", "step 42")
    for run, factor in ((slow, 0.8), (zigzag, -0.8), (wild, -1.2)):
        x = xs(run)
        assert np.allclose(x[1:] / x[:-1], factor)
    assert slow["status"] == zigzag["status"] == "converged"
    assert slow["frames"][-1]["step"] == zigzag["frames"][-1]["step"] == 64
    assert np.all(xs(slow) > 0)  # one side
    assert np.all(np.sign(xs(zigzag)[:-1]) != np.sign(xs(zigzag)[1:]))  # side to side
    losses = [f["loss"] for f in wild["frames"]]
    assert wild["status"] == "diverged" and wild["frames"][-1]["step"] == 42
    assert all(b > a for a, b in zip(losses, losses[1:]))
    assert "2/f″ = 1" in wild["reason"]


def test_1d_learning_rates_opens_the_sweep_with_the_bound_inside():
    view = PRESETS["1d-learning-rates"].view
    assert view.tab == "sweep" and view.sweep_min < 1.0 < view.sweep_max
