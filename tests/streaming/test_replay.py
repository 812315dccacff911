"""`replay`: a new session rebuilds a page's runs — the scenario plus every live `set` at
the step its `hyper` reply named — and lands on exactly the frame the page held, then
goes on exactly as the old session would have (gdviz/streaming/replay.py)."""

from __future__ import annotations

import json

import pytest

from gdviz.streaming import session as session_module
from gdviz.streaming.protocol import MAX_REPLAY_EDITS
from gdviz.streaming.session import StreamSession

SURFACE = {"surface": "rosenbrock", "steps": 3000, "seed": 3, "runs": [
    {"optimizer": "adam", "lr": 0.01, "start": [-1.5, 2.0]},
    {"optimizer": "momentum", "lr": 0.001, "start": [1.5, -1.0], "noise": 0.3},
    {"optimizer": "gd", "lr": 0.0042, "start": [0.5, 0.5], "schedule": "cosine"}]}
NETWORK = {"model": {"kind": "mlp", "dataset": "moons", "n": 120, "hidden": [6],
                     "batch_size": 16, "seed": 4},
           "steps": 400, "seed": 7, "runs": [{"optimizer": "adam", "lr": 0.01},
                                              {"optimizer": "rmsprop", "lr": 0.003}]}


def send(s: StreamSession, now: float = 0.0, **msg) -> list[dict]:
    return s.handle(json.dumps(msg), now)


def frames_of(messages) -> list[dict]:
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def step_all(s: StreamSession, count: int) -> list[dict]:
    """A `step` of ``count`` and every message it brings: a step is sent over several
    ticks when its chunk runs out of compute time."""
    out = send(s, type="step", count=count)
    while s.next_tick(0.0) == 0.0:
        out += s.tick(0.0)
    return out


class Page:
    """What a page keeps: every frame it was sent and the edits its `hyper` replies
    confirmed — the two things a `replay` is built from."""

    def __init__(self, scenario: dict):
        self.scenario = scenario
        self.frames: dict[int, list[dict]] = {}
        self.edits: list[dict] = []
        self.session = StreamSession()
        self.take(send(self.session, type="start", scenario=scenario, paused=True))

    def take(self, messages) -> list[dict]:
        for m in messages:
            if m["type"] == "frames":
                for f in m["frames"]:
                    self.frames.setdefault(f["run"], []).append(f)
            elif m["type"] == "hyper":
                self.edits.append({"run": m["run"], "step": m["step"], "changes": m["hyper"]})
        return messages

    def play(self, ticks: int, t0: float = 0.0) -> None:
        """``ticks`` ticks of 1/30 s at 120 steps/s, on an injected clock."""
        self.take(send(self.session, t0, type="speed", steps_per_second=120))
        self.take(send(self.session, t0, type="play"))
        for k in range(1, ticks + 1):
            self.take(self.session.tick(t0 + k / 30))

    def step(self, count: int) -> None:
        self.take(step_all(self.session, count))

    def set(self, run: int, **changes) -> None:
        reply = self.take(send(self.session, type="set", run=run, changes=changes))
        assert reply[0]["type"] == "hyper", reply

    def shown_step(self) -> int:
        return max(fs[-1]["step"] for fs in self.frames.values())


def replay(page: Page, *, paused: bool = True, **extra) -> tuple[StreamSession, list[dict]]:
    """A new session given the page's replay; (it, everything it sent until `replayed`)."""
    fresh = StreamSession()
    message = {"type": "replay", "scenario": page.scenario, "edits": page.edits,
               "step": page.shown_step(), "paused": paused, **extra}
    out = send(fresh, **message)
    while not any(m["type"] in ("replayed", "error") for m in out):
        assert fresh.next_tick(0.0) == 0.0  # the replay's chunks are due at once
        out += fresh.tick(0.0)
    return fresh, out


def check_replayed(page: Page, out: list[dict]) -> dict:
    replayed = next(m for m in out if m["type"] == "replayed")
    assert replayed["step"] == page.shown_step()
    assert frames_of(out) == []  # the page has them
    for run in replayed["runs"]:
        held = page.frames[run["run"]][-1]
        for key in ("step", "params", "loss", "grad"):  # (lr, update: edits at this step)
            assert run[key] == held[key], (run["run"], key)  # exactly: same bits
    return replayed


def test_a_surface_replay_lands_on_the_held_frames_and_goes_on_identically():
    page = Page(SURFACE)
    page.step(40)
    page.set(0, lr=0.05, betas=[0.8, 0.99])
    page.play(10)  # sets land at steps the page cannot predict: their `hyper` says
    page.set(1, lr=0.0005, momentum=0.5)
    page.set(2, lr=0.003)
    page.play(7, t0=5.0)
    page.set(0, lr=0.02)
    page.step(13)
    assert len({e["step"] for e in page.edits}) >= 3
    fresh, out = replay(page)
    check_replayed(page, out)
    assert out[-1] == {"type": "state", "playing": False, "speed": SURFACE.get("speed", 30.0)}
    # and from here both go on alike
    ahead = frames_of(step_all(page.session, 50))
    again = frames_of(step_all(fresh, 50))
    assert again == ahead and len(ahead) >= 100


