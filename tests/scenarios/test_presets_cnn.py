"""The CNN and complex-weight lessons: each run on the engine shows what its text says,
with the text's numbers (tests/scenarios/test_presets.py checks every preset's form)."""

from functools import cache

import numpy as np
import pytest

from gdviz.engine.nets.cnn_trace import cnn_trace
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_for_run, objective_of, start_of
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate

NEW = ["cnn-digits", "maxpool-routing", "kernels-learn-edges", "complex-gradient"]


@cache
def runs(preset_id: str) -> list[dict]:
    return simulate(PRESETS[preset_id].scenario)


def says(preset_id: str, *phrases: str) -> None:
    lesson = PRESETS[preset_id].lesson
    for phrase in phrases:
        assert phrase in lesson, f"{preset_id}: lesson should say {phrase!r}"


def pct(v: float) -> str:
    return f"{100 * v:.3g} %"


def test_the_new_lessons_exist():
    assert set(NEW) <= set(PRESETS)


def test_cnn_digits_learns_and_overfits_a_little():
    sc = PRESETS["cnn-digits"].scenario
    net = objective_of(sc)
    [r] = runs("cnn-digits")
    first, last = r["frames"][0], r["frames"][-1]
    assert net.dim == 810 and net.data.n_train == 256 and net.data.n_test == 64
    assert last["step"] == 200
    says("cnn-digits", "810 weights", "256 training images", "η = 0.01",
         f"from {first['loss']:.3g} to", f"{last['loss']:.2g} in 200 steps",
         f"reaches {pct(last['accuracy'])}", f"64 held-out digits stop at "
         f"{pct(last['test_accuracy'])}")
    assert last["test_accuracy"] < last["accuracy"]
    assert PRESETS["cnn-digits"].view.tab == "confusion"


def test_maxpool_routing_sends_the_gradient_to_the_winners_only():
    p = PRESETS["maxpool-routing"]
    assert p.view.cnn_mode == "backward"
    sc = p.scenario
    net = objective_of(sc)
    t = cnn_trace(net, start_of(sc, 0), np.arange(net.data.n_train))
    conv, pool = t.layers[0], t.layers[1]
    assert conv.a.shape[1:3] == (6, 6) and pool.a.shape[1:3] == (3, 3)
    says("maxpool-routing", "9 of the 36 pixels of every 6×6 map", "3×3 pooled map",
         "the other 27 get exactly 0")
    mask = pool.mask.reshape(-1, 3, 2, 3, 2, 8)
    assert (mask.sum(axis=(2, 4)) == 1).all()  # one winner per window
    assert (conv.grad_a[~pool.mask] == 0).all()  # zeros elsewhere
    winners = np.where(pool.mask, conv.grad_a, 0).reshape(mask.shape).sum(axis=(2, 4))
    np.testing.assert_array_equal(winners, pool.delta)  # unchanged
    # ties: a window of four zeros at the start, its gradient at the top-left, stopped there
    a = conv.a.reshape(mask.shape)
    zero = a.max(axis=(2, 4)) == 0
    says("maxpool-routing", f"{round(100 * zero.mean())} % of them at the start")
    assert mask[:, :, 0, :, 0][zero].all()  # the first pixel wins a tie
    top_left = conv.delta.reshape(mask.shape)[:, :, 0, :, 0]
    assert (top_left[zero] == 0).all()  # relu′(0) = 0 stops it


EDGE_KERNEL = 2  # "kernel 3", counted from 1 on the page


def test_kernels_learn_a_horizontal_edge_on_clean_shapes():
    sc = PRESETS["kernels-learn-edges"].scenario
    net = objective_of(sc)
    [r] = runs("kernels-learn-edges")
    first, last = r["frames"][0], r["frames"][-1]
    assert last["step"] == 400 and net.data.n_train == 640
    k0 = net.unpack(np.array([first["params"]]))[0][0][0, EDGE_KERNEL, 0]
    k1 = net.unpack(np.array([last["params"]]))[0][0][0, EDGE_KERNEL, 0]
    rows = k1.mean(axis=1)
    assert np.abs(k1 - rows[:, None]).max() < 0.1  # each row nearly constant: horizontal
    assert np.abs(k0 - k0.mean(axis=1)[:, None]).max() > 0.2  # it was not at the start
    says("kernels-learn-edges", "640 clean images", "kernel 3 is a horizontal",
         "rows read " + ", ".join(f"{v:+.1f}".replace("-", "−") for v in rows[:2]) +
         f" and {rows[2]:+.1f}".replace("-", "−"),
         f"test accuracy is {pct(last['test_accuracy'])}")
    noisy = Scenario.model_validate({**sc.model_dump(), "model": {**sc.model.model_dump(),
                                                                  "noise": 1.0}})
    [rn] = simulate(noisy)
    best = max(f["test_accuracy"] for f in rn["frames"])
    end = rn["frames"][-1]["step"]
    says("kernels-learn-edges", f"never passes {round(100 * best)} %",
         f"ends {rn['status']} at step {end}")
    kernels = objective_of(noisy).unpack(np.array([rn["frames"][-1]["params"]]))[0][0][0, :, 0]
    for k in kernels:  # no row- or column-constant kernel: no horizontal or vertical edge
        assert np.abs(k - k.mean(axis=1, keepdims=True)).max() > 0.2
        assert np.abs(k - k.mean(axis=0, keepdims=True)).max() > 0.2


def test_the_complex_race():
    sc = PRESETS["complex-gradient"].scenario
    right, wrong = runs("complex-gradient")
    model = objective_of(sc)
    w = model.w_star
    assert right["status"] == "converged" and right["frames"][-1]["step"] == 111
    says("complex-gradient", "η = 0.05", f"w* = {w.real:.3g} +", f"{w.imag:.3g}i in 111 steps")
    assert wrong["status"] == "max_steps" and wrong["frames"][-1]["step"] == 300
    l0, l1 = wrong["frames"][0]["loss"], wrong["frames"][-1]["loss"]
    says("complex-gradient", f"risen from {l0:.3g} to {l1:.3g}")
    mistaken = objective_for_run(sc, 1)
    assert mistaken.rule == "no_conjugate"
    angle = mistaken.step_angle(start_of(sc, 1))
    says("complex-gradient", f"points {round(angle)}° away from downhill")
    # it circles: the angle around w̃ turns by several full turns, and the radius grows
    path = np.array([f["params"] for f in wrong["frames"]])
    wt = model.w_tilde
    z = (path[:, 0] - wt.real) + 1j * (path[:, 1] - wt.imag)
    assert abs(np.unwrap(np.angle(z))[-1] - np.angle(z[0])) > 4 * 2 * np.pi
    assert abs(z[-1]) > abs(z[0])  # spiralling out
    # the true direction's run goes straight: every update is parallel to w* − w
    good = np.array([f["params"] for f in right["frames"]])
    to_min = np.array([w.real, w.imag]) - good[:-1]
    steps = np.diff(good, axis=0)
    cross = to_min[:, 0] * steps[:, 1] - to_min[:, 1] * steps[:, 0]
    assert np.abs(cross).max() < 1e-9 * np.abs(to_min).max() + 1e-12
    assert pytest.approx(np.rad2deg(np.angle(model.data.c)), abs=1) == angle
