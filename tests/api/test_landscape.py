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
    # Rastrigin lists all 121 of its minima in the domain; the basins find them too
    assert body["known_minima"] == 121 and len(body["minima"]) > 20


@pytest.mark.parametrize("path, body, words", [
    ("/api/basins", {"grid": {"n": 257}}, "grid.n"),
    ("/api/basins", {"grid": {"n": 8, "box": [[1, 0], [0, 1]]}}, "min < max"),
    ("/api/basins", {"steps": 5001}, "steps"),
    ("/api/sweep", {"lrs": {"min": 1, "max": 0.1}}, "smaller than max"),
    ("/api/sweep", {"lrs": {"min": 0.1, "max": 1, "count": 401}}, "400"),
    ("/api/sweep", {"lrs": [0.1] * 401}, "400"),
    ("/api/sweep", {"lrs": [0.1, -1]}, "lrs.1"),
    ("/api/sweep", {"surface": "nope"}, "unknown surface"),
    ("/api/basins", {"grid": {"n": 256}, "steps": 2001}, "131,072,000"),
    ("/api/scatter", {"n": 65}, "n"),
    ("/api/scatter", {"n": 0}, "n"),
    ("/api/scatter", {"box": [[0, 1], [2, 1]]}, "min < max"),
    ("/api/scatter", {"steps": 5001}, "steps"),
    ("/api/scatter", {"run": {"optimizer": "gd", "momentum": 0.9}}, "momentum"),
])
def test_bad_landscape_requests(client, path, body, words):
    code, payload = post(client, path, body)
    assert code == 422 and words in payload["message"]


def test_scatter_shows_local_minima_on_two_wells(client):
    """GD from 24 seeded random starts on two_wells ends in both wells: the global
    one (label 0) and the local one — and the summary says so with the counts."""
    body = {"surface": "two_wells", "n": 24, "seed": 3, "steps": 2000,
            "run": {"optimizer": "gd", "lr": 0.05}}
    code, out = post(client, "/api/scatter", body)
    assert code == 200 and len(out["paths"]) == 24
    labels = [p["label"] for p in out["paths"]]
    assert labels.count(0) > 0 and labels.count(1) > 0  # both wells are reached
    assert sum(out["counts"].values()) == 24
    assert out["counts"]["0"] == labels.count(0)
    assert out["summary"].startswith("Of 24 starts, ")
    assert f"{labels.count(0)} reached the global minimum" in out["summary"]
    for p in out["paths"]:
        assert 2 <= len(p["x"]) == len(p["y"]) <= 200
        if p["label"] >= 0:  # a converged path ends at its minimum
            assert np.allclose([p["x"][-1], p["y"][-1]], out["minima"][p["label"]], atol=1e-3)
    # the same seed gives the same starts and paths; another seed other starts
    assert post(client, "/api/scatter", body)[1] == out
    other = post(client, "/api/scatter", {**body, "seed": 4})[1]
    assert other["paths"][0]["x"][0] != out["paths"][0]["x"][0]


def test_scatter_starts_lie_in_the_box_and_diverged_paths_stay_valid_json(client):
    code, out = post(client, "/api/scatter", {
        "surface": "bowl", "n": 10, "box": [[2, 3], [-1, 0]], "steps": 3000,
        "run": {"optimizer": "gd", "lr": 1.5}})
    assert code == 200  # strict parsing: a NaN or Infinity anywhere would fail here
    for p in out["paths"]:
        assert 2 <= p["x"][0] <= 3 and -1 <= p["y"][0] <= 0
        assert p["status"] == "diverged" and p["label"] == -1
    assert out["counts"] == {"-1": 10} and "10 diverged" in out["summary"]


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


def test_stability_bounds_take_the_runs_dampening_and_weight_decay(client):
    # ravine: λ_max = 20; weight decay adds wd = 1 to it, dampening τ = 0.5 halves each step
    q = "surface=ravine&x=1&y=1&momentum=0.9&dampening=0.5&weight_decay=1"
    body = loads(client.get(f"/api/stability?{q}").content)
    assert (body["momentum"], body["dampening"], body["weight_decay"]) == (0.9, 0.5, 1)
    b = body["bounds"]
    assert b["gd"] == {"max_lr": pytest.approx(2 / 21), "formula": "2/(λ_max + wd)"}
    assert b["momentum"] == {"max_lr": pytest.approx(2 * 1.9 / (0.5 * 21)), "formula": "2(1+μ)/((1−τ)(λ_max + wd))"}
    assert b["nesterov"] == {"max_lr": pytest.approx(2 * 1.9 / (2.8 * 21)), "formula": "2(1+μ)/((1+2μ)(λ_max + wd))"}
    # the bound is the one the run lives by: just inside it settles, just beyond it diverges
    for opt, hyper in (("gd", {}), ("momentum", {"momentum": 0.9, "dampening": 0.5}), ("nesterov", {"momentum": 0.9})):
        ends = []
        for factor in (0.97, 1.03):
            run = {"optimizer": opt, "lr": factor * b[opt]["max_lr"], "weight_decay": 1, "start": [1, 1], **hyper}
            code, out = post(client, "/api/run", {"surface": "ravine", "steps": 3000, "runs": [run]})
            assert code == 200, out
            ends.append(out["runs"][0]["status"])
        assert ends == ["converged", "diverged"], (opt, ends)


@pytest.mark.parametrize("query,says", [
    ("dampening=1", "dampening"), ("dampening=-0.1", "dampening"),
    ("weight_decay=-1", "weight_decay"), ("weight_decay=11", "weight_decay"), ("weight_decay=nan", "weight_decay"),
])
def test_stability_refuses_dampening_and_weight_decay_out_of_range(client, query, says):
    r = client.get(f"/api/stability?surface=ravine&x=1&y=1&{query}")
    assert r.status_code == 422 and says in r.text, r.text
