"""Frames' `opt` on the stream: every frame of a 2-weight objective, a network's on
`inspect` — the terms of the update the frame carries, chained from frame to frame."""

import json

import numpy as np

from gdviz.streaming.session import StreamSession


def send(s, **msg):
    return s.handle(json.dumps(msg), 0.0)


def frames_of(messages):
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def test_surface_frames_carry_opt_that_chains_and_explains_the_update():
    s = StreamSession()
    out = send(s, type="start", paused=True, scenario={"surface": "himmelblau", "runs": [
        {"optimizer": "adam", "lr": 0.1}, {"optimizer": "momentum", "lr": 0.01}]})
    frames = frames_of(out) + frames_of(send(s, type="step", count=5))
    for run in (0, 1):
        mine = [f for f in frames if f["run"] == run]
        assert len(mine) == 6 and all("opt" in f for f in mine)
        for a, b in zip(mine, mine[1:]):
            assert a["opt"]["after"] == b["opt"]["before"]
            np.testing.assert_array_equal(np.add(a["params"], a["update"]), b["params"])
        assert mine[0]["opt"]["before"]["step"] == 0 and mine[0]["opt"]["g"] == mine[0]["grad"]
    assert set(frames[0]["opt"]["after"]) == {"step", "exp_avg", "exp_avg_sq"}
    assert set(frames[1]["opt"]["after"]) == {"step", "momentum_buffer", "has_buffer"}


def test_network_frames_carry_opt_for_the_inspected_weights_only():
    s = StreamSession()
    model = {"kind": "mlp", "dataset": "xor", "hidden": [3], "n": 40}
    out = send(s, type="start", paused=True, scenario={"model": model, "runs": [
        {"optimizer": "adam", "lr": 0.05}, {"optimizer": "gd", "lr": 0.5}]})
    assert all("opt" not in f for f in frames_of(out))
    [reply] = send(s, type="inspect", run=0, weights=[4, 1, 4])
    assert reply["type"] == "opt" and reply["weights"] == [1, 4] and reply["step"] == 0
    assert reply["opt"]["before"]["step"] == 0 and len(reply["opt"]["g"]) == 2
    frames = frames_of(send(s, type="step", count=3))
    full = [f for f in frames if "params" in f]
    assert all(("opt" in f) == (f["run"] == 0) for f in full)
    f = next(f for f in full if f["run"] == 0)
    assert f["opt"]["weights"] == [1, 4]
    assert f["opt"]["g"] == [f["grad"][1], f["grad"][4]]
    assert f["opt"]["before"]["step"] == f["step"]
    assert send(s, type="inspect", run=0, weights=[])[0]["opt"] is None
    assert all("opt" not in f for f in frames_of(send(s, type="step", count=2)))


def test_inspect_is_validated():
    s = StreamSession()
    send(s, type="start", paused=True, scenario={"model": {"kind": "mlp", "hidden": [2]}})
    assert "weights: this model has 12 weights" in send(s, type="inspect", run=0,
                                                        weights=[12])[0]["message"]
    assert "run: 3 does not exist" in send(s, type="inspect", run=3, weights=[0])[0]["message"]
    assert send(s, type="inspect", run=0, weights=list(range(65)))[0]["type"] == "error"
    assert send(s, type="inspect", run=0, weights=[-1])[0]["type"] == "error"
