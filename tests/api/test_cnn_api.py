"""The cnn and complex_linreg kinds through the API: POST /api/run and /api/model, the
socket, links, and bad input refused with the field and the limit."""

import json

import numpy as np
import pytest

from gdviz.engine.nets.images import digits
from gdviz.scenarios.kinds import CnnSpec
from gdviz.scenarios.objectives import build_model
from gdviz.scenarios.url import scenario_from_query, scenario_to_query
from strict_json import loads


def run(client, body, status=200):
    r = client.post("/api/run", json=body)
    assert r.status_code == status, r.text
    return loads(r.content)


def test_cnn_alone_is_a_valid_model_that_learns_the_digits(client):
    out = run(client, {"model": {"kind": "cnn"}, "runs": [{"optimizer": "adam", "lr": 0.01}],
                       "steps": 60})
    [r] = out["runs"]
    first, last = r["frames"][0], r["frames"][-1]
    assert len(first["params"]) == 810 and first["epoch"] == 0
    assert last["loss"] < 0.5 * first["loss"] and last["test_accuracy"] > 0.6
    assert len(last["grad_norms"]) == 2
    # the confusion matrix counts the 64 test digits; the mistakes are wrong and sorted
    y_test = build_model(CnnSpec()).data.y_test
    conf = np.array(last["confusion"])
    assert conf.shape == (10, 10) and conf.sum() == 64
    assert conf.sum(axis=1).tolist() == np.bincount(y_test, minlength=10).tolist()
    assert np.trace(conf) / 64 == pytest.approx(last["test_accuracy"])
    assert len(last["mistakes"]) == min(12, 64 - np.trace(conf))
    for i, pred, p in last["mistakes"]:
        assert y_test[i] != pred and 0 < p <= 1
    assert [m[2] for m in last["mistakes"]] == sorted((m[2] for m in last["mistakes"]),
                                                      reverse=True)
    assert r["status"] in ("max_steps", "converged") and r["reason"]


def test_cnn_runs_race_inits_and_minibatches(client):
    out = run(client, {"model": {"kind": "cnn", "dataset": "shapes", "n": 120, "kernels": [4],
                                 "batch_size": 16},
                       "runs": [{"optimizer": "momentum", "lr": 0.05},
                                {"optimizer": "momentum", "lr": 0.05, "init": "zeros"}],
                       "steps": 20})
    a, b = out["runs"]
    assert a["frames"][0]["batches_per_epoch"] == 6  # 96 training images / 16
    assert b["frames"][0]["params"][:36] == [0.0] * 36
    assert any(f["id"] == "symmetric" for f in b["diagnosis"]["findings"])
    assert "kernels of conv layer 1 (4 kernels)" in next(
        f["detail"] for f in b["diagnosis"]["findings"] if f["id"] == "symmetric")


@pytest.mark.parametrize("model, field, words", [
    ({"kernels": [8, 8]}, "model.kernels", "conv block 2 gets 3×3 maps"),
    ({"kernels": [17]}, "model.kernels.0", "less than or equal to 16"),
    ({"kernels": [4, 4, 4]}, "model.kernels", "at most 2 items"),
    ({"dataset": "shapes", "size": 16, "padding": "same", "kernels": [16], "n": 2000},
     "model.n", "over the limit of 1,048,576"),
    ({"size": 12}, "model.size", "the digits are 8×8 images"),
    ({"n": 1797, "classes": 3}, "model.n", "the digits 0–2 have 537 images"),
    ({"dataset": "shapes", "classes": 5}, "model.classes", "the shapes set has 4 classes"),
    ({"batch_size": 300}, "model.batch_size", "300 is more than the 256 training images"),
    ({"padding": "full"}, "model.padding", "'valid' or 'same'"),
])
def test_bad_cnn_models_are_refused_naming_the_field(client, model, field, words):
    out = run(client, {"model": {"kind": "cnn", **model}}, status=422)
    assert any(d["field"] == field and words in d["message"] for d in out["detail"]), out


