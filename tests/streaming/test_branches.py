"""Scrub and branch on a stream (gdviz/streaming/branches.py): `past` gives a run's whole
frame at an earlier step, `branch` a new run from a run's exact state at a step — bit for
bit what POST /api/run of the resulting scenario gives; bounds and errors named."""

import csv as csv_module
import io
import json

import pytest

from gdviz.scenarios.models import MAX_RUNS, Scenario
from gdviz.scenarios.simulate import simulate
from gdviz.streaming.session import StreamSession

RAVINE = {"surface": "ravine", "steps": 300,
          "runs": [{"optimizer": "momentum", "lr": 0.01, "momentum": 0.9}]}


def send(s, **msg):
    return s.handle(json.dumps(msg), 0.0)


def frames_of(messages):
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def streamed(scenario, steps, before=()):
    """A paused stream of ``scenario`` stepped ``steps`` times (after ``before`` messages);
    every frame it sent, by run."""
    s = StreamSession()
    out = send(s, type="start", scenario=scenario, paused=True)
    for m in before:
        out += send(s, **m)
    for k in range(0, steps, 1000):
        out += send(s, type="step", count=min(1000, steps - k))
        while s._pending_steps:
            out += s.tick(0.0)
    return s, out


def by_run(messages):
    out = {}
    for f in frames_of(messages):
        out.setdefault(f["run"], {})[f["step"]] = f
    return out


def test_past_is_the_frame_the_stream_sent_then():
    s, out = streamed(RAVINE, 200)
    sent = by_run(out)[0]
    for k in (0, 1, 39, 40, 41, 137, 200):
        (reply,) = send(s, type="past", run=0, step=k)
        assert reply["type"] == "past" and reply["frame"] == sent[k]


def test_past_replays_live_changes_at_their_step():
    s, out = streamed(RAVINE, 50)
    send(s, type="set", run=0, changes={"lr": 0.02})
    out += send(s, type="step", count=50)
    sent = by_run(out)[0]
    for k in (30, 50, 51, 99):
        assert send(s, type="past", run=0, step=k)[0]["frame"]["params"] == sent[k]["params"]
    assert sent[99]["lr"] == 0.02


def test_a_branch_is_post_api_run_of_its_scenario_bit_for_bit():
    s, out = streamed(RAVINE, 120)
    reply = send(s, type="branch", run=0, step=40, changes={"momentum": 0.5})
    assert reply[0] == {"type": "branched", "run": 1, "of": 0, "step": 40,
                        "spec": {"optimizer": "momentum", "lr": 0.01, "momentum": 0.5,
                                 "branch_of": 0, "branch_at": 40},
                        "hyper": {"lr": 0.01, "momentum": 0.5, "dampening": 0.0,
                                  "weight_decay": 0.0}}
    out = reply
    while not s._all_done():
        out += send(s, type="step", count=1000)
        while s._pending_steps:
            out += s.tick(0.0)
    live = by_run(out)[1]
    assert min(live) == 40
    whole = simulate(Scenario.model_validate(s.scenario.model_dump()), terms=True)
    assert [f["step"] for f in whole[1]["frames"]] == list(range(len(whole[1]["frames"])))
    for k, f in live.items():
        assert whole[1]["frames"][k] == {key: v for key, v in f.items() if key != "run"}
    # before the branch its frames are its parent's; from it on, not
    assert whole[1]["frames"][39] == whole[0]["frames"][39]
    assert whole[1]["frames"][40]["params"] == whole[0]["frames"][40]["params"]
    assert whole[1]["frames"][41]["params"] != whole[0]["frames"][41]["params"]


def test_a_branch_with_a_schedule_and_the_stream_that_starts_with_it_agree():
    s, _ = streamed(RAVINE, 100)
    (reply, *_rest) = send(s, type="branch", run=0, step=60,
                           changes={"lr": 0.02, "schedule": "cosine", "T_max": 100})
    assert reply["spec"]["schedule"] == "cosine" and reply["spec"]["lr"] == 0.02
    link = s.scenario.model_dump(mode="json", exclude_none=True)
    # a page that opens the link: the branch leaves its parent at step 60
    s2, out = streamed(link, 300)
    runs = by_run(out)
    assert min(runs[1]) == 60
    whole = simulate(Scenario.model_validate(link))
    for k, f in runs[1].items():
        assert f["params"] == whole[1]["frames"][k]["params"]
        assert f["lr"] == whole[1]["frames"][k]["lr"]


