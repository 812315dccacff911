"""A socket's incoming messages: a small bounded queue read by one protocol loop that
waits for the next message *or* its next tick (gdviz/streaming/run_protocol.py)."""

from __future__ import annotations

import asyncio
import collections
import contextlib


class Inbox:
    """A bounded queue of one socket's incoming messages, read by one loop that waits
    for the next message *or* its next tick.

    ``get(timeout)`` waits on one plain future with a timer, where
    ``asyncio.wait_for(queue.get(), timeout)`` would wrap the wait in a Task and, each
    time the tick comes first, cancel it and wait for the cancellation: two extra
    event-loop turns per tick per socket, a large share of a streamed step's cost
    at 200 sockets (bench/README.md). ``put``/``put_nowait`` behave as
    ``asyncio.Queue``'s (``read_into`` and slice replies use them)."""

    def __init__(self, maxsize: int = 8):
        self.maxsize = maxsize
        self._items: collections.deque = collections.deque()
        self._getter: asyncio.Future | None = None
        self._putters: collections.deque = collections.deque()

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item) -> None:
        if len(self._items) >= self.maxsize:
            raise asyncio.QueueFull
        self._items.append(item)
        _wake(self._getter)

    async def put(self, item) -> None:
        """Wait while the inbox is full (a flooding client waits on its own socket)."""
        while len(self._items) >= self.maxsize:
            space = asyncio.get_running_loop().create_future()
            self._putters.append(space)
            try:
                await space
            finally:
                with contextlib.suppress(ValueError):
                    self._putters.remove(space)
        self.put_nowait(item)

    async def get(self, timeout: float | None = None):
        """The next message, or None once ``timeout`` seconds passed without one (None:
        wait as long as it takes). Always yields to the event loop at least once."""
        if self._items:
            await asyncio.sleep(0)  # let the other sockets run first, as a wait would
        else:
            loop = asyncio.get_running_loop()
            self._getter = arrived = loop.create_future()
            timer = (None if timeout is None
                     else loop.call_later(max(timeout, 0.0), _wake, arrived))
            try:
                await arrived
            finally:
                self._getter = None
                if timer is not None:
                    timer.cancel()
        if not self._items:
            return None
        item = self._items.popleft()
        while self._putters:
            space = self._putters.popleft()
            if not space.done():
                space.set_result(None)
                break
        return item


def _wake(future: asyncio.Future | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)
