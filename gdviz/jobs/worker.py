"""A worker process of the job pool: ``python -m gdviz.jobs.worker FD NICE``.

It talks to the server over the socket ``FD`` (wire.py) and runs one task at a time:

    server → worker   ("run", job_id, task, payload, encode, allowance)   ("cancel", job_id)
                      ("exit",)
    worker → server   ("started", job_id)               ("progress", job_id, fraction)
                      ("done", job_id, result, stats)   ("refused", job_id, status, message, detail)
                      ("cancelled", job_id)             ("failed", job_id, description)

A task reports progress through the callable it is given (tasks.py); each report also
looks for a ``cancel`` without blocking, and a cancelled task stops there — as does one
whose computing (this process's CPU seconds) has passed its allowance
(``cost.Allowance``: its entry point's limit × ``OVERRUN``), refused with a 422. With
``encode="gzip"`` a text result (JSON) is sent gzip-compressed: a 2-run × 1,000-step
answer takes ~14 ms to compress, which here costs the server's event loop nothing. The worker
lowers its CPU priority by ``NICE`` at start, so that on a busy machine the server's
event loop (the live streams) gets the CPU first, and uses one BLAS thread (the
server's processes share the cores; OpenBLAS's own threads would fight them). After
every job it hands freed memory back to the OS. When the server goes away (the socket
closes) the worker exits, also in the middle of a task.
"""

from __future__ import annotations

import gzip
import os
import socket
import sys
import time
import traceback
from typing import Callable

from . import wire
from .outcome import Cancelled, Refused

GZIP_LEVEL = 6  # the server's GZip middleware uses the same (gdviz/main.py)
PROGRESS_INTERVAL = 0.1  # seconds between progress messages of one job
CHECK_INTERVAL = 0.01  # seconds between looks for a cancel (one select() each)


class _ServerGone(Exception):
    pass


class Reporter:
    """The ``progress(fraction)`` a task calls between chunks of its work. ``cpu``: the
    clock its allowance is counted on (this process's CPU seconds)."""

    def __init__(self, sock: socket.socket, job_id: int, allowance=None,
                 cpu: Callable[[], float] = time.process_time):
        self.sock, self.job_id, self.allowance, self.cpu = sock, job_id, allowance, cpu
        self._sent = self._checked = time.monotonic()
        self._began = cpu()

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._checked >= CHECK_INTERVAL:  # (the clocks are read this often only)
            self._checked = now
            self.check_cancel()
            a = self.allowance
            if a is not None and self.cpu() - self._began > a.stop_after:
                raise Refused(422, a.refusal(fraction))
        if now - self._sent >= PROGRESS_INTERVAL:
            self._sent = now
            wire.send(self.sock, ("progress", self.job_id, float(fraction)))

    def check_cancel(self) -> None:
        while wire.waiting(self.sock):
            msg = wire.recv(self.sock)
            if msg is None or msg[0] == "exit":
                raise _ServerGone
            if msg[0] == "cancel" and msg[1] == self.job_id:
                raise Cancelled


def _peak_rss_reset() -> None:
    """Start a new peak-RSS window (Linux: VmHWM), so ``stats`` can say what a job took."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _status(field: str) -> int | None:
    """A size from /proc/self/status in bytes (Linux), e.g. VmRSS, VmHWM (its peak)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _encoded(result, encode: str | None):
    """``result`` as the server asked: gzip-compressed text (``GZIP_LEVEL``; no timestamp,
    so equal answers are equal bytes), else as it is."""
    if encode == "gzip" and isinstance(result, (str, bytes)):
        data = result.encode() if isinstance(result, str) else result
        return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    return result


def run_one(sock: socket.socket, tasks: dict, job_id: int, task: str, payload,
            encode: str | None = None, allowance=None) -> None:
    _peak_rss_reset()
    rss_before = _status("VmRSS")
    began = time.monotonic()
    reporter = Reporter(sock, job_id, allowance)
    try:
        reporter.check_cancel()  # cancelled while this worker was still starting up
        wire.send(sock, ("started", job_id))
        result = _encoded(tasks[task](payload, reporter), encode)
    except Cancelled:
        wire.send(sock, ("cancelled", job_id))
    except Refused as e:
        wire.send(sock, ("refused", job_id, e.status, e.message, e.detail))
    except _ServerGone:
        raise
    except Exception as e:  # a bug of ours: the server logs it and answers 500 / `error`
        traceback.print_exc(file=sys.stderr)
        wire.send(sock, ("failed", job_id, f"{type(e).__name__}: {e}"))
    else:
        stats = {"seconds": time.monotonic() - began, "peak_rss": _status("VmHWM"),
                 "rss_before": rss_before}
        wire.send(sock, ("done", job_id, result, stats))


def serve(sock: socket.socket) -> None:
    from .tasks import TASKS  # imported once the priority is lowered
    from .trim import release_memory

    while True:
        msg = wire.recv(sock)
        if msg is None or msg[0] == "exit":
            return
        if msg[0] != "run":  # a cancel that arrived after its job ended
            continue
        _, job_id, task, payload, encode, allowance = msg
        try:
            run_one(sock, TASKS, job_id, task, payload, encode, allowance)
        except _ServerGone:
            return
        finally:
            del payload
            release_memory()


def main(argv: list[str]) -> None:
    fd, nice = int(argv[1]), int(argv[2])
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)  # the environment asks for it too; this covers any other BLAS
    sock = socket.socket(fileno=fd)
    try:
        serve(sock)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server went away mid-reply
    finally:
        sock.close()


if __name__ == "__main__":
    main(sys.argv)
