"""Playing streams leave room on the event loop for everything else a worker serves.

In each turn of its loop asyncio runs every callback that was ready when the turn began.
150 playing streams are 150 ready callbacks every 1/30 s, each a step and a send of
~0.2 ms, so a turn lasted ~30 ms; a page's request (GET /api/optimizers: a few awaits
through the middleware, one turn each) then waited 0.4–1.3 s behind them
(``bench/load.py --mixed``, one worker).

So the streams of one loop share a budget per turn: once ``share`` seconds of stream
computing have been spent in this turn, the next stream waits for the next turn
(``await asyncio.sleep(0)``), and the turn ends with the other work it held. The same
work is done, in more and shorter turns. Nothing starves: the streams that waited were
queued before the next turn's timers and I/O, so they run first in it, and the budget is
reset by a callback queued ahead of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator

TURN_SHARE = 0.001
"""Seconds of stream computing per turn of the event loop before the streams yield. A
GET waits a few turns, so the shorter the turn, the sooner it is answered: in the mixed
hall on one worker (bench/load.py --mixed) 4 ms gave GET p95 72–75 ms, 2 ms 51–52, 1 ms
36; with a busy loop beside it on the machine, 89 against 40, with the same frames
(bench/README.md). More turns mean more waits; a wait is cheap because a socket's loop
runs in a task of its own (``gdviz.api.sockets.apart``): without that, 1 ms turns cost
~10 % more server CPU a message than 4 ms."""
MAX_WAITS = 16
"""Turns a stream waits for the budget at most. (Under uvloop a stream was seen to wait
thousands of turns behind the others — 5 % of its pace for 40 s — so the wait is bounded
rather than trusted to be fair.)"""


class Turns:
    """The streams' budget per turn of one event loop. ``clock`` measures what they spend
    (``time.perf_counter``; tests give their own)."""

    def __init__(self, share: float = TURN_SHARE, clock: Callable[[], float] = time.perf_counter):
        self.share, self.clock = share, clock
        self.used = 0.0
        self._reset_queued = False

    async def wait(self) -> None:
        """Return at once while this turn's budget lasts; else in a later turn — at most
        ``MAX_WAITS`` turns later, whatever the others spend, so no stream starves (a
        stream that waited goes on even over the budget)."""
        for _ in range(MAX_WAITS):
            if self.used < self.share:
                return
            if not self._reset_queued:
                self._reset_queued = True
                asyncio.get_running_loop().call_soon(self._reset)
            await asyncio.sleep(0)

    @contextlib.contextmanager
    def spending(self) -> Iterator[None]:
        """Count the time of the block against this turn's budget."""
        began = self.clock()
        try:
            yield
        finally:
            self.used += self.clock() - began

    def _reset(self) -> None:
        self.used = 0.0
        self._reset_queued = False


def loop_turns(holder) -> Turns:
    """The Turns of the running loop, kept on ``holder`` (an app's state)."""
    loop = asyncio.get_running_loop()
    turns = getattr(holder, "stream_turns", None)
    if turns is None or getattr(holder, "stream_turns_loop", None) is not loop:
        turns = holder.stream_turns = Turns()
        holder.stream_turns_loop = loop
    return turns
