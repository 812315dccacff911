"""Hostile WebSocket traffic on /ws/run and /ws/landscape: messages over each size
limit, binary frames, invalid UTF-8, JSON nested tens of thousands deep, numbers
JSON does not allow, and a flood of 10,000 tiny messages. Each gets an `error`
naming the message or field and the limit (the socket goes on), or — over
uvicorn's hard cap, or for a frame the WebSocket protocol forbids — a close
with the protocol's code; either way the server goes on answering everyone."""

from __future__ import annotations

import json
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed

from gdviz.settings import get_settings
from live import Socket, assert_still_answers, guarded, is_type, names_a_field, socket

SOCKETS = ("/ws/run", "/ws/landscape")


def ping(path: str) -> tuple[dict, bool]:
    """A message each socket answers at once, and how to recognise its answer."""
    if path == "/ws/run":
        return {"type": "speed", "steps_per_second": 9}, is_type("state")
    return {"type": "run", "id": 77, "kind": "sweep", "request": {
        "surface": "bowl", "steps": 3, "lrs": [0.1]}}, is_type("result", "error")


def assert_usable(s, path: str) -> None:
    message, done = ping(path)
    replies, _ = s.ask(message, done)
    assert replies[-1]["type"] in ("state", "result"), replies[-1]


def refusal(s, frame, timings, entry: str) -> str:
    """Send ``frame``; its single `error` reply's message (after any frames still due)."""
    replies, took = s.ask(frame, is_type("error"))
    timings.record(entry, "", took)
    message = replies[-1]["message"]
    assert names_a_field(message), message
    return message