def test_a_network_replay_with_minibatches_lands_on_the_held_frames():
    page = Page(NETWORK)
    page.step(30)
    page.set(1, lr=0.02, alpha=0.9)
    page.step(45)
    page.set(0, lr=0.001)
    page.step(5)
    fresh, out = replay(page)
    check_replayed(page, out)
    ahead = frames_of(step_all(page.session, 20))
    again = frames_of(step_all(fresh, 20))
    assert [(f["run"], f["step"], f["loss"], f["accuracy"]) for f in again] == \
        [(f["run"], f["step"], f["loss"], f["accuracy"]) for f in ahead]
    # its PCA path was rebuilt from the replayed steps too: the same slice as before
    job_old = send(page.session, type="slice", run=0, plane="pca", grid=5)[0]
    job_new = send(fresh, type="slice", run=0, plane="pca", grid=5)[0]
    assert job_new.run() == job_old.run()


def test_a_run_that_ended_before_the_step_is_replayed_with_its_status():
    scenario = {"surface": "bowl", "steps": 200, "runs": [
        {"optimizer": "gd", "lr": 1.5, "start": [1, 1]},  # diverges within a few steps
        {"optimizer": "gd", "lr": 0.001, "start": [1, 1]}]}
    page = Page(scenario)
    page.step(60)
    fresh, out = replay(page, paused=False)
    replayed = check_replayed(page, out)
    ended, going = replayed["runs"]
    assert ended["status"] == "diverged" and ended["reason"] and ended["step"] < 60
    assert "status" not in going and going["step"] == 60
    assert out[-1]["playing"] is True and fresh.playing  # it plays on, as it was


def test_a_replay_is_computed_in_chunks_that_leave_the_loop_between_them(monkeypatch):
    """Each tick steps for at most MAX_TICK_COMPUTE seconds (here: none past the first
    chunk), sending nothing but a `replaying` note now and then."""
    monkeypatch.setattr(session_module, "MAX_TICK_COMPUTE", 0.0)
    page = Page(SURFACE)
    page.step(1000)
    fresh = StreamSession()
    out = send(fresh, type="replay", scenario=SURFACE, step=1000, edits=[])
    ticks, notes = 0, [m for m in out if m["type"] == "replaying"]
    while not any(m["type"] == "replayed" for m in out):
        ticks += 1
        out = fresh.tick(ticks * 0.1)  # an injected clock: a note every 0.5 s
        notes += [m for m in out if m["type"] == "replaying"]
    assert ticks >= 9  # 1,000 steps, ≤ 100 (STEP_CHUNK) per tick
    assert notes and all(n["of"] == 1000 and 0 <= n["step"] < 1000 for n in notes)
    assert [n["step"] for n in notes] == sorted(n["step"] for n in notes)
    check_replayed(page, out)


def test_messages_during_a_replay_wait_for_it_but_start_and_speed_do_not(monkeypatch):
    monkeypatch.setattr(session_module, "MAX_TICK_COMPUTE", 0.0)
    fresh = StreamSession()
    send(fresh, type="replay", scenario=SURFACE, step=900, edits=[])
    for msg in ({"type": "play"}, {"type": "step", "count": 3},
                {"type": "set", "run": 0, "changes": {"lr": 0.1}}):
        (reply,) = send(fresh, **msg)
        assert reply["type"] == "error"
        assert reply["message"].startswith(f"{msg['type']}: the runs are still being "
                                           "restored (step "), reply
    assert send(fresh, type="speed", steps_per_second=7) == [
        {"type": "state", "playing": False, "speed": 7.0}]
    out = send(fresh, type="start", scenario=SURFACE, paused=True)
    assert [m["type"] for m in out] == ["started", "frames", "state"]
    assert fresh.next_tick(0.0) is None  # the replay is gone


@pytest.mark.parametrize("change, words", [
    ({"step": 3001}, "replay.step: 3001 is past the scenario's last step (3000)"),
    ({"edits": [{"run": 0, "step": 9, "changes": {"lr": 0.1}},
                {"run": 0, "step": 5, "changes": {"lr": 0.2}}]},
     "replay.edits.1.step: edits go in the order they were made (step 5 after step 9)"),
    ({"edits": [{"run": 0, "step": 11, "changes": {"lr": 0.1}}]},
     "replay.edits.0.step: 11 is after the step to replay to (10)"),
    ({"edits": [{"run": 5, "step": 1, "changes": {"lr": 0.1}}]},
     "replay.edits.0.run: 5 does not exist (this scenario has 3 run(s))"),
    ({"edits": [{"run": 2, "step": 1, "changes": {"momentum": 0.5}}]},
     "replay.edits.0.changes.momentum: not a hyperparameter of gd"),
    ({"edits": [{"run": 0, "step": 1, "changes": {"lr": -1}}]},
     "replay.edits.0.changes.lr: Input should be greater than"),
    ({"edits": [{"run": 0, "step": 1, "changes": {"lr": 0.1}}] * (MAX_REPLAY_EDITS + 1)},
     f"replay.edits: List should have at most {MAX_REPLAY_EDITS} items"),
    ({"step": -1}, "replay.step: Input should be greater than or equal to 0"),
    ({"scenario": {**SURFACE, "steps": 0}}, "replay.scenario.steps: Input should be"),
])
def test_a_replay_that_cannot_have_happened_is_refused_naming_the_field(change, words):
    s = StreamSession(max_message_bytes=1 << 20)
    message = {"type": "replay", "scenario": SURFACE, "step": 10, "edits": [], **change}
    (reply,) = send(s, **message)
    assert reply["type"] == "error" and reply["message"].startswith(words), reply
    assert s.next_tick(0.0) is None  # nothing started
