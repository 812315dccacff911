import pytest
from strict_json import loads


def run(client, body):
    r = client.post("/api/run", json=body)
    return r.status_code, loads(r.content)


def test_design_example_shape(client):
    code, body = run(client, {"surface": "rosenbrock", "runs": [
        {"optimizer": "adam", "lr": 0.01, "start": [-1.5, 2.0]}], "steps": 500, "seed": 0})
    assert code == 200
    (r,) = body["runs"]
    assert r["status"] in {"converged", "oscillating", "diverged", "max_steps"}
    assert isinstance(r["reason"], str) and r["reason"].endswith(".")
    f0 = r["frames"][0]
    assert f0["step"] == 0 and f0["params"] == [-1.5, 2.0]
    assert f0["loss"] == 12.5 and f0["grad"] == [-155.0, -50.0]
    assert [f["step"] for f in r["frames"]] == list(range(len(r["frames"])))


def test_bowl_known_answers(client):
    code, body = run(client, {"surface": "bowl", "steps": 500, "runs": [
        {"optimizer": "gd", "lr": lr, "start": [1, 1]} for lr in (0.1, 1.0, 1.1)]})
    converged, oscillating, diverged = body["runs"]
    assert converged["status"] == "converged"
    assert converged["frames"][1]["params"] == pytest.approx([0.8, 0.8], abs=1e-15)
    assert oscillating["status"] == "oscillating"
    assert [f["params"] for f in oscillating["frames"][:3]] == [[1, 1], [-1, -1], [1, 1]]
    assert diverged["status"] == "diverged" and "2/λ_max = 1" in diverged["reason"]


def test_divergence_is_valid_json_with_nulls(client):
    code, body = run(client, {"surface": "rosenbrock", "runs": [
        {"optimizer": "gd", "lr": 1e6, "start": [-1.5, 2.0]}], "steps": 100})
    assert code == 200 and body["runs"][0]["status"] == "diverged"
    code, body = run(client, {"surface": "bowl", "runs": [
        {"optimizer": "gd", "lr": 1e6, "start": [1e4, 1e4]},
        {"optimizer": "adam", "lr": 1e6, "start": [1e4, -1e4]}], "steps": 200})
    assert body["runs"][0]["status"] == "diverged"
    # Adam's step is about lr·sign(g): it bounces at the 1e6 scale but never overflows
    assert body["runs"][1]["status"] in {"oscillating", "max_steps"}


def test_overflow_frames_carry_null(client):
    # lr 1e6 from 1e4 jumps to ±2e10 then ±4e16 …, until loss overflows to inf: null, not NaN.
    code, body = run(client, {"surface": "rosenbrock", "runs": [
        {"optimizer": "gd", "lr": 1e6, "start": [1e4, 1e4]}], "steps": 50})
    last = body["runs"][0]["frames"][-1]
    assert body["runs"][0]["status"] == "diverged"
    assert last["loss"] is None or last["loss"] > 1e6


