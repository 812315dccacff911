"""The stream's control logic, driven directly (no socket): pacing, step, set, errors."""

import json

import pytest

from gdviz.streaming.session import StreamSession


def start(session, lr=0.1, surface="bowl", start=(1, 1), steps=500, optimizer="gd", now=0.0):
    msg = {"type": "start", "scenario": {"surface": surface, "steps": steps, "runs": [
        {"optimizer": optimizer, "lr": lr, "start": list(start)}]}}
    return session.handle(json.dumps(msg), now)


def frames_of(messages):
    return [f for m in messages if m["type"] == "frames" for f in m["frames"]]


def send(session, now=0.0, **msg):
    return session.handle(json.dumps(msg), now)


def test_start_sends_frame_zero_and_plays():
    s = StreamSession()
    out = start(s)
    assert [m["type"] for m in out] == ["started", "frames", "state"]
    assert frames_of(out)[0]["step"] == 0 and frames_of(out)[0]["params"] == [1.0, 1.0]
    assert s.playing and s.next_tick(0.0) == 0.0


def test_ticks_follow_speed():
    s = StreamSession()
    start(s, lr=0.001)
    send(s, type="speed", steps_per_second=300)
    t, got = 0.0, []
    for _ in range(30):  # one simulated second
        t += 1 / 30
        got += frames_of(s.tick(t))
    assert 290 <= len(got) <= 310
    assert [f["step"] for f in got] == list(range(1, len(got) + 1))


def test_a_client_that_falls_behind_is_not_flooded():
    s = StreamSession()
    start(s, lr=0.001, steps=10_000)
    send(s, type="speed", steps_per_second=1000)
    out = s.tick(100.0)  # 100 s since the last tick: only MAX_TICK_GAP is caught up
    assert len(frames_of(out)) <= 300


def test_step_while_paused_sends_exactly_count():
    s = StreamSession()
    start(s, lr=0.001)
    send(s, type="pause")
    assert s.next_tick(1.0) is None and s.tick(1.0) == []
    out = send(s, type="step", count=7)
    assert [f["step"] for f in frames_of(out)] == [1, 2, 3, 4, 5, 6, 7]
    assert out[-1] == {"type": "state", "playing": False, "speed": 30.0}


def test_set_applies_from_next_step_keeping_position():
    s = StreamSession()
    start(s, lr=0.1)
    send(s, type="pause")
    f1 = frames_of(send(s, type="step", count=1))[0]
    assert f1["params"] == pytest.approx([0.8, 0.8])
    reply = send(s, type="set", run=0, changes={"lr": 0.25})
    # the step it was applied at: from step 2 on (a `replay` applies it there again)
    assert reply == [{"type": "hyper", "run": 0, "hyper": {"lr": 0.25, "weight_decay": 0.0},
                      "step": 1}]
    f2 = frames_of(send(s, type="step", count=1))[0]
    assert f2["step"] == 2 and f2["lr"] == 0.25
    assert f2["params"] == pytest.approx([0.8 - 0.25 * 1.6] * 2)  # from 0.8, not a restart


def test_set_keeps_momentum_buffer():
    s = StreamSession()
    start(s, lr=0.1, optimizer="momentum")
    send(s, type="pause")
    send(s, type="step", count=1)  # buffer b1 = g0 = (2, 2); params 0.8
    send(s, type="set", run=0, changes={"lr": 0.05})
    f2 = frames_of(send(s, type="step", count=1))[0]
    b2 = 0.9 * 2 + 1.6  # μ·b1 + g1
    assert f2["params"] == pytest.approx([0.8 - 0.05 * b2] * 2)


def test_run_ends_with_status_and_done():
    s = StreamSession()
    start(s, lr=1.1)
    send(s, type="speed", steps_per_second=2000)
    out, t = [], 0.0
    while not any(m["type"] == "done" for m in out) and t < 5:
        t += 1 / 30
        out += s.tick(t)
    status = [m for m in out if m["type"] == "status"]
    assert status and status[0]["status"] == "diverged" and "2/λ_max = 1" in status[0]["reason"]
    assert not s.playing and s.tick(t + 1) == []


@pytest.mark.parametrize("text, words", [
    ("not json", "not valid JSON"),
    ("[1]", "JSON object"),
    ('{"type":"fly"}', "type"),
    ('{"type":"step","count":0}', "count"),
    ('{"type":"step","count":100000}', "1000"),
    ('{"type":"speed","steps_per_second":1e9}', "2000"),
    ('{"type":"speed","steps_per_second":NaN}', "NaN"),
    ('{"type":"set","run":0,"changes":{"lr":-1}}', "lr"),
    ('{"type":"set","run":0,"changes":{"momentum":0.9}}', "not a hyperparameter of gd"),
    ('{"type":"set","run":3,"changes":{"lr":0.1}}', "run: 3 does not exist"),
    ('{"type":"start","scenario":{"surface":"x"}}', "unknown surface"),
    ('{"type":"pause","extra":1}', "extra"),
])
def test_bad_messages_get_an_error_and_the_session_survives(text, words):
    s = StreamSession()
    start(s)
    out = s.handle(text, 0.0)
    assert len(out) == 1 and out[0]["type"] == "error"
    assert words in out[0]["message"]
    assert frames_of(send(s, type="step", count=2))  # still usable


