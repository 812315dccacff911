"""Model scenarios over WS /ws/run: strict JSON, diagnosis, and slices off the loop."""

import json

from strict_json import loads


def receive_until(ws, kind, limit=5000):
    seen = []
    for _ in range(limit):
        seen.append(loads(ws.receive_text()))
        if seen[-1]["type"] == kind:
            return seen
    raise AssertionError(f"no {kind!r} message in {limit} messages")


def test_a_network_trains_over_the_socket_and_can_be_sliced(client):
    scenario = {"model": {"kind": "mlp", "dataset": "circles", "hidden": [8, 8]},
                "runs": [{"optimizer": "adam", "lr": 0.02}], "steps": 400, "speed": 2000}
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "scenario": scenario}))
        seen = receive_until(ws, "done")
        frames = [f for m in seen if m["type"] == "frames" for f in m["frames"]]
        assert [f["step"] for f in frames] == list(range(401))
        assert frames[-1]["accuracy"] > 0.9 and len(frames[-1]["params"]) == 8 * 3 + 9 * 8 + 9 * 2
        assert any(m["type"] == "diagnosis" for m in seen)
        ws.send_text(json.dumps({"type": "slice", "plane": "pca", "grid": 17}))
        ws.send_text(json.dumps({"type": "slice", "plane": "random", "grid": 17}))
        replies = [loads(ws.receive_text()) for _ in range(2)]
        kinds = sorted(r["type"] for r in replies)
        assert kinds == ["error", "slice"], replies
        [err] = [r for r in replies if r["type"] == "error"]
        assert "one slice at a time" in err["message"]
        [sl] = [r for r in replies if r["type"] == "slice"]
        assert sl["plane"] == "pca" and sl["step"] == 400 and len(sl["loss"]) == 17
        # the socket still works: a new start after the slice
        ws.send_text(json.dumps({"type": "start", "paused": True, "scenario": scenario}))
        assert receive_until(ws, "state")[0]["type"] == "started"


def test_slice_before_start_is_an_error(client):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "slice"}))
        msg = loads(ws.receive_text())
        assert msg["type"] == "error" and "start" in msg["message"]
