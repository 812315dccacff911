"""The preset lessons: each is a valid scenario, survives its own link exactly, and —
run on the engine — shows what its lesson text says it shows (with the lesson's numbers)."""

import math
import re
from functools import cache
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate
from gdviz.scenarios.url import scenario_from_query

REQUIRED = ["lr-too-small", "lr-just-right", "lr-oscillating", "lr-diverging", "ravine-momentum",
            "saddle-escape", "plateau", "local-minimum", "rastrigin", "rosenbrock-adam",
            "himmelblau-basins", "linreg2", "init-compared", "vanishing-gradients",
            "batch-noise", "schedules"]


@cache
def runs(preset_id: str) -> list[dict]:
    """simulate() of the preset's scenario, once per test session."""
    return simulate(PRESETS[preset_id].scenario)


def losses(run: dict) -> np.ndarray:
    return np.array([np.nan if f["loss"] is None else f["loss"] for f in run["frames"]])


def params(run: dict) -> np.ndarray:
    return np.array([f["params"] for f in run["frames"]], dtype=float)


def end(run: dict) -> int:
    return run["frames"][-1]["step"]


def says(preset_id: str, *phrases: str) -> None:
    """The lesson quotes these numbers (so a change in the engine that moves them fails
    here, not silently in front of a class)."""
    lesson = PRESETS[preset_id].lesson
    for phrase in phrases:
        assert phrase in lesson, f"{preset_id}: lesson should say {phrase!r}"


# -- the catalogue ----------------------------------------------------------------------

def test_at_least_sixteen_presets_with_unique_ids_and_titles():
    assert len(PRESETS) >= 16
    assert set(REQUIRED) <= set(PRESETS)
    titles = [p.title for p in PRESETS.values()]
    assert len(set(titles)) == len(titles)
    assert all(pid == p.id for pid, p in PRESETS.items())


@pytest.mark.parametrize("pid", list(PRESETS))
def test_preset_is_a_short_kebab_slug_with_a_short_lesson(pid):
    p = PRESETS[pid]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", pid) and len(pid) <= 24
    assert p.title and p.title == p.title.strip()
    sentences = re.findall(r"[.!?](?=\s|$)", p.lesson)
    assert 2 <= len(sentences) <= 4, f"{pid}: {len(sentences)} sentences"
    assert "  " not in p.lesson and "\n" not in p.lesson


@pytest.mark.parametrize("pid", list(PRESETS))
def test_preset_validates_and_round_trips_through_its_url(pid):
    p = PRESETS[pid]
    assert Scenario.model_validate(p.scenario.model_dump()) == p.scenario
    parts = urlsplit(p.url)
    assert parts.path == "/" and parts.query.startswith("v=1&")
    assert "%2C" not in p.url  # lists stay readable: r0.start=1.5,1
    back, warnings = scenario_from_query(dict(parse_qsl(parts.query)))
    assert warnings == []
    assert back == p.scenario


# -- each lesson, run -----------------------------------------------------------------

def test_lr_too_small_crawls():
    (r,) = runs("lr-too-small")
    L = losses(r)
    assert r["status"] == "max_steps" and end(r) == PRESETS["lr-too-small"].scenario.steps
    assert np.all(np.diff(L) < 0)  # it does go downhill, only slowly
    assert L[-1] > 0.25 * L[0]  # still far from the minimum's 0
    assert (round(L[0], 2), round(L[-1], 2)) == (3.25, 0.98)
    says("lr-too-small", "η = 0.001", "3.25 to 0.98", "300 steps")


def test_lr_just_right_converges_straight_down():
    (r,) = runs("lr-just-right")
    assert r["status"] == "converged" and end(r) == 16
    assert np.all(np.diff(losses(r)) < 0)
    p = params(r)
    assert np.all(p[:, 0] >= 0)  # never overshoots the minimum
    says("lr-just-right", "16 steps", "η = 0.3")


def test_lr_oscillating_jumps_between_two_points():
    (r,) = runs("lr-oscillating")
    assert r["status"] == "oscillating"
    p = params(r)
    assert np.allclose(p[1:], -p[:-1])  # (1.5, 1) ↔ (−1.5, −1), every step
    assert np.allclose(losses(r), 3.25)
    says("lr-oscillating", "η = 1", "2/λ_max = 1", "3.25")


