"""Fuzzing WS /ws/run and /ws/landscape with generated message sequences.

Each example opens a socket, sends 2–5 generated frames (strategies.py) and after
each one a sentinel message whose reply is known, and reads everything up to that
reply: so every message is answered (no hang), the socket survives it, every
reply is strict JSON (no NaN or Infinity), has a known type, and every `error`
names its field and is not an internal error.

Examples per test: GDVIZ_FUZZ_EXAMPLES (default 40; a deeper run: 2000).
"""

from __future__ import annotations

import itertools
import json

from hypothesis import event, given

from live import assert_still_answers, names_a_field, socket
from strategies import FUZZ, VALID_LANDSCAPE_MESSAGES, VALID_RUN_MESSAGES, sequences

RUN_REPLIES = {"started", "frames", "status", "done", "state", "hyper", "diagnosis", "slice",
               "opt", "replaying", "replayed", "error"}
LANDSCAPE_REPLIES = {"progress", "result", "cancelled", "error"}
_sentinels = itertools.count(1)


def check(reply: dict, known: set[str]) -> None:
    assert reply.get("type") in known, reply
    event(f"reply: {reply['type']}")  # pytest --hypothesis-show-statistics lists them
    if reply["type"] == "error":
        event("error: " + reply["message"][:30])
        assert names_a_field(reply["message"]), reply
        assert "internal error" not in reply["message"], reply
    if reply["type"] == "progress":
        assert 0 <= reply["fraction"] <= 1, reply


@FUZZ
@given(sequence=sequences(VALID_RUN_MESSAGES, "start"))
def test_ws_run_answers_any_message_sequence(live, sequence):
    with socket(f"{live.ws}/ws/run") as s:
        for frame in sequence:
            s.send(frame)
            # speeds the generator never draws exactly: the state that echoes it is ours
            speed = 1000 + next(_sentinels) * 1e-6 + 3.14159e-9
            replies, _ = s.ask({"type": "speed", "steps_per_second": speed},
                               lambda m: m.get("type") == "state" and m["speed"] == speed)
            for reply in replies:
                check(reply, RUN_REPLIES)


@FUZZ
@given(sequence=sequences(VALID_LANDSCAPE_MESSAGES, "run"))
def test_ws_landscape_answers_any_message_sequence(live, sequence):
    with socket(f"{live.ws}/ws/landscape") as s:
        log: list[dict] = []
        last_job = None  # (id, where in the log) of the last job the server took on
        for frame in sequence:
            mark = len(log)
            s.send(frame)
            job = 2**52 + next(_sentinels)  # an id the generator never draws
            replies, _ = s.ask({"type": "run", "id": job, "kind": "sentinel", "request": {}},
                               lambda m: m.get("type") == "error" and m.get("id") == job)
            log += replies
            sent = _run_id(frame)
            if sent is not None and not any(r["type"] == "error" and r.get("id") in (sent, None)
                                            for r in replies):  # (None: refused unread)
                last_job = sent, mark
        if last_job is not None:  # its result (or cancel) comes, strict JSON like the rest
            job_id, mark = last_job
            ended = lambda m: m.get("type") in ("result", "error", "cancelled") \
                and m.get("id") == job_id
            if not any(ended(m) for m in log[mark:]):
                log += s.until(ended)
        for reply in log:
            check(reply, LANDSCAPE_REPLIES)


def _run_id(frame) -> int | None:
    """The id of a frame that is a well-formed `run` message, else None."""
    try:
        message = json.loads(frame)
    except (TypeError, ValueError):
        return None
    if isinstance(message, dict) and message.get("type") == "run" \
            and type(message.get("id")) is int:
        return message["id"]
    return None


def test_the_server_still_answers_after_the_fuzzing(live):
    assert_still_answers(live.http, live.ws)
