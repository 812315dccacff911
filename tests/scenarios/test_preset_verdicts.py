"""Every preset's verdicts, pinned (issue 12, item 10).

For every preset — a new one fails ``test_every_preset_is_pinned`` until it is added
here — each run's final status, its ``stall``, the step it ended at and the Why? tab's
findings when it ended; and every claim its lesson makes about how a run ends: a phrase
of the lesson, the run it speaks of, and the status that phrase promises ("converges in
16 steps" is a converged run that ended at step 16). So a lesson can never again sit
beside a badge that contradicts its words. The lessons' other numbers are checked in
test_presets.py, test_presets_cnn.py and test_presets_inside.py.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest

from gdviz.engine.nets.diagnose import RunWatch
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import batches, simulate
from local_client import local_client

# preset → one (status, stall, end step, Why? findings at the end) per run
# (findings: the ids the Why? tab lists for a network run, None for a surface)
PINS: dict[str, list[tuple]] = {
    "1d-slope": [("converged", None, 64, None)],
    "1d-learning-rates": [("converged", None, 64, None), ("converged", None, 64, None),
                          ("diverged", None, 42, None)],
    "lr-too-small": [("max_steps", None, 300, None)],
    "lr-just-right": [("converged", None, 16, None)],
    "lr-oscillating": [("oscillating", None, 40, None)],
    "lr-diverging": [("diverged", None, 41, None)],
    "ravine-momentum": [("converged", None, 127, None), ("converged", None, 35, None)],
    "saddle-escape": [("stalled", "saddle", 135, None), ("max_steps", None, 150, None)],
    "plateau": [("converged", None, 345, None), ("max_steps", None, 400, None)],
    "local-minimum": [("converged", None, 125, None)],
    "rastrigin": [("converged", None, 8, None), ("converged", None, 10, None),
                  ("converged", None, 10, None), ("converged", None, 11, None)],
    "rosenbrock-adam": [("max_steps", None, 1000, None), ("max_steps", None, 1000, None)],
    "himmelblau-basins": [("converged", None, 17, None), ("converged", None, 21, None),
                          ("converged", None, 56, None), ("converged", None, 48, None)],
    "linreg2": [("converged", None, 650, set())],
    "init-compared": [("max_steps", None, 300, {"dead_relu"}),
                      ("max_steps", None, 300, {"dead_relu"}),
                      ("stalled", "start", 40, {"symmetric", "dead_relu"}),
                      ("diverged", None, 8, {"exploding", "dead_relu"})],
    "vanishing-gradients": [("max_steps", None, 300, {"vanishing", "plateau"}),
                            ("max_steps", None, 300, set())],
    "vanishing-diagram": [("max_steps", None, 300, {"vanishing", "plateau"}),
                          ("max_steps", None, 300, set())],
    "backprop-xor": [("max_steps", None, 300, set())],
    "softmax-ce": [("max_steps", None, 300, set())],
    "batch-noise": [("converged", None, 65, None), ("noise_floor", None, 300, None),
                    ("noise_floor", None, 300, None), ("noise_floor", None, 300, None)],
    "minibatch-sgd": [("max_steps", None, 400, set())],
    "schedules": [("noise_floor", None, 300, None), ("max_steps", None, 300, None)],
    "cnn-digits": [("max_steps", None, 200, {"dead_relu"})],
    "maxpool-routing": [("max_steps", None, 200, {"dead_relu"})],
    "kernels-learn-edges": [("max_steps", None, 400, set())],
    "complex-gradient": [("converged", None, 111, set()),
                         ("max_steps", None, 300, {"wrong_gradient"})],
}

# preset → (phrase of its lesson, the run it speaks of (0-based), the status it promises);
# a number in the phrase after "step"/"in"/"after" is the step that run ended at
CLAIMS: dict[str, list[tuple[str, int, str]]] = {
    "1d-slope": [("after 64 steps, the slope is", 0, "converged")],
    "1d-learning-rates": [("converges in 64 steps", 1, "converged"),
                          ("stops the run at step 42", 2, "diverged")],
    "lr-too-small": [("After 300 steps the loss has only fallen", 0, "max_steps"),
                     ("needs about 6,900 more steps to converge", 0, "max_steps")],
    "lr-just-right": [("converges in 16 steps", 0, "converged")],
    "lr-oscillating": [("It neither converges nor diverges", 0, "oscillating")],
    "lr-diverging": [("By step 41 it is 10 million and gdviz stops the run", 0, "diverged")],
    "ravine-momentum": [("GD needs 127 steps", 0, "converged"), ("it: 35 steps", 1, "converged")],
    "saddle-escape": [("stalls at the saddle after 135 steps", 0, "stalled"),
                      ("it slides off downhill", 1, "max_steps")],
    "plateau": [("by step 345 it has dropped to 0", 0, "converged")],
    "local-minimum": [("converges there in 125 steps", 0, "converged")],
    "rastrigin": [("Four GD runs (η = 0.002) each stop within 15 steps", i, "converged")
                  for i in range(4)],
    "rosenbrock-adam": [("after 1,000 steps it is at (−0.66, 0.44)", 0, "max_steps"),
                        ("in the same 1,000 steps", 1, "max_steps")],
    "himmelblau-basins": [("end in four different minima", i, "converged") for i in range(4)],
    "linreg2": [("12.8 → 0.0123 in 650 steps", 0, "converged")],
    "init-compared": [("Zeros never moves", 2, "stalled"), ("explodes at step 8", 3, "diverged")],
    "vanishing-gradients": [("for all 300 steps", 0, "max_steps")],
    "vanishing-diagram": [],
    "backprop-xor": [],
    "softmax-ce": [("to 0.31 in 300 steps", 0, "max_steps")],
    "batch-noise": [("The exact run converges in 65 steps", 0, "converged")]
    + [("keep jittering around the minimum at a noise floor", i, "noise_floor")
       for i in (1, 2, 3)],
    "minibatch-sgd": [("in these 10 epochs", 0, "max_steps")],
    "schedules": [("keeps bouncing around it, at a loss of about 0.2 — the noise floor", 0,
                   "noise_floor")],
    "cnn-digits": [("0.016 in 200 steps", 0, "max_steps")],
    "maxpool-routing": [],
    "kernels-learn-edges": [("By step 400", 0, "max_steps")],
    "complex-gradient": [("in 111 steps", 0, "converged"), ("after 300 steps its loss has risen", 1,
                                                           "max_steps")],
}

# words a lesson may use of a run, and the status each is true of
VERBS = {"converged": ("converge", "reaches the global", "different minima", "dropped to 0"),
         "stalled": ("stall", "never moves"),
         "diverged": ("explode", "stops the run"),
         "oscillating": ("neither converges nor diverges",),
         "noise_floor": ("noise floor",)}


@cache
def runs(preset_id: str) -> list[dict]:
    return simulate(PRESETS[preset_id].scenario)


def test_every_preset_is_pinned():
    assert set(PINS) == set(PRESETS) == set(CLAIMS)


@pytest.mark.parametrize("pid", sorted(PRESETS))
def test_each_runs_final_status_stall_end_step_and_findings(pid):
    got = []
    for r, (_, _, _, findings) in zip(runs(pid), PINS[pid]):
        have = None if findings is None else {f["id"] for f in r["diagnosis"]["findings"]}
        got.append((r["status"], r["stall"], r["frames"][-1]["step"], have))
    assert got == PINS[pid]


@pytest.mark.parametrize("pid", sorted(PRESETS))
def test_each_claim_of_the_lesson_is_true_of_its_run(pid):
    lesson = PRESETS[pid].lesson
    for phrase, run, status in CLAIMS[pid]:
        assert phrase in lesson, f"{pid}: the lesson no longer says {phrase!r}"
        r = runs(pid)[run]
        assert r["status"] == status, f"{pid}: {phrase!r} but run {run + 1} is {r['status']}"
        numbers = re.findall(r"(?:in|after) ([\d,]+) steps|[Ss]tep ([\d,]+)", phrase)
        numbers = [x or y for x, y in numbers]
        end = r["frames"][-1]["step"]
        for n in numbers:
            n = int(n.replace(",", ""))
            # a run that ends by a rule ends at that step; one whose budget ran out has it
            # ("within N steps" bounds the end step; any other number is the end step)
            assert (end <= n) if "within" in phrase else (n == end), (pid, phrase, end)


@pytest.mark.parametrize("pid", sorted(PRESETS))
def test_no_lesson_promises_a_status_no_run_has(pid):
    """Each status word the lesson uses (converges, stalls, explodes, noise floor, …) is
    the status of at least one of its runs, unless the lesson says it of a run it is not
    (a hypothetical: "would", "Left alone", "Set the data's noise", "μ = 0.9")."""
    have = {r["status"] for r in runs(pid)}
    sentences = re.split(r"(?<=[.:;])\s+", PRESETS[pid].lesson)
    hypothetical = ("would", "Left alone", "Set the data's noise", "μ = 0.9", "unless",
                    "At η = 0.5", "needs about", "Full-batch", "start it left")
    for s in sentences:
        low = s.lower()
        if any(h in s for h in hypothetical):
            continue
        if "neither converges nor diverges" in low:  # the words of an oscillating run
            said = {"oscillating"}
        else:
            said = {st for st, words in VERBS.items() if any(w in low for w in words)}
        for status in said:
            assert status in have, f"{pid}: {s!r} — no run is {status} ({have})"


def test_the_why_tab_shows_vanishing_gradients_from_the_first_steps():
    """The vanishing-gradients lesson points at the per-layer norms: the Why? tab names
    vanishing gradients from the first frames of the GD run (as the stream asks it every
    few steps), not only at its end."""
    for pid in ("vanishing-gradients", "vanishing-diagram"):
        b = batches(PRESETS[pid].scenario)[0]
        frames = runs(pid)[0]["frames"]
        watch = RunWatch(b.objective)
        for f in frames[:6]:
            watch.observe(f["step"], f["loss"], f["rel_update"], f["grad_norm"],
                          f.get("grad_norms"))
            if f["step"] >= 1:
                ids = [x.id for x in watch.findings(np.array(f["params"]),
                                                    np.array(f["grad"]), lr=0.5)]
                assert "vanishing" in ids, (pid, f["step"], ids)


def test_the_stability_panel_agrees_with_the_oscillating_lesson():
    """lr-oscillating: the lesson says η = 1 is exactly 2/λ_max = 1; GET /api/stability
    (what the Stability panel reads) gives that bound at the run's minimum, so the panel
    puts η at the bound, beside the run's "oscillating" badge."""
    client = local_client()
    r = client.get("/api/stability", params={"surface": "bowl", "x": 1.5, "y": 1.0}).json()
    assert r["bounds"]["gd"]["max_lr"] == 1.0 == PRESETS["lr-oscillating"].scenario.runs[0].lr
    assert r["lam_max"] == 2.0 and not r["kink"]
    assert "η 1 = 2/λ_max = 1" in runs("lr-oscillating")[0]["reason"]
