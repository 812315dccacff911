"""The page's step arithmetic (static/js/nets/step-arithmetic.js) equals the engine: fed
the stream's frames, every state it writes (b, s, v, m) is the engine's state after the
update, and its Δθ and θ′ are the frame's update and the next frame's params, to 1e-12."""

import json

import numpy as np
import pytest

from gdviz.streaming.session import StreamSession
from node_call import node_map

CASES = [
    ("gd", {}), ("gd", {"weight_decay": 0.1}), ("momentum", {}),
    ("momentum", {"dampening": 0.3, "weight_decay": 0.05}), ("momentum", {"momentum": 0.0}),
    ("nesterov", {}), ("adagrad", {}), ("adagrad", {"lr_decay": 0.2, "initial_accumulator_value": 0.5}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.5}), ("adam", {}),
    ("adam", {"weight_decay": 0.01, "betas": [0.8, 0.9]}), ("adamw", {}), ("adamw", {"weight_decay": 0.2}),
]
STATE = {"b": "momentum_buffer", "s": "sum", "m": "exp_avg", "v": "exp_avg_sq"}


def stream(objective: dict, runs: list[dict], steps: int):
    s = StreamSession()
    out = s.handle(json.dumps({"type": "start", "paused": True, "scenario": {
        **objective, "runs": runs, "steps": 100}}), 0.0)
    hyper = next(m for m in out if m["type"] == "started")["runs"]
    out += s.handle(json.dumps({"type": "step", "count": steps}), 0.0)
    frames = [f for m in out if m["type"] == "frames" for f in m["frames"]]
    return hyper, frames


NOISY = ("gd", {"noise": 0.3, "clip_norm": 1.0, "schedule": "exponential", "gamma": 0.9})


@pytest.mark.parametrize("objective", [{"surface": "rosenbrock"}, {"model": {"kind": "logreg2"}}],
                         ids=["rosenbrock", "logreg2"])
def test_every_number_is_the_engines(objective):
    start = {"start": [-1.2, 1.0]} if "surface" in objective else {}
    runs = [{"optimizer": o, "lr": 0.02 if o in ("adam", "adamw", "rmsprop", "adagrad") else 1e-3,
             **start, **extra} for o, extra in [*CASES, NOISY]]
    checked = []
    for k in range(0, len(runs), 6):
        group = runs[k:k + 6]
        hyper, frames = stream(objective, group, 8)
        inputs, pairs = [], []
        for i, spec in enumerate(group):
            mine = [f for f in frames if f["run"] == i]
            checked.append(len(mine))
            for f, after in zip(mine, mine[1:]):
                inputs.append({"optimizer": spec["optimizer"], "hyper": hyper[i]["hyper"],
                               "lr": f["lr"], "params": f["params"], "opt": f["opt"]})
                pairs.append((f, after))
        for got, (f, after) in zip(node_map("nets/step-arithmetic.js", "stepArithmetic", inputs),
                                   pairs):
            np.testing.assert_allclose(got["update"], f["update"], rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(got["next"], after["params"], rtol=1e-12, atol=1e-300)
            for row in got["rows"]:
                if row["name"] in STATE and STATE[row["name"]] in f["opt"]["after"]:
                    np.testing.assert_allclose(row["value"], f["opt"]["after"][STATE[row["name"]]],
                                               rtol=1e-12, atol=1e-300, err_msg=row["name"])
    assert checked == [9] * len(runs)  # frame 0 … 8 of every run: 8 updates each
