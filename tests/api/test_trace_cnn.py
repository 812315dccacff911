"""POST /api/trace for a CNN: per-layer maps, gradients and the pool's routing mask from the
engine's own pass; the flat gradient concatenated from the layers, and their mean over a
batch is the step's gradient; bounded and validated."""

import numpy as np
import pytest

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of, start_of
from strict_json import loads

SCENARIO = {"model": {"kind": "cnn", "n": 60, "kernels": [3, 2], "padding": "same",
                      "batch_size": 12}, "runs": [{"optimizer": "adam"}]}


def trace(client, status=200, **body):
    r = client.post("/api/trace", json={"scenario": SCENARIO, **body})
    assert r.status_code == status, r.text
    return loads(r.content)


def flat(t) -> np.ndarray:
    return np.concatenate([np.ravel(layer[k]) for layer in t["layers"]
                           for k in ("grad_W", "grad_b") if layer[k] is not None])


def test_layers_and_maps_of_one_image(client):
    t = trace(client, sample=5)
    assert [(l["name"], l["kind"]) for l in t["layers"]] == [
        ("conv 1", "conv"), ("pool 1", "maxpool"), ("conv 2", "conv"), ("pool 2", "maxpool"),
        ("output", "dense")]
    conv1, pool1 = t["layers"][0], t["layers"][1]
    assert np.shape(conv1["z"]) == (8, 8, 3) and np.shape(pool1["a"]) == (4, 4, 3)
    assert np.shape(conv1["grad_W"]) == (3, 1, 3, 3) and pool1["grad_W"] is None
    mask = np.array(pool1["mask"])
    assert mask.shape == (8, 8, 3)
    assert (mask.reshape(4, 2, 4, 2, 3).sum(axis=(1, 3)) == 1).all()
    routed = np.array(conv1["grad_a"])
    assert (routed[~mask] == 0).all()
    np.testing.assert_array_equal(np.where(mask, routed, 0).reshape(4, 2, 4, 2, 3).sum(axis=(1, 3)),
                                  pool1["delta"])
    assert np.shape(t["x"]) == (8, 8) and sum(t["probs"]) == pytest.approx(1.0)
    assert t["loss"] == pytest.approx(-np.log(t["probs"][t["label"]]), rel=1e-12)


def test_the_mean_of_the_points_traces_is_the_steps_gradient(client):
    sc = Scenario.model_validate(SCENARIO)
    net = objective_of(sc)
    params = start_of(sc, 0) + np.random.default_rng(0).normal(0, 0.05, net.dim)
    first = trace(client, sample=0, step=3, params=params.tolist())
    idx = first["batch"]["indices"]
    assert first["batch"]["size"] == 12 == len(idx)
    grads = [flat(trace(client, sample=i, step=3, params=params.tolist())) for i in idx]
    np.testing.assert_allclose(np.mean(grads, axis=0), first["batch"]["grad"], rtol=1e-12,
                               atol=1e-15)
    _, want = net.loss_and_grad(params[None], step=3)
    np.testing.assert_allclose(first["batch"]["grad"], want[0], rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("body, field, words", [
    ({"sample": 48}, "sample", "the training set has 48 points"),
    ({"sample": 0, "params": [0.0, 1.0]}, "params", "this model has"),
    ({"sample": 0, "run": 3}, "run", "3 does not exist"),
])
def test_bad_requests_name_the_field(client, body, field, words):
    out = trace(client, status=422, **body)
    assert any(d["field"] == field and words in d["message"] for d in out["detail"]), out


def test_a_kind_without_a_trace_is_refused(client):
    r = client.post("/api/trace", json={"scenario": {"surface": "bowl"}, "sample": 0})
    assert r.status_code == 422 and "give a model scenario (model kind" in r.text