def test_six_runs_different_optimizers(client):
    runs = [{"optimizer": o, "lr": 0.01, "start": [-1, 0]}
            for o in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")]
    code, body = run(client, {"surface": "himmelblau", "runs": runs, "steps": 300})
    assert code == 200 and len(body["runs"]) == 6
    paths = {tuple(r["frames"][5]["params"]) for r in body["runs"]}
    assert len(paths) == 6  # each optimizer moves differently


@pytest.mark.parametrize("body, field, words", [
    ({"surface": "nope"}, "surface", "unknown surface"),
    ({"steps": 10001}, "steps", "10000"),
    ({"steps": 0}, "steps", "1"),
    ({"runs": []}, "runs", "at least 1"),
    ({"runs": [{"optimizer": "gd"}] * 7}, "runs", "at most 6"),
    ({"runs": [{"optimizer": "sgdx"}]}, "runs.0.optimizer", "unknown optimizer"),
    ({"runs": [{"optimizer": "gd", "lr": 0}]}, "runs.0.lr", "greater than or equal"),
    ({"runs": [{"optimizer": "gd", "lr": 2e6}]}, "runs.0.lr", "1000000"),
    ({"runs": [{"optimizer": "adam", "momentum": 0.9}]}, "runs.0", "not a hyperparameter of adam"),
    ({"runs": [{"optimizer": "gd", "start": [1e9, 0]}]}, "runs.0.start.0", "10000"),
    ({"runs": [{"optimizer": "gd", "start": [1]}]}, "runs.0.start", "two numbers [x, y], got 1"),
    ({"runs": [{"optimizer": "gd", "start": [1, 2, 3]}]}, "runs.0.start", "two numbers"),
    ({"runs": [{"optimizer": "adam", "betas": [0.9, 1.5]}]}, "runs.0.betas.1", "0.9999"),
    ({"speed": 1e9}, "speed", "2000"),
    ({"unknown": 1}, "unknown", "Extra inputs"),
])
def test_bad_input_names_field_and_limit(client, body, field, words):
    r = client.post("/api/run", json=body)
    assert r.status_code == 422
    payload = loads(r.content)
    assert any(d["field"] == field for d in payload["detail"]), payload
    assert words in payload["message"]


@pytest.mark.parametrize("raw", [b'{"runs":[{"lr":NaN}]}', b'{"runs":[{"lr":Infinity}]}',
                                 b'{"steps":1e999}', b"not json", b"[1,2", b'"text"'])
def test_non_finite_and_malformed_bodies_are_4xx(client, raw):
    r = client.post("/api/run", content=raw, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    loads(r.content)


def test_body_size_is_bounded(client):
    big = b'{"surface":"bowl","pad":"' + b"x" * (2 << 20) + b'"}'
    r = client.post("/api/run", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "bytes" in r.json()["message"]


def test_the_size_bound_counts_every_vector_a_frame_carries(client):
    """Regression (found by fuzzing): the bound counted runs × frames × weights, but a
    frame carries params, grad and update — an mlp for 8,040 steps passed it and sent
    163 MB of JSON after ten seconds. The count is now the numbers really sent."""
    from gdviz.scenarios.models import Scenario
    from gdviz.scenarios.simulate import result_size

    body = {"model": {"kind": "mlp", "dataset": "xor", "n": 20, "hidden": [3]}, "steps": 10,
            "runs": [{"optimizer": "gd"}, {"optimizer": "adam"}]}
    runs = loads(client.post("/api/run", json=body).content)["runs"]
    sent = sum(len(f["params"]) + len(f["grad"]) + len(f["update"] or [])
               for run in runs for f in run["frames"])
    assert sent == result_size(Scenario.model_validate(body))
    big = {"model": {"kind": "mlp", "dataset": "xor", "n": 10}, "steps": 8040}
    r = client.post("/api/run", json=big)
    assert r.status_code == 422
    assert "× 3 (params, grad, update)" in r.json()["message"]
    assert "use at most 3,765 steps" in r.json()["message"]


def test_a_post_answer_is_gzipped_in_the_worker_not_on_the_event_loop(client, monkeypatch):
    """A client that accepts gzip gets the run's JSON compressed by the job process: the
    server's own GZip middleware (which would compress it on the loop every stream shares)
    is never asked, and the answer decodes to the very same JSON as an uncompressed one."""
    from starlette.middleware.gzip import GZipResponder
    body = {"surface": "rosenbrock", "steps": 300,
            "runs": [{"optimizer": "adam", "lr": 0.01}, {"optimizer": "gd", "lr": 0.001}]}
    plain = client.post("/api/run", json=body, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers

    async def on_the_loop(self, body, *, more_body):
        raise AssertionError("a POST answer was compressed on the event loop")
    monkeypatch.setattr(GZipResponder, "apply_compression", on_the_loop)
    gz = client.post("/api/run", json=body, headers={"Accept-Encoding": "gzip"})
    assert gz.status_code == 200 and gz.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in gz.headers["vary"].lower()
    assert int(gz.headers["content-length"]) < len(plain.content) / 2
    assert gz.content == plain.content  # (httpx decodes it)