@pytest.mark.parametrize("kind", ["set", "branch"])
def test_an_unknown_long_key_is_named_cut_short_not_echoed(kind):
    s = StreamSession()
    start(s)
    msg = {"type": kind, "run": 0, "changes": {"k" * 1000: 1}}
    if kind == "branch":
        msg["step"] = 0
    out = s.handle(json.dumps(msg), 0.0)
    message = out[0]["message"]
    assert out[0]["type"] == "error" and message.startswith("changes.'" + "k" * 40 + "…': ")
    assert len(message) < 300


def test_message_size_is_bounded():
    s = StreamSession(max_message_bytes=1000)
    out = s.handle('{"type":"pause","x":"' + "a" * 2000 + '"}', 0.0)
    assert out[0]["type"] == "error" and "limit of 1,000 bytes" in out[0]["message"]


def test_control_before_start_is_an_error():
    out = StreamSession().handle('{"type":"play"}', 0.0)
    assert out[0]["type"] == "error" and "start" in out[0]["message"]


def test_start_paused_waits_at_frame_zero():
    s = StreamSession()
    out = s.handle(json.dumps({"type": "start", "paused": True, "scenario": {
        "surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]}}), 0.0)
    assert [f["step"] for f in frames_of(out)] == [0]
    assert not s.playing and s.tick(5.0) == [] and out[-1]["playing"] is False
    assert [f["step"] for f in frames_of(send(s, type="step", count=1))] == [1]


def test_a_big_step_is_sent_in_chunks_but_exactly():
    s = StreamSession()
    start(s, lr=0.001, steps=5000)
    send(s, type="pause")
    out = send(s, type="step", count=250)
    assert 1 <= len(frames_of(out)) <= 100 and out[-1]["type"] == "frames"  # more to come
    assert s.next_tick(0.0) == 0.0
    while s.next_tick(0.0) == 0.0:
        out += s.tick(0.0)
    assert [f["step"] for f in frames_of(out)] == list(range(1, 251))
    assert out[-1] == {"type": "state", "playing": False, "speed": 30.0}
    assert s.tick(1.0) == []  # nothing more: paused


def test_playing_streams_tick_on_one_grid():
    """Streams started at different moments wait for the same points of the TICK grid, so
    one wake-up of the event loop serves them all."""
    from gdviz.streaming.session import TICK
    a, b = StreamSession(), StreamSession()
    start(a, lr=0.001, now=10.0)
    start(b, lr=0.001, now=10.0123)
    assert a.next_tick(10.0) == 0.0 and b.next_tick(10.0123) == 0.0  # the first: at once
    a.tick(10.0)
    b.tick(10.0123)
    beat = 10.0 + TICK * 0.7  # any moment between the two ticks and the next point
    due_a, due_b = beat + a.next_tick(beat), beat + b.next_tick(beat)
    assert due_a == pytest.approx(due_b, abs=1e-12)
    assert due_a / TICK == pytest.approx(round(due_a / TICK), abs=1e-9)  # a grid point
    assert 10.0123 < due_a <= 10.0123 + TICK
    # ticking at that point, a stream waits one whole TICK for the next (a few µs late too)
    for late in (0.0, 5e-6):
        a.tick(due_a + late)
        assert a.next_tick(due_a + late) == pytest.approx(TICK - late, abs=1e-9)
    # one scheduled a hair early (float rounding of the loop's timer) still waits a TICK
    c = StreamSession()
    start(c, lr=0.001, now=0.0)
    c.tick(3 * TICK - 1e-9)
    assert c.next_tick(3 * TICK - 1e-9) == pytest.approx(TICK, abs=1e-8)


def test_a_closed_stream_is_freed_without_the_cyclic_collector():
    """Nothing in a session points back at it, so its runs go back the moment the socket's
    loop lets go of it — not at a full pass of the collector, which blocks the loop."""
    import gc
    import weakref
    gc.collect()
    gc.disable()
    try:
        s = StreamSession()
        start(s, lr=0.01, optimizer="adam")
        for k in range(1, 40):
            s.tick(k / 30)
        send(s, type="past", run=0, step=10)  # the branches' history is in use
        session, batch = weakref.ref(s), weakref.ref(s.batches[0])
        del s
        assert session() is None and batch() is None
    finally:
        gc.enable()
