"""Every slot frees (gdviz/api/sockets.py's watchdog), over a real uvicorn server.

A client that stops reading while the server streams to it fills the kernel's buffers,
then the server's send buffer; its close would wait for that buffer for ever. The
watchdog aborts a connection whose buffer has not drained for GDVIZ_WS_SEND_TIMEOUT
seconds, and closes one on which nothing was said for GDVIZ_WS_IDLE_SECONDS with 4000.
The settings are made small here, and uvicorn's own keepalive pings are off (they would
free a quiet slot after 20 s + 20 s when its buffer happens to be empty): each test then
waits for the condition it needs.
"""

from __future__ import annotations

import json

import pytest
from live_server import LiveServer, raw_connect, raw_send_text, until
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from gdviz.api import sockets
from gdviz.settings import get_settings

BOWL = {"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 1e-6, "start": [1.5, 1.0]}],
        "steps": 10000}
SIX = {**BOWL, "runs": BOWL["runs"] * 6, "speed": 2000}  # 10,000 steps × 6 runs: ~12 MB
START = json.dumps({"type": "start", "paused": True, "scenario": BOWL})
STEP = json.dumps({"type": "step", "count": 1000})  # ~150 kB of frames per reply (one run)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_connections", 3)
    monkeypatch.setattr(get_settings(), "ws_send_timeout", 0.5)
    monkeypatch.setattr(sockets, "CHECK_INTERVAL", 0.1)
    with LiveServer(ws_ping_interval=None) as s:
        yield s


def test_clients_that_stop_reading_lose_their_slots_and_others_get_in(server):
    quiet = []
    for _ in range(3):  # the whole cap: each plays six runs at 2,000 steps/s, reads nothing
        s = raw_connect(server.port, receive_buffer=4096)
        raw_send_text(s, json.dumps({"type": "start", "scenario": SIX}))
        quiet.append(s)
    assert until(lambda: server.live() == 0), server.live()  # every slot came back
    with connect(server.url) as ws:  # and is usable
        ws.send(START)
        assert json.loads(ws.recv(30))["type"] == "started"
    for s in quiet:
        s.close()


def test_a_reading_client_is_never_cut_off(server):
    with connect(server.url) as ws:
        ws.send(START)
        replies = 0
        for _ in range(20):
            ws.send(STEP)
            while json.loads(ws.recv(30))["type"] != "state":
                pass
            replies += 1
        assert replies == 20 and server.live() == 1


def test_an_idle_socket_is_closed_with_4000_and_a_reason(monkeypatch, server):
    monkeypatch.setattr(get_settings(), "ws_idle_seconds", 0.3)
    with connect(server.url) as ws:
        ws.send(START)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(30)
    assert closed.value.rcvd.code == 4000
    assert "idle for" in closed.value.rcvd.reason and "reconnects" in closed.value.rcvd.reason
    assert until(lambda: server.live() == 0)
