"""The objective a scenario trains, its runs' starts and its number of weights — asked of
the scenario's kind (kinds/: a named surface, a typed f(x, y) or a model)."""

from __future__ import annotations

import numpy as np

from .kinds import Source, kind_of


def objective_of(source):
    """The engine objective ``source`` (a Scenario, a landscape request, a ``Source``)
    names: a surface, a typed f(x, y), or a model built from its spec (cached)."""
    return kind_of(source).build(source)


def objective_for_run(scenario, index: int):
    """The objective run ``index`` steps on: the scenario's, or — when the run names a
    ``grad_rule`` its kind offers — the same loss stepped with that rule (a complex
    weight's mistake that drops the conjugate)."""
    objective = objective_of(scenario)
    rule = scenario.runs[index].grad_rule
    return objective if rule is None else objective.with_rule(rule)


def build_model(spec, shuffle_seed: int = 0):
    """The model ``spec`` describes (cached), its minibatch order (a network's) seeded by
    ``shuffle_seed`` (the scenario's seed)."""
    return objective_of(Source(model=spec, seed=shuffle_seed))


def start_of(scenario, index: int) -> np.ndarray:
    """Run ``index``'s start (P,): its ``start`` if given, else — for a kind whose runs
    draw their weights — the weights drawn by the run's ``init`` (or the model's), seeded by
    the scenario's seed (the same for every run with the same init), else the objective's
    suggested start."""
    run = scenario.runs[index]
    objective = objective_of(scenario)
    if run.start is not None:
        return np.asarray(run.start, dtype=float)
    if kind_of(scenario).capabilities.init:
        init = run.init or scenario.model.init
        return objective.init_params(init, scenario.seed)[0]
    return np.asarray(objective.start, dtype=float)


def dimension(scenario) -> int:
    """The number of weights a run of the scenario has."""
    return int(objective_of(scenario).dim)
