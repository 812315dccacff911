"""Streaming model scenarios: model fields, thin network frames, diagnosis, slices, budget."""

import json

import numpy as np
import pytest

from gdviz.engine.nets.landscape import loss_on_plane, random_plane
from gdviz.scenarios.kinds import MlpSpec
from gdviz.scenarios.objectives import build_model
from gdviz.streaming import session as session_module
from gdviz.streaming.model_runs import DIAGNOSIS_INTERVAL
from gdviz.streaming.session import SliceJob, StreamSession

MOONS = {"kind": "mlp", "dataset": "moons", "hidden": [16, 16], "activation": "tanh"}


def send(s, now=0.0, **msg):
    return s.handle(json.dumps(msg), now)


def start(s, model=MOONS, runs=({"optimizer": "adam", "lr": 0.01},), steps=500, paused=True,
          now=0.0):
    return send(s, now, type="start", paused=paused,
                scenario={"model": model, "runs": list(runs), "steps": steps})


def frames_of(messages):
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def of_type(messages, kind):
    return [m for m in messages if m["type"] == kind]


def test_network_frames_carry_vectors_only_on_the_newest_frame_of_each_run():
    s = StreamSession()
    out = start(s, runs=({"optimizer": "adam", "lr": 0.01}, {"optimizer": "gd", "lr": 0.5}))
    zero = frames_of(out)
    assert [f["run"] for f in zero] == [0, 1] and all(len(f["params"]) == 354 for f in zero)
    out = send(s, type="step", count=20)
    frames = frames_of(out)
    assert [f["step"] for f in frames if f["run"] == 0] == list(range(1, 21))
    for run in (0, 1):
        mine = [f for f in frames if f["run"] == run]
        assert all("params" not in f and "grad" not in f and "update" not in f
                   for f in mine[:-1])
        assert len(mine[-1]["params"]) == len(mine[-1]["grad"]) == 354
        # every frame has the curves' fields
        assert all({"loss", "accuracy", "test_loss", "test_accuracy", "grad_norms", "epoch",
                    "grad_norm", "rel_update", "lr"} <= set(f) for f in mine)


def test_streamed_weights_equal_the_whole_run():
    """The stream and POST /api/run compute the same numbers."""
    from gdviz.scenarios.models import Scenario
    from gdviz.scenarios.simulate import simulate
    s = StreamSession()
    start(s, steps=30)
    frames = frames_of(send(s, type="step", count=30))
    whole = simulate(Scenario.model_validate(
        {"model": MOONS, "runs": [{"optimizer": "adam", "lr": 0.01}], "steps": 30}))[0]["frames"]
    assert frames[-1]["params"] == whole[30]["params"]
    assert [f["accuracy"] for f in frames] == [f["accuracy"] for f in whole[1:31]]


def test_two_weight_models_keep_every_frame_whole():
    s = StreamSession()
    start(s, model={"kind": "linreg2"}, runs=({"optimizer": "gd", "lr": 0.1},))
    frames = frames_of(send(s, type="step", count=5))
    assert all(len(f["params"]) == 2 and len(f["grad"]) == 2 for f in frames)
    assert all("accuracy" not in f and "grad_norm" in f for f in frames)


