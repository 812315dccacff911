"""A network's one run (every stream, every POST /api/run) is judged on floats: its norms
(``verdicts.norms``, one row) and its loss read as Python numbers, the rules of
``verdicts.py`` evaluated on them (``Batch._float_rules``), the arrays only where a rule
could end the run. Against the same runs judged wholly on arrays, every frame, status,
stall and end step is the same bytes — for runs that end in each way a network ends."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.runs import run_to_end
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.simulate import batches

SMALL = {"kind": "mlp", "n": 40, "hidden": [6, 5]}
CASES = {
    # still going at the end (max_steps), its window rules asked every step past 2W
    "adam": ({**SMALL}, {"optimizer": "adam", "lr": 0.01}, 300),
    # zeros: every hidden unit alike and a tiny gradient — stalled at its start (_judge)
    "zeros init": ({**SMALL, "init": "zeros"}, {"optimizer": "gd", "lr": 1e-4}, 300),
    # fast, then settled where _judge reads it converged
    "momentum too fast": ({**SMALL, "activation": "relu"},
                          {"optimizer": "momentum", "lr": 3.0, "momentum": 0.9}, 300),
    "gd too fast": ({**SMALL, "dataset": "xor", "n": 60, "hidden": [4, 4]},
                    {"optimizer": "gd", "lr": 30.0}, 300),
    "diverges": ({"kind": "mlp", "dataset": "xor", "n": 60, "hidden": [4, 4, 4],
                  "activation": "leaky_relu"}, {"optimizer": "gd", "lr": 400.0}, 100),
    "sigmoid + BCE": ({**SMALL, "dataset": "circles", "activation": "sigmoid",
                       "head": "sigmoid_bce"}, {"optimizer": "rmsprop", "lr": 0.05}, 300),
    "mse head": ({**SMALL, "head": "mse"}, {"optimizer": "adagrad", "lr": 0.5}, 300),
    # mini-batches: the noisy run's rules (no window tests; blocks of the loss)
    "mini-batches": ({**SMALL, "dataset": "spiral", "n": 60, "batch_size": 16},
                     {"optimizer": "gd", "lr": 0.3}, 200),
    "weight decay": ({**SMALL}, {"optimizer": "adamw", "lr": 0.05, "weight_decay": 0.5}, 300),
    "cnn": ({"kind": "cnn"}, {"optimizer": "adam", "lr": 0.01}, 45),
}


def trajectory(model: dict, run: dict, steps: int, floats: bool):
    (batch,) = batches(Scenario.model_validate({"model": model, "runs": [run],
                                                "steps": steps}))
    assert batch.n_runs == 1 and batch.dim > 7
    decided = []
    if floats:
        rules = batch._float_rules

        def counted():
            out = rules()
            decided.append(not out[0])
            return out
        batch._float_rules = counted
    else:  # the reference: every step judged on arrays
        batch._float_rules = lambda: (True, False, False)
    with np.errstate(all="ignore"):
        traj = run_to_end(batch)
    return batch, traj, decided


@pytest.mark.parametrize("case", list(CASES))
def test_a_networks_run_is_judged_on_floats_as_on_arrays(case):
    model, run, steps = CASES[case]
    fast, got, decided = trajectory(model, run, steps, floats=True)
    ref, want, _ = trajectory(model, run, steps, floats=False)
    for field in ("params", "loss", "grad", "update", "lr", "status", "end_step"):
        assert np.asarray(getattr(got, field)).tobytes() == \
            np.asarray(getattr(want, field)).tobytes(), field
    assert (fast.status.tobytes(), fast.stall.tobytes(), fast.end_step.tobytes()) == \
        (ref.status.tobytes(), ref.stall.tobytes(), ref.end_step.tobytes())
    assert sum(decided) >= len(decided) - 2  # the floats decided all but the last steps


def test_the_cases_end_in_each_way():
    """(So that the comparison above covers every verdict a network's run reaches.)"""
    from gdviz.engine.runs import Status

    ends = set()
    for case, (model, run, steps) in CASES.items():
        if case == "cnn":
            continue
        batch, _, _ = trajectory(model, run, steps, floats=True)
        ends.add(Status(int(batch.status[0])).label)
    assert {"max_steps", "diverged", "oscillating", "stalled", "converged"} <= ends, ends


@pytest.mark.parametrize("case", ["adam", "momentum too fast", "sigmoid + BCE", "cnn"])
def test_the_lengths_the_floats_read_are_the_arrays_bit_for_bit(case):
    """What the rules read as floats — 1 + ‖θ‖, ‖θ − θ₀‖, the window's displacement, taken
    with the step's length in one ``norms`` call (``Batch._wide_norms``) — is what the
    arrays give, one norm at a time, at every step: a last-bit difference would move a verdict only
    at a threshold, where the comparison of whole runs above could not see it."""
    from gdviz.engine.runs import _FloatWindow, _RingWindow
    from gdviz.engine.verdicts import norms

    model, run, steps = CASES[case]
    (b,) = batches(Scenario.model_validate({"model": model, "runs": [run], "steps": steps}))
    idx, seen = np.zeros(1, np.intp), 0
    while not b.done:
        with np.errstate(all="ignore"):
            b.advance()
        assert b._wide_now() is not None  # the step's norms, taken together in advance
        length, away = b._lengths_floats()
        assert (length, away) == (float(1 + norms(b.params)[0]),
                                  float(norms(b.params - b.start)[0]))
        if b.step >= 2 * b.tol.window and not b.done:
            assert _FloatWindow(b).disp() == float(_RingWindow(b, idx).disp()[0])
            seen += 1
    assert seen > 0
