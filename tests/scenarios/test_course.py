"""The guided path: every step is a preset, in the issue's order; every goal is true and
achievable — a change a student can make with the page's own controls (an η on the slider,
a start in the domain, another optimizer) meets its check, and the preset as it opens does
not, so the goal asks for something."""

from __future__ import annotations

from functools import cache

import pytest

from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.surfaces import SURFACES
from gdviz.scenarios.course import COURSE, LR_SLIDER, STEPS, course, met
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate

ORDER = ["1d-slope", "1d-learning-rates", "lr-too-small", "lr-just-right", "lr-oscillating", "lr-diverging",
         "ravine-momentum", "saddle-escape", "plateau", "local-minimum", "rosenbrock-adam",
         "linreg2", "minibatch-sgd", "vanishing-gradients", "backprop-xor", "softmax-ce"]

# For each checked goal: a change the student can make (run index → field changes) that meets it.
WITNESS = {
    "1d-slope": {0: {"lr": 0.45}},
    "1d-learning-rates": {0: {"lr": 0.5}},
    "lr-too-small": {0: {"lr": 0.3}},
    "lr-just-right": {0: {"lr": 0.6}},
    "lr-oscillating": {0: {"lr": 0.9}},
    "lr-diverging": {0: {"lr": 0.95}},
    "ravine-momentum": {0: {"lr": 0.0909}},
    "saddle-escape": {0: {"start": [1.5, 0.01]}},
    "plateau": {0: {"lr": 1.9}},
    "local-minimum": {0: {"start": [-0.5, 1.0]}},
    "rosenbrock-adam": {1: {"lr": 0.1}},
    "linreg2": {0: {"lr": 1.0}},
    "minibatch-sgd": {0: {"lr": 0.5}},
    "vanishing-gradients": {0: {"optimizer": "adam", "lr": 0.01}},
    "backprop-xor": {0: {"lr": 4.0}},
}


def test_the_course_follows_the_lessons_in_order():
    assert [s.preset for s in COURSE] == ORDER
    assert [s["preset"] for s in course()] == ORDER


@pytest.mark.parametrize("pid", ORDER)
def test_each_goal_is_one_line(pid):
    goal = STEPS[pid].goal
    assert goal.endswith((".", "?")) and len(goal) <= 110 and "\n" not in goal


def test_checked_goals_are_exactly_the_witnessed_ones():
    assert {s.preset for s in COURSE if s.check is not None} == set(WITNESS)


def changed(pid: str, changes: dict) -> Scenario:
    d = PRESETS[pid].scenario.model_dump(exclude_none=True)
    for run, fields in changes.items():
        if "optimizer" in fields:  # a new optimizer keeps only what it takes
            d["runs"][run] = {k: v for k, v in d["runs"][run].items()
                              if k in ("start", "init", "noise", "clip_norm")}
        d["runs"][run].update(fields)
    return Scenario.model_validate(d)


@cache
def results(pid: str, witnessed: bool) -> list[dict]:
    scenario = changed(pid, WITNESS[pid]) if witnessed else PRESETS[pid].scenario
    return simulate(scenario)


def goal_met(pid: str, witnessed: bool) -> bool:
    check = STEPS[pid].check
    scenario = changed(pid, WITNESS[pid]) if witnessed else PRESETS[pid].scenario
    return met(check, results(pid, witnessed)[check.run], scenario.runs[check.run].lr)


@pytest.mark.parametrize("pid", list(WITNESS))
def test_the_witness_is_a_change_the_page_can_make(pid):
    scenario = PRESETS[pid].scenario
    for run, fields in WITNESS[pid].items():
        assert run < len(scenario.runs)
        for name, value in fields.items():
            if name == "lr":
                assert LR_SLIDER[0] <= value <= LR_SLIDER[1]
                assert float(f"{value:.3g}") == value  # the slider's 3 significant digits
            elif name == "start":
                (x0, x1), (y0, y1) = SURFACES[scenario.surface].domain
                assert x0 <= value[0] <= x1 and y0 <= value[1] <= y1
            else:
                assert name == "optimizer" and value in OPTIMIZERS


@pytest.mark.parametrize("pid", list(WITNESS))
def test_the_goal_is_achievable(pid):
    assert goal_met(pid, witnessed=True)


@pytest.mark.parametrize("pid", list(WITNESS))
def test_the_goal_is_not_met_as_the_step_opens(pid):
    assert not goal_met(pid, witnessed=False)


@pytest.mark.parametrize("pid", ORDER)
def test_a_steps_link_reads_back_as_its_preset_with_the_guide(pid):
    from urllib.parse import parse_qsl, urlsplit

    from gdviz.scenarios.url import scenario_from_query
    from gdviz.scenarios.view import view_from_query
    query = dict(parse_qsl(urlsplit(STEPS[pid].public()["url"]).query))
    scenario, warnings = scenario_from_query(query)
    assert warnings == [] and scenario == PRESETS[pid].scenario
    view, warnings = view_from_query(query, presets=PRESETS)
    assert warnings == [] and view.guide and view.preset == pid
