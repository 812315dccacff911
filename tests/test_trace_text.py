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


def test_linreg2_writes_its_terms_of_the_mean(client):
    """seed 0, w = (2, 3): ŷ, (ŷ − y)², δ = 2(ŷ − y), the term δ·x1 of
    ∂L/∂w1 = 2·mean((ŷ − y)·x1), and that mean — the engine's numbers."""
    sc = {"model": {"kind": "linreg2"}, "runs": [{"optimizer": "gd", "lr": 0.1}]}
    tr = loads(client.post("/api/trace", json={"scenario": sc, "sample": 7, "params": [2, 3]}).content)
    net = {"sizes": [2, 1], "activation": "identity", "head": "mse", "bias": False, "params": [2, 3]}
    edge = {"layer": 1, "i": 0, "j": 0}
    step = {"index": 0, "lr": 0.1, "optimizer": "gd", "hyper": {"lr": 0.1, "weight_decay": 0},
            "regression": True}
    lines = node_map("nets/trace-text.js", "stageLines", [[tr, net, edge, s, step] for s in STAGES],
                     spread=True)
    text = {s: " | ".join(ln["text"] for ln in ls) for s, ls in zip(STAGES, lines)}
    y_hat, y = tr["logits"][0], tr["label"]
    g_bar = tr["batch"]["grad"][0]
    f = js_fmt([y_hat, tr["loss"], 2 * (y_hat - y), tr["layers"][0]["grad_W"][0][0], g_bar])
    assert f"= {f[0]}" in text["forward"] and "no activation" in text["forward"]
    assert text["loss"].startswith("ℓ = (ŷ − y)²") and text["loss"].endswith(f"= {f[1]}")
    assert text["backward"].startswith("δ = ∂ℓ/∂ŷ = 2(ŷ − y)") and text["backward"].endswith(f[2])
    assert text["gradients"].endswith(f"= {f[3]}")
    assert f"all 100 points" in text["update"] and f"= {f[4]}" in text["update"]
    assert tr["batch"]["size"] == 100
