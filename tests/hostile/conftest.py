"""Hostile-input fixtures: one real uvicorn server (the CLI's own configuration, so
uvicorn's WebSocket size cap is the production one) and the timings summary."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from app.cli import APP_FACTORY, server_options
from live import Http, Timings

TIMINGS = Timings()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"
        self.http = Http(self.url)


@pytest.fixture(scope="session")
def live():
    """A gdviz server in a background thread, started as ``gdviz serve`` starts it."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(APP_FACTORY, **server_options("127.0.0.1", port),
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="gdviz-hostile-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the gdviz test server did not start")
        time.sleep(0.05)
    yield LiveServer(port)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def timings() -> Timings:
    return TIMINGS


def pytest_terminal_summary(terminalreporter):
    if TIMINGS.slowest:
        terminalreporter.section("hostile input: the slowest answer per entry point")
        for line in TIMINGS.lines():
            terminalreporter.write_line(line)
