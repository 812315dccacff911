"""A real uvicorn server in a background thread, for tests that need real sockets (a
browser). tests/hostile runs its server in a process of its own (bench/_common.py)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest
import uvicorn


@contextmanager
def serving(config: uvicorn.Config, name: str = "gdviz-test-server") -> Iterator[int]:
    """Run ``config``'s server in a daemon thread and yield the port it listens on (give
    ``port=0`` for a free one) once it accepts connections; stop it afterwards."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the gdviz test server did not start")
        time.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