def test_branch_bounds_and_errors_name_the_field():
    s, _ = streamed({**RAVINE, "runs": RAVINE["runs"] * MAX_RUNS}, 20)
    (err,) = send(s, type="branch", run=0, step=5, changes={"momentum": 0.5})
    assert err["type"] == "error" and f"runs ≤ {MAX_RUNS}" in err["message"]
    s, _ = streamed(RAVINE, 20)
    cases = [({"run": 3, "step": 5}, "run: 3 does not exist"),
             ({"run": 0, "step": 50}, "branch.step: 50 is past this run's newest step (20)"),
             ({"run": 0, "step": 300}, "branch.step: 300 is past this run's newest step"),
             ({"run": 0, "step": 5, "changes": {"start": [1, 1]}}, "changes.start"),
             ({"run": 0, "step": 5, "changes": {"betas": [0.9, 0.9]}}, "changes.betas"),
             ({"run": 0, "step": 5, "changes": {"momentum": 2}}, "changes.momentum")]
    for msg, words in cases:
        (err,) = send(s, type="branch", **{"changes": {}, **msg})
        assert err["type"] == "error" and words in err["message"], (msg, err)
    (err,) = send(s, type="past", run=0, step=21)
    assert err["type"] == "error" and "past.step" in err["message"]


def test_a_diverged_step_cannot_be_branched():
    s, _ = streamed({"surface": "bowl", "steps": 100,
                     "runs": [{"optimizer": "gd", "lr": 1.5, "start": [1, 1]}]}, 100)
    end = int(s.batches[0].end_step[0])
    (err,) = send(s, type="branch", run=0, step=end, changes={"lr": 0.1})
    assert err["type"] == "error" and "diverged" in err["message"]
    assert send(s, type="branch", run=0, step=1, changes={"lr": 0.1})[0]["type"] == "branched"


def test_a_network_branch_and_its_past_carry_the_weights():
    mlp = {"model": {"kind": "mlp", "dataset": "moons", "hidden": [4]}, "steps": 60,
           "runs": [{"optimizer": "adam", "lr": 0.01}]}
    s, out = streamed(mlp, 60)
    thin = by_run(out)[0][30]
    assert "params" not in thin  # the stream keeps a network's frames thin
    (past,) = send(s, type="past", run=0, step=30)
    assert len(past["frame"]["params"]) == s.batches[0].dim
    assert past["frame"]["loss"] == thin["loss"] and past["frame"]["accuracy"] == thin["accuracy"]
    reply = send(s, type="branch", run=0, step=30, changes={"betas": [0.5, 0.999]})
    assert reply[0]["type"] == "branched"
    whole = simulate(Scenario.model_validate(s.scenario.model_dump()))
    assert frames_of(reply)[0]["params"] == whole[1]["frames"][30]["params"]


@pytest.mark.parametrize("run, words", [
    ({"branch_of": 0}, "runs.1.branch_at: a branch needs both"),
    ({"branch_of": 1, "branch_at": 3}, "runs.1.branch_of: a branch comes after its parent"),
    ({"branch_of": 0, "branch_at": 300}, "runs.1.branch_at: 300 is not before"),
    ({"branch_of": 0, "branch_at": 3, "optimizer": "adam"}, "runs.1.optimizer"),
    ({"branch_of": 0, "branch_at": 3, "start": [1, 1]}, "runs.1.start"),
])
def test_a_scenario_checks_its_branches(run, words):
    with pytest.raises(ValueError, match=words.replace(".", r"\.")):
        Scenario.model_validate({**RAVINE, "runs": [RAVINE["runs"][0],
                                                    {"optimizer": "momentum", **run}]})


def test_post_api_run_refuses_a_branch_past_its_parents_end(client):
    body = {"surface": "bowl", "steps": 200, "runs": [
        {"optimizer": "gd", "lr": 0.5, "start": [1, 1]},
        {"optimizer": "gd", "lr": 0.1, "branch_of": 0, "branch_at": 150}]}
    r = client.post("/api/run", json=body)
    assert r.status_code == 422 and "runs.1.branch_at: run 0 ended at step" in r.text


def test_post_api_run_and_the_link_spell_a_branch(client):
    from gdviz.scenarios.url import scenario_from_query
    q = ("v=1&surface=ravine&steps=300&r0=momentum&r0.lr=0.01&r0.momentum=0.9"
         "&r1=momentum&r1.lr=0.01&r1.momentum=0.5&r1.branch_of=0&r1.branch_at=40")
    sc, warnings = scenario_from_query(dict(p.split("=") for p in q.split("&")))
    assert not warnings and (sc.runs[1].branch_of, sc.runs[1].branch_at) == (0, 40)
    body = client.post("/api/run", json=sc.model_dump(mode="json", exclude_none=True)).json()
    f0, f1 = body["runs"][0]["frames"], body["runs"][1]["frames"]
    assert f0[:40] == f1[:40] and f0[41]["params"] != f1[41]["params"]
    csv = client.get(f"/export/csv?{q}")
    assert csv.status_code == 200
    rows = {(r["run"], r["step"]): r for r in csv_module.DictReader(io.StringIO(csv.text))}
    assert [float(rows["1", "41"][k]) for k in "xy"] == f1[41]["params"]
    assert [float(rows["1", "39"][k]) for k in "xy"] == f0[39]["params"]
