"""The session's own clock and compute budget (issue: a loop that never stalls).

Every test drives the session with a ``Ticking`` clock, so how much a call computes
depends only on the budget and the number of clock readings — never on the machine.
"""

import json

import pytest

from gdviz.streaming.session import StreamSession

from clocks import Ticking

BOWL = {"surface": "bowl", "steps": 500}
THREE = [{"optimizer": "gd", "lr": 0.01, "start": [1, 1]},
         {"optimizer": "adam", "lr": 0.01, "start": [1, -1]},
         {"optimizer": "momentum", "lr": 0.01, "start": [-1, 1]}]


def send(s, now=0.0, **msg):
    return s.handle(json.dumps(msg), now)


def frames_of(messages):
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def types(messages):
    return [m["type"] for m in messages]


def test_a_still_clock_never_cuts_a_call_short():
    s = StreamSession()  # the default clock stands still
    send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE})
    out = send(s, type="step", count=100)
    assert len(frames_of(out)) == 300 and out[-1]["type"] == "state"


def test_over_budget_each_call_takes_one_run_step_and_sends_whole_steps_only():
    s = StreamSession(clock=Ticking(1.0), budget=0.0)
    send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE})
    while s.next_tick(0.0) == 0.0:  # the start builds one run per call
        s.tick(0.0)
    out = send(s, type="step", count=2)
    assert frames_of(out) == []  # run 0 stepped; runs 1 and 2 have not: nothing to send yet
    out = s.tick(0.0)
    assert frames_of(out) == []
    out = s.tick(0.0)  # run 2 completes step 1
    assert [(f["run"], f["step"]) for f in frames_of(out)] == [(0, 1), (1, 1), (2, 1)]
    got = []
    while s.next_tick(0.0) == 0.0:
        got += s.tick(0.0)
    assert [(f["run"], f["step"]) for f in frames_of(got)] == [(0, 2), (1, 2), (2, 2)]
    assert got[-1] == {"type": "state", "playing": False, "speed": 30.0}


def test_a_budget_of_k_readings_takes_k_run_steps():
    s = StreamSession(clock=Ticking(1.0), budget=4.5)  # 4 readings fit, the 5th is over
    send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE[:1]})
    out = send(s, type="step", count=100)
    assert [f["step"] for f in frames_of(out)] == [1, 2, 3, 4, 5]  # the 5th reading stops it


def test_cut_short_runs_give_the_same_numbers_as_uncut_ones():
    cut = StreamSession(clock=Ticking(1.0), budget=0.0)
    whole = StreamSession()
    got = {}
    for name, s in (("cut", cut), ("whole", whole)):
        send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE})
        while s.next_tick(0.0) == 0.0:
            s.tick(0.0)
        out = send(s, type="step", count=7)
        while s.next_tick(0.0) == 0.0:
            out += s.tick(0.0)
        got[name] = frames_of(out)
    assert got["cut"] == got["whole"] and len(got["cut"]) == 21


def test_a_start_is_built_run_by_run_and_other_messages_meanwhile_wait_their_turn():
    s = StreamSession(clock=Ticking(1.0), budget=0.0)
    assert send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE}) == []
    assert s.next_tick(0.0) == 0.0  # more to build
    # a speed applies at once (the start set its scenario's before it began building)
    assert send(s, type="speed", steps_per_second=120) == [
        {"type": "state", "playing": False, "speed": 120}]
    assert send(s, type="step", count=1) == []
    out = []
    while s.next_tick(0.0) == 0.0:
        out += s.tick(0.0)
    assert types(out)[:2] == ["started", "frames"]
    assert [f["step"] for f in frames_of(out)] == [0, 0, 0, 1, 1, 1]
    states = [m for m in out if m["type"] == "state"]
    assert states[-1] == {"type": "state", "playing": False, "speed": 120}


def test_a_new_start_replaces_one_still_building():
    s = StreamSession(clock=Ticking(1.0), budget=0.0)
    send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE})
    send(s, type="step", count=3)  # for the first scenario: moot once it is replaced
    send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE[:1]})
    out = []
    while s.next_tick(0.0) == 0.0:
        out += s.tick(0.0)
    started = [m for m in out if m["type"] == "started"]
    assert len(started) == 1 and len(started[0]["runs"]) == 1
    assert [f["step"] for f in frames_of(out)] == [0]


def test_playing_over_budget_slows_down_instead_of_owing_steps():
    s = StreamSession(clock=Ticking(1.0), budget=0.0)
    send(s, type="start", scenario={**BOWL, "runs": THREE[:1], "speed": 2000})
    assert [f["step"] for f in frames_of(s.tick(0.0))] == [0]  # the start's replies
    t, steps = 0.0, []
    for _ in range(30):
        t += 1 / 30
        steps += [f["step"] for f in frames_of(s.tick(t))]
    assert steps == list(range(1, 31))  # one step per tick, none skipped, none owed


# a run whose snapshots are 256 steps apart (10,000 steps, at most 64 snapshots): a
# `past` or `branch` at step 255 replays 255 steps from the snapshot at step 0
LONG = {"surface": "rosenbrock", "steps": 10_000,
        "runs": [{"optimizer": "adam", "lr": 0.001, "start": [-1.5, 2]}]}


def stepped_to(s, n):
    send(s, type="start", paused=True, scenario=LONG)
    while s.next_tick(0.0) == 0.0:
        s.tick(0.0)
    out = send(s, type="step", count=n)
    while s.next_tick(0.0) == 0.0:
        out += s.tick(0.0)
    return out


@pytest.mark.parametrize("ask", [{"type": "past", "run": 0, "step": 255},
                                 {"type": "branch", "run": 0, "step": 255,
                                  "changes": {"lr": 0.01}}])
def test_a_past_or_branch_replays_its_steps_over_the_ticks_and_what_came_meanwhile_waits(ask):
    """One call replays only what its budget allows (a large network's 255 steps would
    hold the event loop for seconds); the reply is the one an uncut session gives, and
    messages sent meanwhile are applied after it, in order."""
    whole = StreamSession()
    stepped_to(whole, 300)
    send(whole, type="speed", steps_per_second=90)  # (the cut one's comes mid-replay)
    expected = send(whole, **ask)
    assert expected and expected[0]["type"] == ask["type"].replace("branch", "branched")
    cut = StreamSession(clock=Ticking(1.0), budget=4.5)  # 4 readings fit: 5 steps a call
    stepped_to(cut, 300)
    assert send(cut, **ask) == []
    assert cut._seeking is not None and cut.next_tick(0.0) == 0.0
    assert send(cut, type="speed", steps_per_second=90)[0]["speed"] == 90  # at once
    assert send(cut, type="step", count=1) == []  # waits for the reply
    calls, out = 1, []
    while cut.next_tick(0.0) == 0.0 and not out:
        out = cut.tick(0.0)
        calls += 1
    assert calls == 51  # 255 steps, 5 a call
    assert out[:len(expected)] == expected and cut._seeking is None
    while cut.next_tick(0.0) == 0.0:  # then the step that waited
        out += cut.tick(0.0)
    assert (0, 301) in [(f["run"], f["step"]) for f in frames_of(out[len(expected):])]


def test_a_start_drops_a_past_still_replaying():
    s = StreamSession(clock=Ticking(1.0), budget=0.0)
    stepped_to(s, 300)
    send(s, type="past", run=0, step=255)
    assert s._seeking is not None
    send(s, type="start", paused=True, scenario={**BOWL, "runs": THREE[:1]})
    out = []
    while s.next_tick(0.0) == 0.0:
        out += s.tick(0.0)
    assert "past" not in types(out) and types(out)[0] == "started"