def test_lr_diverging_explodes():
    (r,) = runs("lr-diverging")
    assert r["status"] == "diverged" and end(r) == 41
    L = losses(r)
    assert np.allclose(L[1:] / L[:-1], 1.44)  # (1 − 2η)² every step
    assert L[-1] > 1e6 * L[0] and round(L[-1] / 1e6) == 10
    assert "2/λ_max = 1" in r["reason"]
    says("lr-diverging", "η = 1.1 > 2/λ_max = 1", "1.44×", "step 41", "10 million", "NaN")


def test_ravine_momentum_beats_the_zigzag():
    gd, mom = runs("ravine-momentum")
    assert gd["status"] == mom["status"] == "converged"
    assert 3 * end(mom) < end(gd)
    y = params(gd)[:20, 1]
    assert np.all(np.sign(y[1:]) == -np.sign(y[:-1]))  # GD flips wall every step
    says("ravine-momentum", f"{end(gd)} steps", f"{end(mom)} steps", "μ = 0.3")


def test_saddle_stuck_on_the_ridge_noise_escapes():
    exact, noisy = runs("saddle-escape")
    assert (exact["status"], exact["stall"]) == ("stalled", "saddle")
    assert "saddle point, not a minimum" in exact["reason"]
    assert np.allclose(params(exact)[-1], 0, atol=1e-5) and end(exact) == 135
    assert noisy["status"] == "max_steps" and "sliding downhill" in noisy["reason"]
    g = np.linalg.norm([f["grad"] for f in noisy["frames"]], axis=1)
    slowest = int(np.argmin(g))
    assert 20 <= slowest <= 60 and g[slowest] < 0.05 * g[0]  # lingers near the saddle ...
    assert abs(params(noisy)[-1, 1]) > 100 and losses(noisy)[-1] < 0  # ... then slides off
    says("saddle-escape", "stalls at the saddle after 135 steps", "σ = 0.01", "1.1×")


def test_plateau_loss_does_not_move_then_drops():
    gd, adam = runs("plateau")
    L = losses(gd)
    assert L[250] > 0.99 and L[0] - L[250] < 0.003  # "stuck" for 250 steps
    assert gd["status"] == "converged" and end(gd) == 345
    assert np.linalg.norm(gd["frames"][0]["grad"]) < 0.002
    assert losses(adam)[40] < 0.3  # Adam is off the plateau by step 40
    says("plateau", "0.0019", "step 345", "step 40")


def test_local_minimum_traps_gd():
    (r,) = runs("local-minimum")
    glob, local = SURFACES["two_wells"].minima
    assert r["status"] == "converged" and "local minimum" in r["reason"]
    assert np.allclose(params(r)[-1], local, atol=1e-4)
    assert not np.allclose(params(r)[-1], glob, atol=0.5)
    says("local-minimum", f"{end(r)} steps", "0.294", "−0.305")


def test_rastrigin_each_start_its_own_minimum():
    rs = runs("rastrigin")
    starts = [run.start for run in PRESETS["rastrigin"].scenario.runs]
    ends = [params(r)[-1] for r in rs]
    assert all(r["status"] == "converged" and end(r) <= 15 for r in rs)
    for s, e in zip(starts, ends):
        assert np.allclose(e, np.round(s), atol=0.05)  # the minimum of its own cell
    finals = sorted(round(losses(r)[-1], 2) for r in rs)
    assert finals == [0.0, 4.97, 12.93, 16.91]
    says("rastrigin", "12.9", "4.97", "16.9", "15 steps")


def test_rosenbrock_adam_beats_gd():
    gd, adam = runs("rosenbrock-adam")
    assert losses(adam)[-1] < 1e-3 * losses(gd)[-1]
    dist = [np.linalg.norm(params(r)[-1] - 1) for r in (gd, adam)]
    assert dist[1] < 0.05 < 1 < dist[0]
    says("rosenbrock-adam", "loss 2.8", "loss 0.0003", "2/λ_max = 0.002")


def test_himmelblau_four_starts_four_minima():
    rs = runs("himmelblau-basins")
    minima = np.array(SURFACES["himmelblau"].minima)
    reached = {int(np.argmin(np.linalg.norm(minima - params(r)[-1], axis=1))) for r in rs}
    assert all(r["status"] == "converged" for r in rs) and reached == {0, 1, 2, 3}
    starts = np.array([run.start for run in PRESETS["himmelblau-basins"].scenario.runs])
    assert max(np.linalg.norm(a - b) for a in starts for b in starts) < 1.2


