"""Hostile-input fixtures: one real uvicorn server (the CLI's own configuration, so
uvicorn's WebSocket size cap is the production one) and the timings summary."""

from __future__ import annotations

import pytest
import uvicorn

from app.cli import APP_FACTORY, server_options
from live import Http, Timings
from live_server import serving

TIMINGS = Timings()


class LiveServer:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"
        self.http = Http(self.url)


@pytest.fixture(scope="session")
def live():
    """A gdviz server in a background thread, started as ``gdviz serve`` starts it."""
    config = uvicorn.Config(APP_FACTORY, **{**server_options("127.0.0.1", 0), "lifespan": "on"})
    with serving(config, name="gdviz-hostile-server") as port:
        yield LiveServer(port)


@pytest.fixture(scope="session")
def timings() -> Timings:
    return TIMINGS


def pytest_terminal_summary(terminalreporter):
    if TIMINGS.slowest:
        terminalreporter.section("hostile input: the slowest answer per entry point")
        for line in TIMINGS.lines():
            terminalreporter.write_line(line)
