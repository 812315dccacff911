"""WS /ws/landscape: progress, results equal to the HTTP answers, cancel, errors."""

import json
import time

import pytest
from strict_json import loads

SWEEP = {"surface": "bowl", "run": {"optimizer": "gd", "start": [1, 1]},
         "lrs": {"min": 0.01, "max": 3, "count": 200}, "steps": 1000}
BASINS = {"surface": "himmelblau", "run": {"optimizer": "gd", "lr": 0.01},
          "grid": {"n": 48}, "steps": 2000}
SCATTER = {"surface": "two_wells", "n": 16, "seed": 1, "steps": 800,
           "run": {"optimizer": "gd", "lr": 0.05}}
# Adam on Rastrigin at 256² rarely converges: about a minute of work if not cancelled
HUGE = {"surface": "rastrigin", "run": {"optimizer": "adam", "lr": 0.01},
        "grid": {"n": 256}, "steps": 2000}


def run_msg(job_id, kind, request):
    return json.dumps({"type": "run", "id": job_id, "kind": kind, "request": request})


def until(ws, *kinds, limit=10_000):
    seen = []
    for _ in range(limit):
        msg = loads(ws.receive_text())
        seen.append(msg)
        if msg["type"] in kinds:
            return seen
    raise AssertionError(f"none of {kinds} in {limit} messages")


@pytest.mark.parametrize("kind, request_body", [
    ("sweep", SWEEP), ("basins", BASINS), ("scatter", SCATTER)])
def test_result_is_the_http_answer_after_rising_progress(client, kind, request_body):
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(run_msg(7, kind, request_body))
        msgs = until(ws, "result")
    progress = [m["fraction"] for m in msgs if m["type"] == "progress"]
    assert all(m["id"] == 7 for m in msgs)
    assert progress == sorted(progress) and all(0 <= f <= 1 for f in progress)
    assert msgs[-1]["kind"] == kind
    assert msgs[-1]["result"] == loads(client.post(f"/api/{kind}", json=request_body).content)


def test_cancel_stops_a_long_job_at_its_next_chunk_and_the_socket_goes_on(client):
    pool = client.app.state.job_pool if getattr(client.app.state, "job_pool", None) else None
    before = dict(pool.counts) if pool else {}
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(run_msg(1, "basins", HUGE))
        first = until(ws, "progress")[-1]
        assert 0 < first["fraction"] < 0.5
        ws.send_text(json.dumps({"type": "cancel", "id": 1}))
        msgs = until(ws, "cancelled", "result")
        assert msgs[-1] == {"type": "cancelled", "id": 1}
        pool = client.app.state.job_pool
        deadline = time.monotonic() + 60  # only how long to wait for the worker's answer
        while pool.counts["cancelled"] == before.get("cancelled", 0):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # the worker stopped the job itself (not killed, not run to its end)
        assert pool.counts["lost"] == before.get("lost", 0)
        assert pool.counts["done"] == before.get("done", 0)
        ws.send_text(run_msg(2, "sweep", SWEEP))
        assert until(ws, "result")[-1]["result"]["bound"] == pytest.approx(1.0)


def test_a_new_run_replaces_the_running_one(client):
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(run_msg(1, "basins", HUGE))
        until(ws, "progress")
        ws.send_text(run_msg(2, "scatter", SCATTER))
        msgs = until(ws, "result")
    assert {"type": "cancelled", "id": 1} in msgs
    assert msgs[-1]["id"] == 2 and len(msgs[-1]["result"]["paths"]) == 16
    assert not any(m["type"] == "result" and m["id"] == 1 for m in msgs)


def test_closing_the_socket_frees_the_worker(client):
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(run_msg(1, "basins", HUGE))
        until(ws, "progress")
    pool = client.app.state.job_pool
    deadline = time.monotonic() + 60  # only how long to wait: the job stops at its next chunk
    while pool.busy() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pool.busy() and pool.memory_in_use == 0


@pytest.mark.parametrize("raw, words", [
    ("not json", "not valid JSON"),
    ('{"type": "explode"}', "'run' or 'cancel'"),
    ('[1, 2]', "JSON object"),
    (run_msg(3, "nope", {}), "kind: must be one of sweep, basins, scatter"),
    (run_msg(3, "basins", {"grid": {"n": 999}}), "grid.n"),
    (run_msg(3, "basins", {"grid": {"n": 256}, "steps": 5000}), "131,072,000"),
    (run_msg(3, "sweep", {"lrs": [1e-3, float("nan")]}), "NaN"),
    (run_msg(3, "sweep", {"lrs": [1e-3, -1]}), "lrs"),
    (run_msg(3, "scatter", {"n": 65}), "64"),
    ('{"type": "run", "id": -1, "kind": "sweep", "request": {}}', "id"),
    ('{"type": "cancel"}', "id"),
    ('{"type": "run", "id": 1, "kind": "sweep", "request": {}, "extra": 1}', "extra"),
    ('{"type":"run","pad":"' + "x" * (100 << 10) + '"}', "limit"),
])
def test_bad_messages_get_an_error_and_the_socket_stays_usable(client, raw, words):
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(raw)
        err = loads(ws.receive_text())
        assert err["type"] == "error" and words in err["message"], err
        ws.send_text(run_msg(4, "sweep", {**SWEEP, "lrs": [0.1, 0.5]}))
        assert until(ws, "result")[-1]["id"] == 4


def test_landscape_sockets_count_towards_the_connection_cap(monkeypatch):
    from starlette.websockets import WebSocketDisconnect

    from local_client import local_client
    from gdviz.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_connections", 1)
    with local_client() as c:
        with c.websocket_connect("/ws/run"):
            with c.websocket_connect("/ws/landscape") as extra:
                with pytest.raises(WebSocketDisconnect) as closed:
                    extra.receive_text()
                assert closed.value.code == 1013 and "1 live streams" in closed.value.reason


def test_a_job_that_outruns_its_estimate_is_stopped_with_an_error_and_the_socket_goes_on(
        client, monkeypatch):
    """HUGE is admitted over the socket (≤ 120 s estimated); held to an allowance of 0.25 s
    here, it is stopped at 0.5 s of computing, and said so naming the field."""
    from gdviz.scenarios import cost
    from gdviz.streaming import landscape_protocol

    def tight(*args, **kw):
        a = cost.check_landscape_time(*args, **kw)
        return cost.Allowance(0.25, a.estimate, a.where, a.field, a.hint)
    monkeypatch.setattr(landscape_protocol, "check_landscape_time", tight)
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(run_msg(3, "basins", HUGE))
        error = until(ws, "error", "result")[-1]
        assert error["type"] == "error" and error["id"] == 3
        assert error["message"].startswith("grid.n: this computation was stopped after 0.5 s")
        assert "the 0.25 s WS /ws/landscape answers within" in error["message"]
        ws.send_text(run_msg(4, "scatter", SCATTER))
        assert until(ws, "result")[-1]["id"] == 4
