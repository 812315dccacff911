"""Batch.step_terms: the next update term by term, from the proposal the run commits —
state after step k is the state before step k + 1, params + update is the next frame,
and the update is torch's formula applied to those terms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch
from gdviz.engine.schedules import Schedule
from gdviz.engine.surfaces import SURFACES


def formula(opt: str, h: dict, theta, g, before, after, lr):
    """The update as the step arithmetic writes it, from the terms (per coordinate)."""
    wd = h.get("weight_decay", 0.0)
    if opt == "adamw":
        decayed = theta * (1 - lr * wd)
    else:
        g = g + wd * theta
    if opt == "gd":
        return -lr * g
    if opt in ("momentum", "nesterov"):
        mu, damp = h["momentum"], h.get("dampening", 0.0)
        b = g if not before["has_buffer"] else mu * before["momentum_buffer"] + (1 - damp) * g
        np.testing.assert_array_equal(b, after["momentum_buffer"])
        return -lr * (g + mu * b if opt == "nesterov" else b)
    if opt == "adagrad":
        t = after["step"]
        s = before["sum"] + g * g
        np.testing.assert_array_equal(s, after["sum"])
        return -(lr / (1 + (t - 1) * h["lr_decay"])) * g / (np.sqrt(s) + h["eps"])
    if opt == "rmsprop":
        v = h["alpha"] * before["square_avg"] + (1 - h["alpha"]) * g * g
        np.testing.assert_array_equal(v, after["square_avg"])
        return -lr * g / (np.sqrt(v) + h["eps"])
    b1, b2 = h["betas"]
    t = after["step"]
    m = b1 * before["exp_avg"] + (1 - b1) * g
    v = b2 * before["exp_avg_sq"] + (1 - b2) * g * g
    np.testing.assert_array_equal(m, after["exp_avg"])
    np.testing.assert_array_equal(v, after["exp_avg_sq"])
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    step = -lr * m_hat / (np.sqrt(v_hat) + h["eps"])
    return (decayed - theta) + step if opt == "adamw" else step


CASES = [(o, {}) for o in OPTIMIZERS] + [
    ("gd", {"weight_decay": 0.1}), ("momentum", {"dampening": 0.3, "weight_decay": 0.05}),
    ("adagrad", {"lr_decay": 0.2, "initial_accumulator_value": 0.5}),
    ("adam", {"weight_decay": 0.01, "betas": (0.8, 0.9)}), ("adamw", {"weight_decay": 0.2}),
]


@pytest.mark.parametrize("opt, extra", CASES, ids=[f"{o}-{'-'.join(e) or 'defaults'}"
                                                   for o, e in CASES])
@pytest.mark.parametrize("transform", ["plain", "noise+clip+schedule"])
def test_terms_chain_and_make_the_update(opt, extra, transform):
    h = {**defaults(opt), "lr": 0.02 if opt in ("adam", "adamw", "rmsprop", "adagrad") else 1e-3,
         **extra}
    more = {} if transform == "plain" else {
        "noise": 0.5, "clip_norm": 2.0, "schedule": Schedule(kind="step", step_size=3, gamma=0.5)}
    b = Batch(SURFACES["rosenbrock"], OPTIMIZERS[opt], hyper_arrays([h]),
              np.array([[-1.2, 1.0]]), 30, **more)
    prev = None
    for _ in range(12):
        terms = b.step_terms()
        theta, lr = b.params[0].copy(), float(b.lr_now()[0])
        if transform == "plain":
            np.testing.assert_array_equal(terms.g, b.grad[0])
        if prev is not None:
            assert terms.before.keys() == prev.after.keys()
            for k, v in prev.after.items():
                np.testing.assert_array_equal(terms.before[k], v)
        want = formula(opt, h, theta, terms.g, terms.before, terms.after, lr)
        np.testing.assert_allclose(terms.update, want, rtol=1e-12, atol=1e-15)
        update = b.propose()[0]
        np.testing.assert_array_equal(terms.update, update)
        assert not b.done
        b.advance()
        np.testing.assert_array_equal(b.params[0], theta + update)
        assert terms.after["step"] == terms.before["step"] + 1
        prev = terms


def test_terms_of_some_weights_only_and_a_run_of_several():
    h = [{**defaults("adam"), "lr": lr} for lr in (0.1, 0.01)]
    b = Batch(SURFACES["bowl"], OPTIMIZERS["adam"], hyper_arrays(h), np.array([[1.0, 2.0]] * 2), 5)
    b.advance()
    one = b.step_terms(1, [1])
    both = b.step_terms(1)
    assert one.g.tolist() == both.g[[1]].tolist()
    assert one.after["exp_avg"].tolist() == both.after["exp_avg"][[1]].tolist()
    assert math.isclose(one.update[0], b.propose()[1, 1], rel_tol=0)


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_a_float_runs_terms_as_floats_are_its_terms_as_arrays(opt):
    """``step_terms(floats=True)`` (a stream's frames, without the arrays): the same
    numbers as lists, and the same ``opt`` JSON, for every weight and for each alone."""
    from gdviz.scenarios.jsonsafe import dumps
    from gdviz.scenarios.step_terms import terms_json
    h = {**defaults(opt), "lr": 0.01}
    b = Batch(SURFACES["rosenbrock"], OPTIMIZERS[opt], hyper_arrays([h]), [[-1.2, 0.7]], 500)
    for k in range(60):
        for w in (slice(None), [1], [0], [1, 0]):
            lists, arrays = b.step_terms(0, w, floats=True), b.step_terms(0, w)
            assert type(lists.g) is list and isinstance(arrays.g, np.ndarray)
            assert lists.g == arrays.g.tolist() and lists.update == arrays.update.tolist()
            for a, b_ in ((lists.before, arrays.before), (lists.after, arrays.after)):
                assert {k2: (v.tolist() if hasattr(v, "shape") else v) for k2, v in b_.items()} == a
            assert dumps(terms_json(lists)) == dumps(terms_json(arrays))
        b.advance()
