"""JSON true/false is not a number: every number field refuses it with a 422 (or a WS
error) naming the field, instead of pydantic's lax reading of true as 1 and false as 0.
Fields that are bools (paused, random_targets) still take them."""

import json

import pytest
from strict_json import loads

RUN = {"optimizer": "gd", "lr": 0.1, "start": [1, 1]}


@pytest.mark.parametrize("path,body,field", [
    ("/api/run", {"surface": "bowl", "steps": True, "runs": [RUN]}, "steps"),
    ("/api/run", {"surface": "bowl", "seed": False, "runs": [RUN]}, "seed"),
    ("/api/run", {"surface": "bowl", "runs": [{**RUN, "lr": True}]}, "runs.0.lr"),
    ("/api/run", {"surface": "bowl", "runs": [{**RUN, "start": [True, 1]}]}, "runs.0.start.0"),
    ("/api/run", {"surface": "bowl", "runs": [{**RUN, "optimizer": "adam", "betas": [0.9, True]}]}, "runs.0.betas.1"),
    ("/api/run", {"model": {"kind": "mlp", "n": False}, "runs": [{"optimizer": "gd"}]}, "model.n"),
    ("/api/sweep", {"surface": "bowl", "run": RUN, "lrs": {"min": 0.01, "max": 1, "count": True}}, "lrs.count"),
    ("/api/basins", {"surface": "bowl", "run": RUN, "n": True}, "n"),
    ("/api/expr", {"expr": "x**2 + y**2", "domain": [[True, 1], [-1, 1]]}, "domain"),
])
def test_a_bool_for_a_number_is_a_422_naming_the_field(client, path, body, field):
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    fields = [d["field"] for d in loads(r.content)["detail"]]
    assert any(f.startswith(field) for f in fields), fields


def test_bool_fields_still_take_bools(client):
    r = client.post("/api/run", json={"model": {"kind": "linreg2", "random_targets": True},
                                      "runs": [{"optimizer": "gd"}], "steps": 3})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("message,words", [
    ({"type": "step", "count": True}, "count"),
    ({"type": "set", "run": True, "changes": {"lr": 0.1}}, "run"),
    ({"type": "set", "run": 0, "changes": {"lr": True}}, "lr"),
    ({"type": "speed", "steps_per_second": True}, "steps_per_second"),
    ({"type": "start", "scenario": {"surface": "bowl", "steps": True, "runs": [RUN]}}, "steps"),
])
def test_a_bool_for_a_number_on_the_socket_is_an_error_naming_the_field(client, message, words):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "paused": True, "scenario": {"surface": "bowl", "runs": [RUN]}}))
        while loads(ws.receive_text())["type"] != "state":
            pass
        ws.send_text(json.dumps(message))
        for _ in range(50):
            msg = loads(ws.receive_text())
            if msg["type"] == "error":
                break
        assert msg["type"] == "error" and words in msg["message"], msg
