"""What a socket protocol is given by its route: messages in, text out, the job pool.

Both sockets are built the same way: a route (gdviz/api/stream.py, landscape_socket.py)
checks the Origin, admits the socket under the connection cap, reads its messages into
an ``Inbox`` and hands a ``Channel`` to the socket's protocol (run_protocol.py,
landscape_protocol.py), which owns everything said on it. The protocols never touch the
web framework, so they are tested with a plain ``Channel``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from gdviz.jobs.outcome import Busy, Refused, TooBig, WorkerLost

from .inbox import Inbox
from .turns import Turns

GONE = object()  # the last item of an inbox whose peer has gone
IDLE = object()  # put by the route when nothing was said either way for the idle timeout

Compute = Callable[..., Awaitable[Any]]
"""``compute(lane, task, payload, memory, on_progress=None, allowance=None)``: the job's
result from the pool (gdviz/jobs/; ``allowance``: ``JobPool.submit``'s); raises Busy,
TooBig, Refused or WorkerLost; cancelling the awaiting task cancels the job."""


class ClientGone(Exception):
    """The peer closed the socket while we were sending to it."""


@dataclass
class Channel:
    inbox: Inbox  # text (or bytes) messages, then GONE or IDLE
    send: Callable[[str], Awaitable[None]]  # one message, as JSON text; ClientGone if gone
    compute: Compute
    prepare: Callable[[Any], Awaitable[None]]  # builds the custom f(x, y)s a message names
    max_message_bytes: int
    clock: Callable[[], float]  # for a session's compute budget (time.perf_counter)
    now: Callable[[], float]  # the loop's time, for ticks
    budget: float  # seconds a session may compute per call
    # the loop's streams' budget per turn (the default never makes a stream wait)
    turns: Turns = field(default_factory=lambda: Turns(share=math.inf))


def job_error(e: Exception) -> str | None:
    """The sentence for a job that was not admitted or did not finish; None if ``e`` is
    not one of those (a bug: let it propagate)."""
    if isinstance(e, (Busy, TooBig, Refused)):
        return e.message
    if isinstance(e, WorkerLost):
        return str(e)
    return None
