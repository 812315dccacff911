"""The backprop view's text (static/js/nets/trace-text.js) writes the engine's numbers:
fed POST /api/trace's answer, each stage's line ends in the engine's value for it."""

import numpy as np
import pytest

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of
from node_call import node_map
from strict_json import loads

XOR = {"kind": "mlp", "dataset": "xor", "n": 40, "hidden": [2], "activation": "tanh",
       "head": "sigmoid_bce"}
STAGES = ["forward", "loss", "backward", "gradients", "update"]


def js_fmt(values):
    return node_map("format.js", "fmt", [[v, 4] for v in values], spread=True)


@pytest.mark.parametrize("model, edge", [
    (XOR, {"layer": 1, "i": 1, "j": 0}), (XOR, {"layer": 2, "i": 0, "j": 0}),
    ({**XOR, "hidden": [3, 2], "head": "softmax_ce", "activation": "sigmoid"}, {"layer": 1, "i": 0, "j": 2}),
    ({**XOR, "hidden": [3], "head": "mse", "activation": "relu"}, {"layer": 2, "i": 2, "j": 1}),
])
def test_every_stage_ends_in_the_engines_number(client, model, edge):
    sc = {"model": model, "runs": [{"optimizer": "gd", "lr": 0.5}]}
    desc = loads(client.post("/api/model", json=model).content)
    params = objective_of(Scenario.model_validate(sc)).init_params("xavier", 0)[0].tolist()
    tr = loads(client.post("/api/trace", json={"scenario": sc, "sample": 3, "params": params}).content)
    sizes = desc["sizes"]
    l, i, j = edge["layer"], edge["i"], edge["j"]
    offset = sum(sizes[k - 1] * sizes[k] + sizes[k] for k in range(1, l))
    index = offset + i * sizes[l] + j
    net = {"sizes": sizes, "activation": model["activation"], "head": model["head"], "params": params}
    step = {"index": index, "lr": 0.5, "optimizer": "gd", "hyper": {"lr": 0.5, "weight_decay": 0}}
    lines = node_map("nets/trace-text.js", "stageLines",
                     [[tr, net, edge, s, step] for s in STAGES], spread=True)
    by_stage = dict(zip(STAGES, lines))
    layer = tr["layers"][l - 1]
    g = layer["grad_W"][i][j]
    g_bar = tr["batch"]["grad"][index]
    want = {"forward": layer["z"][j], "loss": tr["loss"], "backward": layer["delta"][j],
            "gradients": g, "update": params[index] - 0.5 * g_bar}
    texts = js_fmt(list(want.values()))
    for (stage, value), text in zip(want.items(), texts):
        found = [ln["text"] for ln in by_stage[stage]]
        # the line's result: after its last "=", alone or in the vector of the outputs
        results = [t.rsplit("= ", 1)[-1].split("  ")[0] for t in found]
        assert any(r == text or r.startswith("(") and text in r.strip("()").split(", ")
                   for r in results), (stage, text, found)
    share = js_fmt([g / tr["batch"]["size"], g_bar])
    assert any(share[0] in ln["text"] for ln in by_stage["update"])
    assert any(share[1] in ln["text"] for ln in by_stage["update"])
