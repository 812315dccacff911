"""Hostile-input fixtures: a real gdviz server in its own process, started with the
command a lecturer types (``python -m gdviz serve``: uvicorn with the production limits,
its WebSocket size cap included), and the timings summary.

Its own process, not a thread of the test run: the tests' heap (Hypothesis keeps a
lot) then cannot slow the server down, and what the server does with its own memory
(the idle trim's ``gc.collect``) cannot stall the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from live import Http, Timings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root
from bench._common import free_port, start_server, stop_server  # noqa: E402

TIMINGS = Timings()


class LiveServer:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"
        self.http = Http(self.url)


@pytest.fixture(scope="session")
def live():
    """``python -m gdviz serve`` on a free port, until the session ends."""
    port = free_port()
    server = start_server(port)
    try:
        yield LiveServer(port)
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def timings() -> Timings:
    return TIMINGS


def pytest_terminal_summary(terminalreporter):
    if TIMINGS.slowest:
        terminalreporter.section("hostile input: the slowest answer per entry point")
        for line in TIMINGS.lines():
            terminalreporter.write_line(line)
