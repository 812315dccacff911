"""Schedules, clipping and noise through every way in: run, stream, sweep, basins, scatter."""

import json

import numpy as np
import pytest
from strict_json import loads

BOWL = {"surface": "bowl", "steps": 300}


def post(client, path, body):
    r = client.post(path, json=body)
    assert r.status_code == 200, r.text
    return loads(r.content)


def test_run_frames_carry_the_scheduled_lr(client):
    run = {"optimizer": "gd", "lr": 0.4, "start": [1, 1], "schedule": "step", "step_size": 3,
           "gamma": 0.5}
    frames = post(client, "/api/run", {**BOWL, "runs": [run]})["runs"][0]["frames"]
    assert [f["lr"] for f in frames[:7]] == [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1]
    for a, b in zip(frames, frames[1:]):  # and the steps use it: x ← x − η_k·2x on the bowl
        assert b["params"][0] == pytest.approx(a["params"][0] * (1 - 2 * a["lr"]))


def test_stream_frames_carry_the_scheduled_lr(client):
    run = {"optimizer": "gd", "lr": 0.3, "start": [1, 1], "schedule": "warmup_cosine",
           "warmup_steps": 4, "T_max": 20}
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "scenario": {**BOWL, "runs": [run]},
                                 "paused": True}))
        ws.send_text(json.dumps({"type": "step", "count": 6}))
        got = []
        while len(got) < 7:
            msg = loads(ws.receive_text())
            if msg["type"] == "frames":
                got += msg["frames"]
    assert [f["lr"] for f in got[:4]] == pytest.approx([0.075, 0.15, 0.225, 0.3])
    assert got[5]["lr"] < 0.3  # cooling down after the warm-up


def test_a_decaying_schedule_rescues_a_too_large_lr_in_a_sweep(client):
    body = {**BOWL, "run": {"optimizer": "gd", "start": [1, 1]}, "lrs": [0.5, 1.5, 3.0]}
    plain = post(client, "/api/sweep", body)["points"]
    decayed = post(client, "/api/sweep", {**body, "run": {**body["run"], "schedule":
                                                          "exponential", "gamma": 0.9}})["points"]
    assert [p["status"] for p in plain] == ["converged", "diverged", "diverged"]
    # η_k = 1.5·0.9^k falls below 2/λ_max = 1 after 4 steps, before the overshoot explodes
    assert [p["status"] for p in decayed][:2] == ["converged", "converged"]


def test_clipping_keeps_a_too_large_step_bounded(client):
    run = {"optimizer": "gd", "lr": 0.01}
    body = {"surface": "rosenbrock", "steps": 2000}
    wild = post(client, "/api/run", {**body, "runs": [run]})["runs"][0]
    tame = post(client, "/api/run", {**body, "runs": [{**run, "clip_norm": 1.0}]})["runs"][0]
    assert wild["status"] == "diverged" and tame["status"] != "diverged"
    steps = np.diff(np.array([f["params"] for f in tame["frames"]]), axis=0)
    assert np.linalg.norm(steps, axis=1).max() <= 0.01 * 1.0 + 1e-12  # ‖Δθ‖ ≤ η·clip


def test_noise_in_basins_is_seeded_and_changes_the_map(client):
    body = {"surface": "himmelblau", "grid": {"n": 24}, "steps": 2000,
            "run": {"optimizer": "gd", "lr": 0.01}}
    clean = post(client, "/api/basins", body)["labels"]
    noisy = {**body, "run": {**body["run"], "noise": 5.0}, "seed": 11}
    a, b = post(client, "/api/basins", noisy)["labels"], post(client, "/api/basins", noisy)["labels"]
    assert a == b  # same seed, same map
    assert a != clean
    # noisy runs never reach ‖∇L‖ ≤ 1e-6, but those bouncing at a minimum count in its basin
    labels = np.array(a)
    assert (labels >= 0).mean() > 0.9 and all((labels == k).mean() > 0.1 for k in range(4))
    assert a != post(client, "/api/basins", {**noisy, "seed": 12})["labels"]


def test_scatter_takes_the_whole_run_spec(client):
    body = {"surface": "two_wells", "n": 8, "steps": 400,
            "run": {"optimizer": "momentum", "lr": 0.05, "momentum": 0.5, "schedule": "cosine",
                    "T_max": 400, "clip_norm": 2.0, "noise": 0.1}}
    out = post(client, "/api/scatter", body)
    assert len(out["paths"]) == 8 and out == post(client, "/api/scatter", body)
