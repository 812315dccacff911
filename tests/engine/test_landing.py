"""The remembered continuation (gdviz/engine/landing.py) answers exactly as a fresh one:
at every step a run is asked whether it comes to rest in floats, the memo's answer is the
one a continuation started afresh from the run's state gives — including when it lands
(Booth, RMSprop) and when it circles for thousands of steps (the bowl, Adam) — and a memo
is not reused across a change of hyperparameters or of the batch's chain."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from gdviz.engine import landing
from gdviz.engine.runs import Batch, run_to_end
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.simulate import simulate


@pytest.fixture
def asked(monkeypatch):
    """Every question put to ``landing.lands``: (memo reused, answer, fresh answer)."""
    log = []
    real = landing.lands

    def spy(memo, runs, hyper, key, step, params, g, state, update, gradient, follows,
            floats=False):
        reused = memo is not None and memo.matches(runs, hyper, key, step, params)
        fresh, _ = real(None, runs, hyper, key, step, params, g, copy.deepcopy(state), update,
                        gradient, follows, floats)
        out, kept = real(memo, runs, hyper, key, step, params, g, state, update, gradient,
                         follows, floats)
        log.append((reused, out.copy(), fresh))
        return out, kept

    monkeypatch.setattr(landing, "lands", spy)
    return log


@pytest.mark.parametrize("surface, optimizer, lr, status, landed", [
    ("booth", "rmsprop", 0.05, "converged", True),
    ("bowl", "adam", 0.05, "max_steps", False),
    ("bowl", "rmsprop", 0.05, "oscillating", False),
])
def test_the_remembered_continuation_answers_as_a_fresh_one(asked, surface, optimizer, lr,
                                                            status, landed):
    scenario = Scenario.model_validate({"surface": surface, "steps": 3000,
                                        "runs": [{"optimizer": optimizer, "lr": lr}]})
    assert simulate(scenario)[0]["status"] == status
    assert any(reused for reused, _, _ in asked)  # the memo was used …
    for _, out, fresh in asked:
        np.testing.assert_array_equal(out, fresh)  # … and said what a fresh one says
    assert any(out.any() for _, out, _ in asked) is landed


def test_a_memo_is_not_reused_after_a_change():
    runs, params = np.array([0]), np.array([[1.0, 3.0]])
    hyper = {"lr": np.array([[0.1]])}
    memo = landing.Continuation(runs, hyper, "chain A", 5, [params, params + 0.5],
                                None, params, np.array([-1]), np.array([False]))
    assert memo.matches(runs, hyper, "chain A", 5, params)
    assert not memo.matches(runs, {"lr": np.array([[0.2]])}, "chain A", 5, params)
    assert not memo.matches(runs, hyper, "chain B", 5, params)
    assert not memo.matches(runs, hyper, "chain A", 6, params)  # not where it would be
    assert not memo.matches(runs, hyper, "chain A", 7, params)  # beyond its front
    assert not memo.matches(np.array([1]), hyper, "chain A", 5, params)


class _LandsBoth(Batch):
    """Every time one run is continued on its floats, it is continued on arrays too (afresh,
    the batch's own array path): the same answer, the same step at rest, the same θ at
    every step the float continuation reached."""

    compared = 0

    def _lands_floats(self, runs, hyper):
        out = super()._lands_floats(runs, hyper)
        mine, self._landing, self._float_step = self._landing, None, False
        try:
            ref = Batch._lands(self, runs)
            theirs = self._landing
        finally:
            self._landing, self._float_step = mine, True
        assert out.tolist() == ref.tolist(), self.step
        if mine is not None and theirs is not None:
            assert mine.rest_at.tolist() == theirs.rest_at.tolist(), self.step
            n = min(len(mine.path), len(theirs.path))
            assert n > 0 and all(np.array_equal(np.asarray(a)[None], b) for a, b in
                                 zip(mine.path[-n:], theirs.path[-n:]))
        type(self).compared += 1
        return out


@pytest.mark.parametrize("surface, optimizer, lr, options", [
    ("booth", "rmsprop", 0.05, {}), ("booth", "adam", 0.05, {}),
    ("booth", "adam", 0.05, {"clip_norm": 0.5}), ("rosenbrock", "adam", 0.01, {}),
    ("bowl", "adam", 0.05, {}), ("bowl", "rmsprop", 0.01, {}), ("beale", "adam", 0.01, {}),
    ("himmelblau", "adam", 0.05, {}), ("bowl", "adam", 0.05, {"schedule": "cosine"}),
])
def test_a_run_continued_on_floats_is_continued_as_on_arrays(surface, optimizer, lr, options):
    """Minima with a double at rest (Booth's (1, 3), Himmelblau's (3, 2), the bowl's 0),
    circled or landed on; with a clip and with a schedule (η now, no memo)."""
    from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
    from gdviz.engine.schedules import Schedule
    from gdviz.engine.surfaces import SURFACES

    if "schedule" in options:
        options = {**options, "schedule": Schedule(options["schedule"], T_max=2000)}
    hyper = {**defaults(optimizer), "lr": lr}
    if "momentum" in hyper:
        hyper["momentum"] = 0.9
    _LandsBoth.compared = 0
    start = np.array([{"rosenbrock": [-1.5, 2.0], "beale": [1.0, 1.0]}.get(surface, [0.5, 0.5])])
    b = _LandsBoth(SURFACES[surface], OPTIMIZERS[optimizer], hyper_arrays([hyper]), start,
                   3000 if surface != "rosenbrock" else 7000, **options)
    assert b._float_step
    run_to_end(b)
    assert _LandsBoth.compared > 0
