"""How a job can end other than with its result, on both sides of the pool."""

from __future__ import annotations


class Refused(Exception):
    """The request is wrong (a 4xx): raised by a task in the worker, re-raised on the loop.
    ``message`` names the field and the limit; ``detail`` is the list of field errors, when
    there are several."""

    def __init__(self, status: int, message: str, detail: list | None = None):
        super().__init__(status, message, detail)
        self.status, self.message, self.detail = status, message, detail


class Busy(Exception):
    """Not admitted: the lane's workers and queue are full, or the memory budget is. The
    message names the limit; ``retry_after`` is a whole number of seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after)
        self.message, self.retry_after = message, retry_after


class TooBig(Exception):
    """The job alone would need more memory than the whole budget: never admitted."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WorkerLost(Exception):
    """The worker process died (or was stopped for taking too long) while running the job."""


class Cancelled(Exception):
    """Raised inside a task when the server cancelled its job (the client left)."""
