"""A real uvicorn server in a background thread, for tests that need real sockets (a
browser, a client that stops reading or vanishes). tests/hostile runs its server in a
process of its own (bench/_common.py)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest
import uvicorn

from gdviz.cli import WS_PROTOCOL
from gdviz.jobs.pool import DRIVER
from gdviz.jobs.offload import close_pool
from gdviz.main import create_app

WAIT = 60.0  # seconds a condition may take on a loaded machine before a test fails


def until(condition, within: float = WAIT) -> bool:
    """Whether ``condition()`` becomes true (``within`` is only how long to wait for it)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


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


class LiveServer:
    """uvicorn serving ``create_app()`` on a free port, in a thread with its own loop."""

    def __init__(self, **config):
        """``config``: more of uvicorn's options (e.g. ``ws_ping_interval=None``); the
        WebSocket protocol is ``serve``'s."""
        self.app = create_app()
        self.server = uvicorn.Server(uvicorn.Config(self.app, **{
            "host": "127.0.0.1", "port": 0, "log_level": "warning", "lifespan": "off",
            "ws": WS_PROTOCOL, **config}))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete,
                                       args=(self.server.serve(),), daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/ws/run"
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(close_pool(self.app), self.loop).result(WAIT)
        self.server.should_exit = True
        self.thread.join(10)
        self.loop.close()

    def live(self) -> int:
        """How many sockets hold a slot under the connection cap."""
        return len(self.app.state.__dict__.get("live_streams", ()))

    def tasks(self) -> int:
        """asyncio tasks alive in the server's loop for its connections (not counting the
        one asking, nor the job pool's workers, which outlive any one socket)."""
        async def count() -> int:
            return sum(1 for t in asyncio.all_tasks() if t.get_name() != DRIVER) - 1
        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(5)

    def settled(self, live: int, tasks: int, within: float = WAIT) -> bool:
        """Whether the server gets back to ``live`` sockets and ``tasks`` tasks (``within``
        seconds is only how long to wait for that: a loaded machine is slow)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.live() == live and self.tasks() == tasks:
                return True
            time.sleep(0.02)
        return False


# -- a bare-socket client: it can leave without a close frame --------------------------


def raw_connect(port: int, path: str = "/ws/run", *, receive_buffer: int | None = None,
                headers: str = "") -> socket.socket:
    """A WebSocket handshake on a plain socket (RFC 6455 §4.1); ``receive_buffer`` (bytes)
    shrinks the kernel's buffer for a client that will stop reading."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.settimeout(WAIT)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n{headers}"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        assert chunk, "the server closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return s


def raw_send_text(s: socket.socket, text: str) -> None:
    """One masked text frame (clients must mask, RFC 6455 §5.3)."""
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                            bytes([0x80 | 126]) + struct.pack("!H", n))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