@pytest.mark.parametrize("path", SOCKETS)
def test_a_message_over_the_limit_is_refused_by_its_size_and_the_socket_goes_on(
        live, timings, path):
    limit = get_settings().ws_max_message_bytes
    with socket(live.ws + path) as s:
        for size in (limit + 1, 100_000, 900_000):
            frame = json.dumps({"type": "pause", "pad": "x" * size})
            message = refusal(s, frame, timings, f"WS {path} {size:,} bytes")
            assert message == (f"message: {len(frame):,} bytes is larger than the limit of "
                               f"{limit:,} bytes"), message
        # the size is counted in bytes, not characters: 3 bytes each
        frame = json.dumps({"type": "pause", "pad": "€" * (limit // 3)}, ensure_ascii=False)
        assert len(frame) < limit < len(frame.encode())
        assert "larger than the limit" in refusal(s, frame, timings, f"WS {path} multibyte")
        assert_usable(s, path)


@pytest.mark.parametrize("path", SOCKETS)
def test_a_2_mb_message_closes_the_socket_with_1009_and_the_server_goes_on(live, path):
    """Over ``ws_hard_max_bytes`` uvicorn itself closes the socket (1009, message too
    big) before the app reads a byte: nothing of it is held."""
    hard = get_settings().ws_hard_max_bytes
    assert 2 << 20 > hard
    with socket(live.ws + path) as s:
        with pytest.raises(ConnectionClosed) as closed:
            # the send itself may fail: the server closes while the frame still streams in,
            # and then the client may lose the close frame to the reset connection
            s.send(json.dumps({"type": "pause", "pad": "x" * (2 << 20)}))
            s.recv()
        received = closed.value.rcvd
        assert received is None or received.code == 1009, received
    assert_still_answers(live.http, live.ws)


@pytest.mark.parametrize("path", SOCKETS)
def test_binary_frames_are_refused_and_the_socket_goes_on(live, timings, path):
    with socket(live.ws + path) as s:
        for frame in (b"", b"\x00\xff", json.dumps(ping(path)[0]).encode()):
            message = refusal(s, frame, timings, f"WS {path} binary")
            assert message == "message: send JSON text, not binary", message
        assert_usable(s, path)


@pytest.mark.parametrize("path", SOCKETS)
def test_invalid_utf8_in_a_text_frame_closes_the_socket_with_1007(live, path):
    with socket(live.ws + path) as s:
        s.ws.send(b'{"type": "\xff"}', text=True)  # a text frame the protocol forbids
        with pytest.raises(ConnectionClosed) as closed:
            s.recv()
        assert closed.value.rcvd.code == 1007  # invalid frame payload data
    assert_still_answers(live.http, live.ws)


@pytest.mark.parametrize("depth", [1_000, 30_000, 100_000])
@pytest.mark.parametrize("path", SOCKETS)
def test_deeply_nested_json_is_refused_and_the_socket_goes_on(live, timings, path, depth):
    """Regression: 30,000 nested lists (60 kB, under the size limit) raised RecursionError
    in json.loads — /ws/run answered "internal error" and closed (1011), /ws/landscape
    went silent and dropped the socket. 100,000 (200 kB) are refused by size."""
    nested = "[" * depth + "]" * depth
    frame = ('{"type": "start", "scenario": {"runs": ' + nested + "}}" if path == "/ws/run"
             else '{"type": "run", "id": 1, "kind": "sweep", "request": ' + nested + "}")
    with socket(live.ws + path) as s:
        message = refusal(s, frame, timings, f"WS {path} nested JSON")
        if depth == 30_000:
            assert message.startswith("message: nested too deeply"), message
        if depth == 100_000:
            assert "larger than the limit" in message, message
        assert_usable(s, path)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("path", SOCKETS)
def test_nan_and_infinity_literals_are_refused_as_not_json(live, path, literal):
    frame = json.dumps(ping(path)[0]).replace("9" if path == "/ws/run" else "0.1", literal)
    with socket(live.ws + path) as s:
        replies, _ = s.ask(frame, is_type("error"))
        assert replies[-1]["message"] == (f"message: not valid JSON ({literal} is not a "
                                          f"number JSON allows)"), replies[-1]
        assert_usable(s, path)


@pytest.mark.parametrize("path, frame, field", [
    ("/ws/run", {"type": "speed", "steps_per_second": 1e309}, "speed.steps_per_second"),
    ("/ws/run", {"type": "step", "count": 10**30}, "step.count"),
    ("/ws/run", {"type": "start", "scenario": {"steps": -0.0}}, "start.scenario.steps"),
    ("/ws/run", {"type": "start", "scenario": {"seed": 2**64}}, "start.scenario.seed"),
    ("/ws/landscape", {"type": "run", "id": 2**64, "kind": "sweep", "request": {}}, "id"),
    ("/ws/landscape", {"type": "run", "id": 1, "kind": "sweep",
                       "request": {"lrs": [1e309]}}, "lrs.0"),
    ("/ws/landscape", {"type": "cancel", "id": -1}, "id"),
])
def test_huge_numbers_are_refused_naming_the_field(live, path, frame, field):
    with socket(live.ws + path) as s:
        replies, _ = s.ask(json.dumps(frame).replace("Infinity", "1e309"), is_type("error"))
        assert replies[-1]["message"].startswith(field + ":"), replies[-1]
        assert_usable(s, path)


LONG = "1" * 10_000  # past Python's 4,300-digit int conversion limit


@pytest.mark.parametrize("path, frame, field", [
    ("/ws/run", '{"type": "speed", "steps_per_second": %s}', "speed.steps_per_second"),
    ("/ws/run", '{"type": "step", "count": -%s}', "step.count"),
    ("/ws/run", '{"type": "start", "scenario": {"runs": [{"optimizer": "gd", "start": '
                '[1, %s]}]}}', "start.scenario.runs.0.start.1"),
    ("/ws/run", '{"type": "set", "run": %s, "changes": {"lr": 1}}', "set.run"),
    ("/ws/landscape", '{"type": "run", "id": %s, "kind": "sweep", "request": {}}', "id"),
    ("/ws/landscape", '{"type": "run", "id": 1, "kind": "basins", "request": {"grid": '
                      '{"n": %s}}}', "grid.n"),
])
def test_absurdly_long_integers_are_refused_naming_the_field(live, path, frame, field):
    """Regression: a 10,000-digit integer failed json.loads for the whole message:
    "message: not valid JSON (Exceeds the limit (4300 digits) …)", naming no field."""
    with socket(live.ws + path) as s:
        replies, _ = s.ask(frame % LONG, is_type("error"))
        assert replies[-1]["message"].startswith(
            f"{field}: an integer of 10,000 digits is too long to read; integers have at "
            "most 4,300 digits"), replies[-1]
        assert_usable(s, path)


# -- live hyperparameter changes (regressions) ---------------------------------------

def started(s) -> None:
    s.ask({"type": "start", "paused": True, "scenario": {
        "surface": "bowl", "steps": 50, "runs": [{"optimizer": "gd", "lr": 0.1}]}},
        is_type("state"))


@pytest.mark.parametrize("changes, words", [
    ({"lr": None}, "changes.lr: give a value, not null"),
    ({"optimizer": "adam"}, "changes.optimizer: not a hyperparameter of gd"),
    ({"start": [1, 2]}, "changes.start: not a hyperparameter of gd"),
    ({"schedule": "cosine"}, "changes.schedule: not a hyperparameter of gd"),
    ({"noise": 0.5}, "changes.noise: not a hyperparameter of gd"),
    ({"init": "he"}, "changes.init: not a hyperparameter of gd"),
    ({"momentum": 0.5}, "changes.momentum: not a hyperparameter of gd (it takes lr, "
                        "weight_decay)"),
    ({"lr": "fast"}, "changes.lr: Input should be a valid number"),
    ({"lr": 1e309}, "changes.lr: Input should be a finite number"),
    ({"lr": [0.1]}, "changes.lr: Input should be a valid number"),
])
def test_set_refuses_what_is_not_a_hyperparameter_value_and_the_run_goes_on(
        live, changes, words):
    """Regression: `set` with {"lr": null} made the learning rate NaN and the reply
    unserialisable (the socket dropped without a word); {"optimizer": …}, {"start": …}
    and other run fields that are not hyperparameters raised KeyError (internal error,
    1011)."""
    with socket(live.ws + "/ws/run") as s:
        started(s)
        frame = json.dumps({"type": "set", "run": 0, "changes": changes})
        replies, _ = s.ask(frame.replace("Infinity", "1e309"), is_type("error"))
        assert replies[-1]["message"].startswith(words), replies[-1]
        replies, _ = s.ask({"type": "step", "count": 3}, is_type("state"))
        frames = [f for m in replies if m["type"] == "frames" for f in m["frames"]]
        assert [f["lr"] for f in frames] == [0.1, 0.1, 0.1]


# -- a flood -------------------------------------------------------------------------

FLOOD = 10_000


@pytest.mark.parametrize("path", SOCKETS)
def test_a_flood_of_tiny_messages_is_answered_in_order_while_others_are_served(
        live, timings, path):
    """10,000 messages sent as fast as the socket takes them, replies read as they come:
    every one is answered, in order, and meanwhile another client's requests are
    answered too (how long they took is printed with the other timings)."""
    frame = (json.dumps({"type": "speed", "steps_per_second": 5}) if path == "/ws/run"
             else json.dumps({"type": "cancel", "id": 5, "x": 1}))  # an `error` each
    with socket(live.ws + path) as flood:
        def send_all():
            for _ in range(FLOOD):
                flood.send(frame)

        sender = threading.Thread(target=send_all, daemon=True)
        sender.start()
        other_client_meanwhile(live, timings, f"WS {path} flood (reading)",
                               lambda: sender.is_alive())
        replies, _ = guarded(lambda: [flood.recv() for _ in range(FLOOD)], seconds=60)
        sender.join(10)
        assert len(replies) == FLOOD and all(r["type"] in ("state", "error") for r in replies)
        assert_usable(flood, path)


@pytest.mark.parametrize("path", SOCKETS)
def test_a_flooding_client_that_never_reads_holds_nobody_up(live, timings, path):
    """The flooder never reads. On /ws/run each of its messages asks for 1,000 steps of
    six runs (megabytes of frames in all): once they back up, the server's send waits
    for the client and its inbox (8 messages) stops being read, so what the flooder
    sends waits in its own socket. Everyone else is still answered meanwhile."""
    flood = Socket(live.ws + path)
    if path == "/ws/run":
        flood.ask({"type": "start", "paused": True, "scenario": {
            "surface": "bowl", "steps": 10_000,
            "runs": [{"optimizer": "gd", "lr": 1e-6, "start": [i, 1]} for i in range(6)]}},
            is_type("state"))
        frame = json.dumps({"type": "step", "count": 1000})
    else:
        frame = json.dumps({"type": "cancel"})
    sent = [0]

    def send_all():
        try:
            for _ in range(FLOOD):
                flood.send(frame)
                sent[0] += 1
        except Exception:  # noqa: BLE001 - the socket is torn down below
            pass

    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()
    time.sleep(0.2)
    other_client_meanwhile(live, timings, f"WS {path} flood (not reading)",
                           lambda: sender.is_alive())
    timings.note(f"WS {path} flood (not reading): {sent[0]:,} of {FLOOD:,} messages had "
                 "left the flooder by the time the others were served")
    flood.ws.socket.close()  # abort: no closing handshake from a client that never reads
    sender.join(10)
    assert not sender.is_alive()
    assert_still_answers(live.http, live.ws)


def other_client_meanwhile(live, timings, entry: str, flooding) -> None:
    """While ``flooding()``: a REST request and a WebSocket round trip from another
    client, timed; at least three of each."""
    rounds = 0
    while rounds < 3 or (flooding() and rounds < 50):
        _, took = guarded(lambda: assert_still_answers(live.http, live.ws))
        timings.record(entry, "another client's request", took)
        rounds += 1
