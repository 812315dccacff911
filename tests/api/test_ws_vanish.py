"""Clients that vanish mid-play, over a real uvicorn server on 127.0.0.1.

The server runs in this process (its own event loop in a thread), so the tests can
look at what a dropped client leaves behind: the app's ``live_streams`` set and the
asyncio tasks of the server's loop. A client leaves three ways: a WebSocket close
frame, a bare TCP FIN with no close frame (a tab killed), and a TCP reset
(SO_LINGER 0: a crashed client or a dropped NAT entry). Each must free its run at
once — its slot under the connection cap and every task it had. A landscape job
stops at the end of its current chunk.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time

import pytest
from live_server import LiveServer, raw_connect, raw_send_text, until
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from gdviz.settings import get_settings

PLAY = json.dumps({"type": "start", "scenario": {
    "surface": "bowl", "runs": [{"optimizer": "gd", "lr": 1e-6, "start": [1.5, 1.0]}],
    "steps": 10000, "speed": 60}})  # cannot end while a test runs
SPEED = '{"type":"speed","steps_per_second":5}'


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_connections", 2)
    with LiveServer() as s:
        yield s


def raw_playing(port: int) -> socket.socket:
    """A bare-socket client whose run is playing (frames are arriving)."""
    s = raw_connect(port)
    raw_send_text(s, PLAY)
    got = b""
    while got.count(b'"frames"') < 3:  # frame 0, then frames from ticks: it is playing
        got += s.recv(65536)
    return s


def close_without_a_word(s: socket.socket) -> None:
    s.close()  # a FIN, no close frame


def reset(s: socket.socket) -> None:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # an RST: the server's next read or write fails


# -- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("leave", [close_without_a_word, reset])
def test_a_client_that_vanishes_mid_play_frees_its_run_at_once(server, leave):
    idle_tasks = server.tasks()
    s = raw_playing(server.port)
    assert server.live() == 1 and server.tasks() > idle_tasks
    leave(s)
    assert server.settled(live=0, tasks=idle_tasks), (server.live(), server.tasks(), idle_tasks)


def test_a_client_that_closes_politely_mid_play_frees_its_run(server):
    idle_tasks = server.tasks()
    with connect(server.url) as ws:
        ws.send(PLAY)
        while json.loads(ws.recv(5))["type"] != "state":
            pass
        assert server.live() == 1
    assert server.settled(live=0, tasks=idle_tasks)


def test_a_vanished_client_leaves_room_under_the_cap(server):
    idle_tasks = server.tasks()
    first, second = raw_playing(server.port), raw_playing(server.port)
    with connect(server.url) as extra:  # the cap (2) is full
        with pytest.raises(ConnectionClosed) as closed:
            extra.recv(5)
    assert closed.value.rcvd.code == 1013
    assert "2 live streams is the limit" in closed.value.rcvd.reason
    reset(first)
    close_without_a_word(second)
    assert server.settled(live=0, tasks=idle_tasks)
    with connect(server.url) as a, connect(server.url) as b:  # both slots are free again
        for ws in (a, b):
            ws.send(SPEED)
            assert json.loads(ws.recv(5))["type"] == "state"
    assert server.settled(live=0, tasks=idle_tasks)


def test_many_clients_vanishing_together_leak_nothing(server, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_connections", 20)
    idle_tasks = server.tasks()
    clients = [raw_playing(server.port) for _ in range(20)]
    assert server.live() == 20
    for i, s in enumerate(clients):
        (reset if i % 2 else close_without_a_word)(s)
    assert server.settled(live=0, tasks=idle_tasks)


def test_a_client_that_vanishes_during_a_landscape_job_frees_it(server):
    """WS /ws/landscape: the socket's slot and tasks go at once; its job in the worker
    process stops at its next chunk, and the pool has nothing running after."""
    idle_tasks = server.tasks()
    s = raw_connect(server.port, "/ws/landscape")
    raw_send_text(s, json.dumps({"type": "run", "id": 1, "kind": "basins", "request": {
        "surface": "rastrigin", "run": {"optimizer": "adam", "lr": 0.01}, "grid": {"n": 128},
        "steps": 2000}}))
    got = b""
    while b'"progress"' not in got:  # the job is computing
        got += s.recv(65536)
    reset(s)
    assert server.settled(live=0, tasks=idle_tasks)
    pool = server.app.state.job_pool
    assert until(lambda: not pool.busy())



def test_freed_memory_goes_back_to_the_os_once_the_last_stream_has_left(server, monkeypatch):
    from gdviz.api import memory
    from gdviz.jobs import trim
    trims = []

    async def thread_id() -> int:
        return threading.get_ident()

    # only this server's trims: the session's TestClient apps may trim too, 2 s after
    # their own last stream left (an earlier test's)
    ours = asyncio.run_coroutine_threadsafe(thread_id(), server.loop).result(5)
    monkeypatch.setattr(trim, "_malloc_trim",
                        lambda pad: trims.append(pad) if threading.get_ident() == ours else None)
    monkeypatch.setattr(memory, "IDLE_TRIM_DELAY", 0.05)
    first, second = raw_playing(server.port), raw_playing(server.port)
    assert until(lambda: server.live() == 2)  # both admitted, not just connected
    trims.clear()  # an earlier test's stream may have left just now
    reset(first)
    assert until(lambda: server.live() == 1)
    time.sleep(0.5)
    assert trims == []  # a stream is still live: its memory is in use
    reset(second)
    assert until(lambda: trims == [0] and server.live() == 0)
