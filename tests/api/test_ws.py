"""WS /ws/run over TestClient.websocket_connect, parsing every message strictly."""

import json

import pytest
from strict_json import loads


def receive_until(ws, kind, limit=2000):
    seen = []
    for _ in range(limit):
        msg = loads(ws.receive_text())
        seen.append(msg)
        if msg["type"] == kind:
            return seen
    raise AssertionError(f"no {kind!r} message in {limit} messages")


def frames(messages):
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def start_msg(runs, surface="bowl", steps=500, speed=2000):
    return json.dumps({"type": "start", "scenario": {
        "surface": surface, "steps": steps, "speed": speed, "runs": runs}})


def test_run_streams_to_done(client):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(start_msg([{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]))
        msgs = receive_until(ws, "done")
    fs = frames(msgs)
    assert fs[0]["step"] == 0 and fs[0]["params"] == [1.0, 1.0]
    assert fs[1]["params"] == pytest.approx([0.8, 0.8])
    assert [f["step"] for f in fs] == list(range(len(fs)))
    assert msgs[-1]["runs"][0]["status"] == "converged"
    assert max(len(m["frames"]) for m in msgs if m["type"] == "frames") > 1  # batched


def test_pause_step_set_on_a_live_socket(client):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(start_msg([{"optimizer": "gd", "lr": 0.001, "start": [1, 1]}], speed=1))
        receive_until(ws, "state")
        ws.send_text('{"type":"pause"}')
        receive_until(ws, "state")
        ws.send_text('{"type":"set","run":0,"changes":{"lr":0.1}}')
        assert receive_until(ws, "hyper")[-1]["hyper"]["lr"] == 0.1
        ws.send_text('{"type":"step","count":3}')
        got = frames(receive_until(ws, "state"))
        assert len(got) == 3 and all(f["lr"] == 0.1 for f in got)
        steps = [f["step"] for f in got]
        assert steps == list(range(steps[0], steps[0] + 3)) and steps[0] >= 1  # no restart


def test_race_of_several_runs_in_one_stream(client):
    runs = [{"optimizer": o, "lr": 0.01, "start": [-1, 0]} for o in ("gd", "momentum", "adam")]
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(start_msg(runs, surface="himmelblau", steps=60))
        msgs = receive_until(ws, "done")
    fs = frames(msgs)
    assert {f["run"] for f in fs} == {0, 1, 2}
    assert len([m for m in msgs if m["type"] == "status"]) == 3


def test_divergence_streams_nulls_not_nan(client):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(start_msg([{"optimizer": "gd", "lr": 1e6, "start": [1e4, 1e4]}],
                               surface="rosenbrock"))
        msgs = receive_until(ws, "done")  # loads() would raise on NaN/Infinity
    assert msgs[-1]["runs"][0]["status"] == "diverged"


@pytest.mark.parametrize("bad", ["{", "42", '{"type":"warp"}', '{"type":"step","count":-1}',
                                 '{"type":"speed","steps_per_second":Infinity}',
                                 '{"type":"start","scenario":{"steps":1e9}}'])
def test_malformed_message_gets_error_and_socket_stays_usable(client, bad):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(bad)
        err = loads(ws.receive_text())
        assert err["type"] == "error" and err["message"]
        ws.send_text(start_msg([{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]))
        assert receive_until(ws, "done")[-1]["type"] == "done"


def test_oversized_and_binary_messages_are_refused(client):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text('{"type":"pause","pad":"' + "x" * (100 << 10) + '"}')
        err = loads(ws.receive_text())
        assert err["type"] == "error" and "limit" in err["message"]
        ws.send_bytes(b"\x00\x01")
        assert loads(ws.receive_text())["type"] == "error"


def test_connection_cap_closes_extra_sockets_with_a_reason(monkeypatch):
    from starlette.websockets import WebSocketDisconnect

    from local_client import local_client
    from gdviz.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_connections", 2)
    with local_client() as c:
        with c.websocket_connect("/ws/run") as a, c.websocket_connect("/ws/run") as b:
            with c.websocket_connect("/ws/run") as extra:
                with pytest.raises(WebSocketDisconnect) as closed:
                    extra.receive_text()
                assert closed.value.code == 1013 and "2 live streams" in closed.value.reason
            a.send_text('{"type":"speed","steps_per_second":5}')
            assert loads(a.receive_text())["type"] == "state"
        with c.websocket_connect("/ws/run") as again:  # slots free once clients leave
            again.send_text('{"type":"speed","steps_per_second":5}')
            assert loads(again.receive_text())["type"] == "state"


def test_a_server_bug_is_reported_not_a_silent_hang(client, monkeypatch):
    from starlette.websockets import WebSocketDisconnect

    from gdviz.streaming.session import StreamSession

    def broken(self, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(StreamSession, "tick", broken)
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(start_msg([{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]))
        msgs = []
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(10):
                msgs.append(loads(ws.receive_text()))
        assert msgs[-1]["type"] == "error" and "boom" in msgs[-1]["message"]
        assert closed.value.code == 1011