def test_linreg2_loss_falls_every_step():
    (r,) = runs("linreg2")
    L = losses(r)
    assert r["status"] == "converged" and np.all(np.diff(L) < 0)
    assert np.allclose(params(r)[-1], [1, -2], atol=0.05)
    assert params(r)[0].tolist() == [2, 3]
    says("linreg2", f"{end(r)} steps", "12.8 → 0.0123", "(0.979, −2.001)")


def test_init_compared_zeros_stay_at_chance():
    xavier, he, zeros, large = runs("init-compared")
    inits = [run.init for run in PRESETS["init-compared"].scenario.runs]
    optimizers = {(run.optimizer, run.lr) for run in PRESETS["init-compared"].scenario.runs}
    assert inits == ["xavier", "he", "zeros", "large"] and len(optimizers) == 1
    assert xavier["frames"][100]["accuracy"] == 1.0 and he["frames"][50]["accuracy"] == 1.0
    assert all(f["accuracy"] == 0.5 for f in zeros["frames"])
    assert "zeros init" in zeros["reason"]
    assert (zeros["status"], zeros["stall"]) == ("stalled", "start")
    assert large["status"] == "diverged" and end(large) == 8
    ratio = large["frames"][0]["grad_norms"][0] / xavier["frames"][0]["grad_norms"][0]
    assert 40 < ratio < 60
    says("init-compared", "step 8", "50×", "50 %")


def test_vanishing_gradients_first_layer_starves():
    gd, adam = runs("vanishing-gradients")
    norms = gd["frames"][0]["grad_norms"]
    assert len(norms) == 5 and norms[0] < 0.1 * norms[-1]
    assert norms == sorted(norms)  # shrinking layer by layer, back to front
    assert np.all(np.abs(losses(gd) - math.log(2)) < 0.001)  # a coin flip throughout
    assert adam["frames"][150]["accuracy"] >= 0.99
    says("vanishing-gradients", "1.3e-6", "0.024", "18,000×", "ln 2 = 0.693")


def test_batch_noise_floor_grows_with_sigma():
    rs = runs("batch-noise")
    sigmas = [run.noise for run in PRESETS["batch-noise"].scenario.runs]
    assert sigmas == [0.0, 0.5, 1.0, 2.0]
    assert rs[0]["status"] == "converged" and end(rs[0]) == 65
    floors = [losses(r)[-160:].mean() for r in rs[1:]]  # the window the reason reads
    assert all(r["status"] == "noise_floor" for r in rs[1:])
    assert [f"{f:.2g}" for f in floors] == ["0.014", "0.043", "0.2"]
    for f, r in zip(floors, rs[1:]):
        assert f"averaged {f:.3g} above" in r["reason"]
    theory = [0.1 * s**2 / 1.8 for s in sigmas[1:]]
    assert [f"{t:.2g}" for t in theory] == ["0.014", "0.056", "0.22"]
    says("batch-noise", "converges in 65 steps", "noise floor", "0.014, 0.056 and 0.22",
         "0.014, 0.043 and 0.20")
    assert floors == sorted(floors) and floors[2] > 5 * floors[0]  # ∝ σ²: 16× in theory
    for f, sigma in zip(floors, sigmas[1:]):  # near ησ²/(2(1 − η))
        assert 0.5 < f / (0.1 * sigma**2 / 1.8) < 2


def test_minibatch_sgd_noisy_steps_still_learn():
    (r,) = runs("minibatch-sgd")
    L = losses(r)
    ups = int(np.sum(np.diff(L) > 0))
    assert ups == 172 and ups > 0.25 * len(L)
    assert L[-1] < 0.3 * L[0]
    f = r["frames"][-1]
    assert f["batches_per_epoch"] == 40 and f["epoch"] == 10
    says("minibatch-sgd", "172", "0.70 to 0.19", "10 epochs")


def test_schedule_settles_below_the_constant_rate():
    const, cosine = runs("schedules")
    # the constant rate hovers at its noise floor; the cosine is still settling at the end
    assert (const["status"], cosine["status"]) == ("noise_floor", "max_steps")
    assert "cosine schedule lowered η" in cosine["reason"]
    tail = [losses(r)[-160:].mean() for r in (const, cosine)]
    assert tail[1] < 0.1 * tail[0]
    assert cosine["frames"][-1]["lr"] < 1e-4 < const["frames"][-1]["lr"] == 0.09
    assert round(tail[0], 1) == 0.2 and round(losses(cosine)[-1], 3) == 0.002
    says("schedules", "about 0.2", "noise floor", "loss 0.002")
