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
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.simulate import simulate


@pytest.fixture
def asked(monkeypatch):
    """Every question put to ``landing.lands``: (memo reused, answer, fresh answer)."""
    log = []
    real = landing.lands

    def spy(memo, runs, hyper, key, step, params, g, state, update, gradient, follows):
        reused = memo is not None and memo.matches(runs, hyper, key, step, params)
        fresh, _ = real(None, runs, hyper, key, step, params, g, copy.deepcopy(state), update,
                        gradient, follows)
        out, kept = real(memo, runs, hyper, key, step, params, g, state, update, gradient,
                         follows)
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
