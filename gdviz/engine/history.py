"""A run's past, kept bounded: its exact state at any step it has passed, for scrubbing back
and branching ("what if η had changed here?").

Runs are seeded and deterministic, so the past need not be stored step by step: a
``RunHistory`` keeps *snapshots* of the run's ``Batch`` — its whole state: weights,
loss, gradient, optimizer state (momentum buffers, Adam's moments, the step count),
gradient-noise generator, status history — every ``interval`` steps, and the
hyperparameter edits made along the way. ``at(k)`` restores the snapshot at or before k
and replays the steps in between, applying each edit at the step it was made: the same
code on the same numbers gives the same bits.

Bounded: at most ``max_snapshots`` snapshots (from a byte budget: a network's snapshot
is larger than a surface's). When they would exceed it, ``interval`` doubles and every
other snapshot is dropped, so a replay takes at most ``interval`` steps — about
``2 × steps / max_snapshots`` — however long the run.

``fork(batch)`` is a copy of a batch sharing only what never changes (the objective, the
optimizer's functions): advancing one never moves the other.
"""

from __future__ import annotations

import copy
from collections.abc import Generator
from dataclasses import dataclass, field, is_dataclass
from typing import Any

import numpy as np

from .runs import Batch, Status

SNAPSHOT_BYTES = 8 << 20  # one run's snapshots together, at most (docs/protocol.md)
MAX_SNAPSHOTS = 64
MIN_SNAPSHOTS = 4


def fork(batch: Batch) -> Batch:
    """An independent copy of ``batch``: its arrays, optimizer state and noise generator
    copied; its objective and optimizer shared (they never change), and so are numbers,
    strings and frozen dataclasses (a schedule, the tolerances). A tenth of what
    ``copy.deepcopy`` takes: a stream forks a run every few steps."""
    keep = {id(batch.objective): batch.objective, id(batch.optimizer): batch.optimizer}
    out = object.__new__(type(batch))
    out.__dict__ = {k: _copied(v, keep) for k, v in vars(batch).items()}
    return out


_IMMUTABLE = (str, bytes, int, float, bool, type(None), np.generic)


def _copied(value: Any, keep: dict) -> Any:
    if id(value) in keep or isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        items = [_copied(v, keep) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [_copied(v, keep) for v in value]
    if isinstance(value, dict):
        return {k: _copied(v, keep) for k, v in value.items()}
    if is_dataclass(value) and value.__dataclass_params__.frozen:
        return value
    return copy.deepcopy(value, keep)  # e.g. the gradient noise and its generator


def state_bytes(batch: Batch) -> int:
    """The bytes of a batch's own arrays (what one snapshot holds)."""
    total = 0
    for value in vars(batch).values():
        total += _nbytes(value)
    return total


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if hasattr(value, "__dict__") and not callable(value):
        return sum(_nbytes(v) for v in vars(value).values())
    return 0


@dataclass
class RunHistory:
    """Snapshots of one run and its hyperparameter edits; see the module docstring."""

    snapshots: dict[int, Batch]
    max_snapshots: int
    interval: int = 1
    edits: list[tuple[int, dict]] = field(default_factory=list)  # (step made at, changes)

    @classmethod
    def of(cls, batch: Batch, budget: int = SNAPSHOT_BYTES) -> "RunHistory":
        """A history starting at ``batch``'s current step (usually 0), its snapshots spread
        over the steps the batch has left (a snapshot costs several steps' time)."""
        most = int(np.clip(budget // max(state_bytes(batch), 1), MIN_SNAPSHOTS, MAX_SNAPSHOTS))
        interval = 1
        while (batch.max_steps - batch.step) // interval >= most:
            interval *= 2
        return cls({batch.step: fork(batch)}, most, interval)

    @property
    def first(self) -> int:
        return min(self.snapshots)

    def record(self, batch: Batch) -> None:
        """Call after each step the run takes: keeps a snapshot every ``interval`` steps."""
        if batch.step % self.interval or batch.step in self.snapshots:
            return
        self.snapshots[batch.step] = fork(batch)
        while len(self.snapshots) > self.max_snapshots:
            self.interval *= 2
            self.snapshots = {s: b for s, b in self.snapshots.items()
                              if s % self.interval == 0 or s == self.first}

    def edit(self, step: int, changes: dict) -> None:
        """The run's hyperparameters changed at ``step`` (applying from the next update)."""
        self.edits.append((step, dict(changes)))

    def at(self, step: int) -> Batch:
        """A fork of the run as it was when it left ``step``: every edit made at or before
        ``step`` applied. ``step`` must lie between the first snapshot and the run's
        newest step (ValueError otherwise)."""
        return finish(self.walk(step))

    def walk(self, step: int) -> Generator[None, None, Batch]:
        """``at`` a step at a time: yields None between the steps it replays (up to
        ``interval`` − 1 of them; a stream spreads them over its ticks), and returns the
        fork (``finish``)."""
        if step < self.first:
            raise ValueError(f"step {step} is before this run's first step ({self.first})")
        base = max(s for s in self.snapshots if s <= step)
        batch = fork(self.snapshots[base])
        pending = [(s, c) for s, c in self.edits if s >= base]
        while True:
            while pending and pending[0][0] <= batch.step:
                batch.set_hyper(0, pending.pop(0)[1])
            if batch.step >= step:
                return batch
            if batch.done:
                raise ValueError(f"step {step} is past this run's end (step {batch.step})")
            batch.advance()
            if batch.step < step:
                yield


def finish(walk: Generator[None, None, Any]) -> Any:
    """What a generator that yields None along the way returns, taken in one go."""
    while True:
        try:
            next(walk)
        except StopIteration as done:
            return done.value


KEEP = object()
"""``go_on``'s schedule: the one the run already has."""


def branch(parent: RunHistory, step: int, changes: dict, schedule=KEEP) -> Batch:
    """A new run that is ``parent`` up to ``step`` and then goes on with ``changes`` (its
    hyperparameters) and, if given, another ``schedule`` (None: constant): exactly what
    running the parent to ``step`` and then setting them gives. A parent that had ended at
    ``step`` (but not by diverging) is taken up again from there."""
    return go_on(parent.at(step), changes, schedule)


def go_on(batch: Batch, changes: dict, schedule=KEEP) -> Batch:
    """``batch`` (a fork of a one-run batch, at the branch's step) taken up again with
    ``changes`` and ``schedule`` from its next update on; ValueError if it had diverged."""
    if batch.done:
        if batch.status[0] == Status.DIVERGED:
            raise ValueError(f"step {batch.step}: the run had diverged there; branch from "
                             "an earlier step")
        batch.reopen(0)
    batch.set_hyper(0, changes)
    if schedule is not KEEP:
        batch.set_schedule(schedule)
    return batch
