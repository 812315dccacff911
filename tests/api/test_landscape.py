"""POST /api/sweep and /api/basins: known answers and bounds."""

import numpy as np
import pytest
from strict_json import loads


def post(client, path, body):
    r = client.post(path, json=body)
    return r.status_code, loads(r.content)


def test_bowl_sweep_known_answer(client):
    code, body = post(client, "/api/sweep", {
        "surface": "bowl", "run": {"optimizer": "gd", "start": [1, 1]},
        "lrs": {"min": 0.01, "max": 3, "count": 200}, "steps": 1000})
    assert code == 200 and body["bound"] == pytest.approx(1.0)
    pts = body["points"]
    assert len(pts) == 200
    assert all(p["status"] == "converged" for p in pts if p["lr"] < 0.98)
    assert all(p["status"] == "diverged" for p in pts if p["lr"] > 1.02)
    conv = [p for p in pts if p["status"] == "converged"]
    assert all(isinstance(p["steps_to_converge"], int) for p in conv)
    fastest = min(conv, key=lambda p: p["steps_to_converge"])
    assert fastest["lr"] == pytest.approx(0.5, rel=0.05)  # 1/λ: one step to the minimum


def test_momentum_sweep_bound_includes_beta(client):
    code, body = post(client, "/api/sweep", {
        "surface": "bowl", "run": {"optimizer": "momentum", "momentum": 0.5, "start": [1, 1]},
        "lrs": [0.1, 1.0], "steps": 500})
    assert body["bound"] == pytest.approx(2 * 1.5 / 2)


def test_adam_sweep_has_no_bound(client):
    code, body = post(client, "/api/sweep", {"surface": "bowl", "run": {"optimizer": "adam"},
                                             "lrs": [0.01, 0.1], "steps": 50})
    assert code == 200 and body["bound"] is None


def test_himmelblau_basins_four_big_basins(client):
    code, body = post(client, "/api/basins", {
        "surface": "himmelblau", "run": {"optimizer": "gd", "lr": 0.01},
        "grid": {"n": 64}, "steps": 2000})
    assert code == 200
    labels = np.array(body["labels"])
    assert labels.shape == (64, 64) and len(body["x"]) == len(body["y"]) == 64
    assert len(body["minima"]) == 4
    for k in range(4):
        assert (labels == k).mean() > 0.10


def test_basins_change_with_learning_rate(client):
    common = {"surface": "himmelblau", "grid": {"n": 48}, "steps": 2000}
    _, slow = post(client, "/api/basins", {**common, "run": {"optimizer": "gd", "lr": 0.005}})
    _, fast = post(client, "/api/basins", {**common, "run": {"optimizer": "momentum", "lr": 0.01,
                                                           "momentum": 0.9}})
    a, b = np.array(slow["labels"]), np.array(fast["labels"])
    assert (a != b).mean() > 0.02  # momentum carries some starts into other basins


def test_rastrigin_basins_discover_local_minima(client):
    _, body = post(client, "/api/basins", {"surface": "rastrigin", "run": {"optimizer": "gd",
                   "lr": 0.002}, "grid": {"n": 32}, "steps": 2000})
    assert body["known_minima"] == 1 and len(body["minima"]) > 20


@pytest.mark.parametrize("path, body, words", [
    ("/api/basins", {"grid": {"n": 257}}, "grid.n"),
    ("/api/basins", {"grid": {"n": 8, "box": [[1, 0], [0, 1]]}}, "min < max"),
    ("/api/basins", {"steps": 5001}, "steps"),
    ("/api/sweep", {"lrs": {"min": 1, "max": 0.1}}, "smaller than max"),
    ("/api/sweep", {"lrs": {"min": 0.1, "max": 1, "count": 401}}, "400"),
    ("/api/sweep", {"lrs": [0.1] * 401}, "400"),
    ("/api/sweep", {"lrs": [0.1, -1]}, "lrs.list.1"),
    ("/api/sweep", {"surface": "nope"}, "unknown surface"),
])
def test_bad_landscape_requests(client, path, body, words):
    code, payload = post(client, path, body)
    assert code == 422 and words in payload["message"]


def test_stability_panel_numbers(client):
    body = loads(client.get("/api/stability?surface=ravine&x=1&y=1").content)
    assert body["point"] == [0, 0] and body["is_minimum"]
    assert body["lam_max"] == 20 and body["lam_min"] == 2 and body["condition"] == 10
    assert body["bounds"]["gd"] == {"max_lr": 0.1, "formula": "2/λ_max"}
    assert body["bounds"]["momentum"]["max_lr"] == pytest.approx(2 * 1.9 / 20)
    saddle = loads(client.get("/api/stability?surface=saddle&x=0&y=0").content)
    assert not saddle["is_minimum"] and saddle["lam_min"] == -2 and saddle["condition"] is None
    assert client.get("/api/stability?surface=bowl&x=1e9&y=0").status_code == 422
    assert client.get("/api/stability?surface=nope&x=0&y=0").status_code == 404