def test_complex_race_over_the_api(client):
    out = run(client, {"model": {"kind": "complex_linreg"}, "steps": 300,
                       "runs": [{"optimizer": "gd", "lr": 0.05},
                                {"optimizer": "gd", "lr": 0.05, "grad_rule": "no_conjugate"}]})
    right, wrong = out["runs"]
    assert right["status"] == "converged" and wrong["status"] == "max_steps"
    assert wrong["frames"][-1]["loss"] > wrong["frames"][0]["loss"]
    assert "the conjugate dropped" in wrong["reason"]
    assert [f["id"] for f in wrong["diagnosis"]["findings"]] == ["wrong_gradient"]
    assert right["diagnosis"]["findings"] == []


def test_grad_rule_and_init_belong_to_their_kinds(client):
    out = run(client, {"surface": "bowl", "runs": [{"grad_rule": "no_conjugate"}]}, 422)
    assert out["detail"][0]["field"] == "runs.0.grad_rule"
    out = run(client, {"model": {"kind": "complex_linreg"}, "runs": [{"init": "he"}]}, 422)
    assert "mlp or cnn" in out["detail"][0]["message"]
    out = run(client, {"model": {"kind": "complex_linreg"},
                       "runs": [{"grad_rule": "sometimes"}]}, 422)
    assert out["detail"][0]["field"] == "runs.0.grad_rule"


def test_describing_a_cnn(client):
    r = client.post("/api/model", json={"kind": "cnn"})
    d = loads(r.content)
    assert d["kind"] == "cnn" and d["dim"] == 810 and d["class_names"][9] == "9"
    assert d["blocks"] == [{"c_in": 1, "c_out": 8, "side_in": 8, "side_conv": 6,
                            "side_pool": 3}]
    data = build_model(CnnSpec()).data
    assert np.array_equal(d["data"]["gallery"], data.x_train[:48])  # exact
    levels = np.array(d["data"]["test_levels"])
    assert levels.shape == (64, 8, 8) and levels.min() == 0 and levels.max() == 255
    assert d["data"]["y_test"] == data.y_test.tolist()


def test_describing_the_complex_weight(client):
    d = loads(client.post("/api/model", json={"kind": "complex_linreg"}).content)
    assert d["kind"] == "complex_linreg" and len(d["grid"]["z"]) == 120
    assert set(d["rules"]) == {"conjugate", "no_conjugate"}
    assert len(d["data"]["x"]) == 100 and len(d["data"]["x"][0]) == 2


def test_links_round_trip_the_new_kinds():
    for query in ({"model": "cnn", "model.kernels": "4,6", "model.padding": "same",
                   "model.dataset": "shapes", "model.size": "10", "r0": "adam"},
                  {"model": "complex_linreg", "model.phase": "30", "r0": "gd",
                   "r1": "gd", "r1.grad_rule": "no_conjugate"}):
        s, warnings = scenario_from_query(query)
        assert warnings == []
        again, w2 = scenario_from_query(scenario_to_query(s))
        assert again == s and w2 == []
    s, _ = scenario_from_query({"model": "cnn", "model.kernels": "4,6", "model.padding": "same"})
    assert s.model.kernels == [4, 6] and s.model.padding == "same"  # padding read first
    s, w = scenario_from_query({"model": "cnn", "r0": "gd", "r0.grad_rule": "no_conjugate"})
    assert s.runs[0].grad_rule is None and "complex_linreg" in w[0]


def test_a_cnn_streams_thin_frames_with_the_confusion_only_where_the_weights_are(client):
    scenario = {"model": {"kind": "cnn", "n": 100, "kernels": [2]},
                "runs": [{"optimizer": "adam", "lr": 0.01}], "steps": 30, "speed": 2000}
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "scenario": scenario}))
        seen = []
        while not seen or seen[-1]["type"] != "done":
            seen.append(loads(ws.receive_text()))
    frames = [f for m in seen if m["type"] == "frames" for f in m["frames"]]
    assert [f["step"] for f in frames] == list(range(31))
    for f in frames:
        assert ("params" in f) == ("confusion" in f) == ("mistakes" in f)
        assert "test_accuracy" in f
    assert frames[-1]["params"] and len(frames[-1]["confusion"]) == 10


def test_digits_ship_with_the_package_and_no_network_is_needed(monkeypatch):
    import socket

    def refuse(*a, **k):
        raise AssertionError("no network at run time")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    from gdviz.engine.nets import images
    images._digit_file.cache_clear()  # read the file again, now
    assert digits(n=100, seed=9).n_train == 80