def test_named_surfaces_stream_exactly_as_before():
    s = StreamSession()
    send(s, type="start", paused=True, scenario={"surface": "bowl", "runs": [
        {"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]})
    out = send(s, type="step", count=3)
    assert set(frames_of(out)[0]) == {"run", "step", "params", "loss", "grad", "update", "lr",
                                      "opt"}  # opt: the update term by term (step arithmetic)
    assert of_type(out, "diagnosis") == []


def test_diagnosis_follows_every_step_message_and_is_throttled_while_playing():
    s = StreamSession()
    [d0] = of_type(start(s, model={**MOONS, "init": "zeros", "hidden": [4]}), "diagnosis")
    assert "symmetric" in {f["id"] for f in d0["findings"]}  # zeros init: told at frame 0
    start(s, model={**MOONS, "hidden": [4]}, runs=({"optimizer": "gd", "lr": 1e-7},),
          steps=5000)
    [d] = of_type(send(s, type="step", count=3), "diagnosis")
    assert d["run"] == 0 and d["step"] == 3
    send(s, 1.0, type="play")
    t, sent = 1.0, []
    for _ in range(60):  # two simulated seconds of ticks
        t += 1 / 30
        sent += [t for m in s.tick(t) if m["type"] == "diagnosis"]
    assert 2 <= len(sent) <= 2 / DIAGNOSIS_INTERVAL + 1
    assert all(b - a >= DIAGNOSIS_INTERVAL - 1e-9 for a, b in zip(sent, sent[1:]))


def test_a_run_that_ends_gets_its_final_diagnosis():
    s = StreamSession()
    start(s, model={"kind": "linreg2"}, runs=({"optimizer": "gd", "lr": 5.0},), steps=2000)
    send(s, 0.0, type="play")
    out, t = [], 0.0
    while not of_type(out, "done"):
        t += 1 / 30
        out = s.tick(t)
        assert t < 60
    [status] = of_type(out, "status")
    [diag] = [m for m in of_type(out, "diagnosis") if m["run"] == 0]
    assert status["status"] == "diverged"
    assert {"exploding"} <= {f["id"] for f in diag["findings"]}


def test_live_lr_change_applies_to_a_network_run():
    s = StreamSession()
    start(s, runs=({"optimizer": "gd", "lr": 0.01},))
    send(s, type="step", count=2)
    assert of_type(send(s, type="set", run=0, changes={"lr": 0.5}), "hyper")[0]["hyper"]["lr"] == 0.5
    f = frames_of(send(s, type="step", count=1))[-1]
    assert f["lr"] == 0.5


@pytest.mark.parametrize("plane", ["random", "pca"])
def test_slice_is_the_loss_around_the_current_weights_with_the_path_on_it(plane):
    s = StreamSession()
    start(s, model={**MOONS, "hidden": [8]})
    frames = frames_of(send(s, type="step", count=40))
    [job] = send(s, type="slice", run=0, plane=plane, grid=9, seed=2)
    assert isinstance(job, SliceJob)
    reply = job.run()
    assert reply["type"] == "slice" and reply["step"] == 40 and reply["plane"] == plane
    assert len(reply["alpha"]) == 9 and len(reply["loss"]) == 9
    path = reply["path"]
    assert path["step"][0] == 0 and path["step"][-1] == 40 and len(path["alpha"]) == 41
    # the path ends at the current weights: the plane's centre, (0, 0)
    assert abs(path["alpha"][-1]) < 1e-9 and abs(path["beta"][-1]) < 1e-9
    # the grid's centre is the current loss
    mid = reply["loss"][4][4]
    assert reply["alpha"][4] == 0 and mid == pytest.approx(frames[-1]["loss"])
    if plane == "random":  # the same directions as the engine's, for the same seed
        net = build_model(MlpSpec(**{**MOONS, "hidden": [8]}))
        p = random_plane(net, np.array(frames[-1]["params"]), 2)
        axis = np.array(reply["alpha"])
        assert np.allclose(reply["loss"], loss_on_plane(net, p, axis, axis))
    else:
        assert 0 < reply["explained"][1] <= reply["explained"][0] <= 1


@pytest.mark.parametrize("model,msg,words", [
    ({"kind": "linreg2"}, {"type": "slice"}, "only a network"),
    (MOONS, {"type": "slice", "grid": 65}, "64"),
    (MOONS, {"type": "slice", "run": 3}, "does not exist"),
    (MOONS, {"type": "slice", "plane": "pcb"}, "plane"),
    ({**MOONS, "hidden": [32, 32, 32, 32], "n": 2048}, {"type": "slice", "grid": 64},
     "points per axis for this network"),
])
def test_bad_slices_are_refused_with_the_reason(model, msg, words):
    s = StreamSession()
    start(s, model=model, runs=({"optimizer": "gd", "lr": 0.01},))
    [reply] = s.handle(json.dumps(msg), 0.0)
    assert reply["type"] == "error" and words in reply["message"], reply


def test_pca_of_a_path_that_has_not_moved_says_so():
    s = StreamSession()
    start(s)
    [job] = send(s, type="slice", plane="pca")
    reply = job.run()
    assert reply["type"] == "error" and "random plane" in reply["message"]


def test_a_tick_stops_computing_at_its_budget(monkeypatch):
    monkeypatch.setattr(session_module, "MAX_TICK_COMPUTE", 0.0)
    s = StreamSession()
    start(s, paused=False, steps=5000)
    send(s, type="speed", steps_per_second=2000)
    out = s.tick(0.2)  # 0.2 s of credit = 400 steps asked, but no time to compute them
    assert len(frames_of(out)) == 1  # one step is always taken
    assert s._credit == 0  # playback slows down instead of owing steps
    # a `step` that runs out of time finishes on the next ticks, exactly
    send(s, type="pause")
    got = frames_of(send(s, type="step", count=5))
    while s.next_tick(0.0) == 0.0:
        got += frames_of(s.tick(0.0))
    assert [f["step"] for f in got] == [2, 3, 4, 5, 6]
