"""POST /api/trace: one point's backprop from the engine, in the model's flat layout,
bounded and validated (docs/models.md, "One point's backprop")."""

import numpy as np
import pytest

from gdviz.engine.nets.mlp import MLP
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of, start_of
from gdviz.scenarios.simulate import simulate
from strict_json import loads

MOONS = {"kind": "mlp", "dataset": "moons", "n": 60, "hidden": [5, 3], "activation": "tanh"}


def post(client, body, status=200):
    r = client.post("/api/trace", json=body)
    assert r.status_code == status, r.text
    return loads(r.content)


def flat(layers):
    out = []
    for layer in layers:
        if layer["grad_W"] is not None:
            out += [v for row in layer["grad_W"] for v in row]
        if layer["grad_b"] is not None:
            out += layer["grad_b"]
    return np.array(out)


def test_layers_follow_the_models_layout_and_add_up_to_the_batch_gradient(client):
    sc = {"model": MOONS, "runs": [{"optimizer": "gd", "lr": 0.1}]}
    desc = loads(client.post("/api/model", json=MOONS).content)
    shapes = [l["shape"] for l in desc["layers"]]
    net = objective_of(Scenario.model_validate(sc))
    grads = []
    for i in range(net.data.n_train):
        t = post(client, {"scenario": sc, "sample": i})
        got = [np.shape(l[k]) for l in t["layers"] for k in ("grad_W", "grad_b")]
        assert got == [tuple(s) for s in shapes]
        grads.append(flat(t["layers"]))
    want = net.loss_and_grad(start_of(Scenario.model_validate(sc), 0)[None, :])[1][0]
    np.testing.assert_allclose(np.mean(grads, axis=0), want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t["batch"]["grad"], want, rtol=0, atol=0)
    assert t["batch"]["size"] == net.data.n_train and t["batch"]["includes_sample"]


def test_one_point_answer(client):
    sc = {"model": {**MOONS, "head": "softmax_ce"}}
    t = post(client, {"scenario": sc, "sample": 4})
    assert set(t) == {"sample", "x", "label", "head", "loss", "logits", "probs", "target",
                      "layers", "batch"}
    assert [l["name"] for l in t["layers"]] == ["hidden 1", "hidden 2", "output"]
    assert t["target"] == [float(t["label"] == k) for k in range(2)]
    p = np.array(t["probs"])
    assert t["loss"] == pytest.approx(-np.log(p[t["label"]]), rel=1e-12)
    np.testing.assert_allclose(t["layers"][-1]["delta"], p - t["target"], atol=1e-15)
    assert t["layers"][-1]["a"] == t["layers"][-1]["z"] == t["logits"]


def test_given_weights_and_a_minibatch_step(client):
    sc = {"model": {**MOONS, "batch_size": 8}, "runs": [{"optimizer": "adam", "lr": 0.05}],
          "steps": 12, "seed": 3}
    frames = simulate(Scenario.model_validate(sc))[0]["frames"]
    net: MLP = objective_of(Scenario.model_validate(sc))
    for k in (0, 7, 12):
        idx = net.batch_indices(k)
        share = []
        for i in idx:
            t = post(client, {"scenario": sc, "params": frames[k]["params"], "sample": int(i),
                              "step": k})
            share.append(flat(t["layers"]))
        assert t["batch"]["size"] == 8 and t["batch"]["includes_sample"]
        assert sorted(t["batch"]["indices"]) == sorted(int(i) for i in idx)
        assert (t["batch"]["epoch"], t["batch"]["index"]) == divmod(k, net.batches_per_epoch)
        np.testing.assert_allclose(t["batch"]["grad"], frames[k]["grad"], rtol=0, atol=0)
        np.testing.assert_allclose(np.mean(share, axis=0), frames[k]["grad"], rtol=0, atol=1e-12)
    outside = next(i for i in range(net.data.n_train) if i not in set(net.batch_indices(0)))
    t = post(client, {"scenario": sc, "sample": outside, "step": 0})
    assert t["batch"]["includes_sample"] is False


@pytest.mark.parametrize("kind", ["linreg2", "logreg2"])
def test_two_weight_models(client, kind):
    sc = {"model": {"kind": kind}, "runs": [{"optimizer": "gd", "lr": 0.1}]}
    model = objective_of(Scenario.model_validate(sc))
    t = post(client, {"scenario": sc, "sample": 0, "params": [2, 3]})
    [layer] = t["layers"]
    assert np.shape(layer["grad_W"]) == (2, 1) and layer["grad_b"] is None
    assert t["probs"] is None if kind == "linreg2" else len(t["probs"]) == 1
    want = model.loss_and_grad(np.array([[2.0, 3.0]]))[1][0]
    assert t["batch"]["grad"] == want.tolist()
    if kind == "linreg2":  # ∂ℓ/∂w1 = 2(ŷ − y)·x1, one term of 2·mean((ŷ − y)·x1)
        x1, x2 = t["x"]
        y_hat = 2 * x1 + 3 * x2
        assert t["logits"] == [y_hat]
        assert layer["grad_W"][0][0] == pytest.approx(2 * (y_hat - t["label"]) * x1, rel=1e-15)


def test_overflowing_weights_come_back_as_null_not_nan(client):
    sc = {"model": {**MOONS, "activation": "relu"}}
    dim = loads(client.post("/api/model", json=sc["model"]).content)["dim"]
    rng = np.random.default_rng(1)
    for _ in range(3):
        params = rng.choice([-1e4, 1e4], dim).tolist()
        post(client, {"scenario": sc, "params": params, "sample": 1})  # strict JSON parsed


@pytest.mark.parametrize("body, field", [
    ({"scenario": {"surface": "bowl"}, "sample": 0}, "scenario: give a model scenario"),
    ({"scenario": {"model": MOONS}, "sample": 48}, "sample: the training set has 48 points"),
    ({"scenario": {"model": MOONS}, "sample": -1}, "sample"),
    ({"scenario": {"model": MOONS}, "sample": 0, "params": [1, 2, 3]}, "params: this model has"),
    ({"scenario": {"model": MOONS}, "sample": 0, "run": 2}, "run: 2 does not exist"),
    ({"scenario": {"model": MOONS}, "sample": 0, "step": 10001}, "step"),
    ({"scenario": {"model": MOONS}}, "sample"),
    ({"scenario": {"model": MOONS}, "sample": 0, "extra": 1}, "extra"),
    ({"scenario": {"model": MOONS}, "sample": True}, "sample"),
])
def test_bad_requests_name_the_field(client, body, field):
    r = client.post("/api/trace", json=body)
    assert r.status_code == 422
    assert field in loads(r.content)["message"]


def test_the_batch_loss_is_the_mean_of_its_points_losses(client):
    sc = {"model": {**MOONS, "batch_size": 8}, "steps": 5}
    net: MLP = objective_of(Scenario.model_validate(sc))
    idx = net.batch_indices(3)
    losses = [post(client, {"scenario": sc, "sample": int(i), "step": 3})["loss"] for i in idx]
    t = post(client, {"scenario": sc, "sample": int(idx[0]), "step": 3})
    assert t["batch"]["loss"] == pytest.approx(np.mean(losses), rel=1e-12)
