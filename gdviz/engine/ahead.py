"""One run's steps taken ahead of their verdicts, then judged all at once.

A stream's or ``POST /api/run``'s one run of a surface or a curve steps on floats
(``Batch._advance_floats``) and asks the status rules after every step. At most steps
nothing can end it, and asking costs more than the step. ``run_ahead`` takes up to n
steps in a tight loop on the same float kernels (``Batch._update_floats``,
``Batch._step_floats``) and then asks about all of them at once, as a batch asks about a
block of its steps (``blocks.loud``: each step a row, bounds cheaper than the rules
first, each step's window of the last 2W steps read from the rings' older steps and the
steps ahead instead of the rings).

A step is *quiet* when nothing can happen at it: it is not diverged, not oscillating,
and either its last step was not short (``settled``) or the verdict near a minimum
surely has nothing to judge there (``V.surely_not_stationary``, with no look ahead of a
crawling run due) — where ``Batch._classify`` would change nothing but the step's own
numbers. (That pre-test is the one a batch's rows take, on arrays; one run judged step by
step takes it on floats, whose ``hypot`` may differ in the last bit — where either rules a
step out, its factor-2 margin leaves the full verdict nothing to end there.) The quiet steps before the first one that is not are committed:
the batch's weights, loss, gradient, optimizer state, step count and rings are left as
advancing them one by one leaves them, bit for bit. The first step that is not quiet,
and every step after it, is left to ``Batch.advance``, which judges it in full.

Only where the batch's per-step path would change nothing else: one float run with an
exact Hessian and no gradient noise (whose generator a step ahead would move), so no
noise-floor blocks and no secant curvature (``_prev_d``) to keep.

``Ahead`` paces it: a run that keeps meeting steps that are not quiet (circling a
minimum, where the verdict near it is asked every step) stops trying for a while, so
such a run costs about what it did (1–5 % more, its misses: bench/README.md).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import verdicts as V
from .blocks import Block, loud

Array = np.ndarray


class Taken(NamedTuple):
    """One step taken ahead, as ``Batch._advance_floats`` would have taken it: the update
    ``u`` from the frame before (made with ``lr``, from state ``before``; ``seen`` the
    gradient the optimizer saw), and the frame it led to (``params``, ``loss``, ``grad``,
    the optimizer state ``after``), with the step's length ‖u‖ and loss change ``dloss``."""

    u: list
    seen: list
    before: Any
    after: Any
    lr: float
    params: list
    loss: float
    grad: list
    unorm: float
    dloss: float


def can_run_ahead(b) -> bool:
    """Whether ``b``'s steps may be taken ahead (see the module's docstring)."""
    return (b._float_step and b._n_active == 1 and b._hessian is not None
            and b._prev_d is None and not b._noisy and b.noise is None
            and b._blocks.shape[1] == 0)


def run_ahead(b, n: int) -> list[Taken]:
    """Up to ``n`` quiet steps of ``b`` (``can_run_ahead``), committed; what they were.
    Fewer where a step is not quiet, floats cannot take it, the budget's last step or the
    window's first full step comes (those are ``advance``'s)."""
    quiet, following = _look(b, _room(b, n))
    if quiet:
        _commit(b, quiet, following)
    return quiet


def _room(b, n: int) -> int:
    """How many of the next ``n`` steps may be taken ahead: not the budget's last (it
    ends the run), and on one side of the window's first full step (a run ahead is judged
    with the window or without it, not both)."""
    w2 = 2 * b.tol.window
    n = min(n, b.max_steps - 1 - b.step)
    if b.step + 1 < w2:
        n = min(n, w2 - 1 - b.step)
    return max(n, 0)


def _look(b, n: int) -> tuple[list[Taken], Taken | None]:
    """Up to ``n`` (``_room``) quiet steps of ``b`` from its state, ``b`` untouched, and the
    step after them if it was taken (it is not quiet, or the run ahead stopped there)."""
    if n <= 0:
        return [], None
    steps = _dry(b, n)
    k = _quiet(b, steps)
    return steps[:k], steps[k] if k < len(steps) else None


def _dry(b, n: int) -> list[Taken]:
    """Up to ``n`` steps on floats from ``b``'s state, ``b`` untouched; fewer where floats
    cannot take one."""
    p, _, g = b._floats_now()
    fp = b._float_proposal()
    fs, h = b._fs, b._hyper_floats()
    lr_of, update, step = b.chain.lr_floats, b._update_floats, b._step_floats
    out = []
    with np.errstate(all="ignore"):
        while fp is not None:
            taken = step(p, g, fp[0])
            if taken is None:
                break
            u, after, seen = fp
            p, loss, g, dloss = taken
            out.append(Taken(u, seen, fs, after, lr_of(fs, h), p, loss, g,
                             V.FLOATS.norm(u), dloss))
            if len(out) == n:
                break
            fs = after
            fp = update(p, g, fs, h)
    return out


def _quiet(b, steps: list[Taken]) -> int:
    """How many of ``steps`` (the next ones of ``b``) are quiet before the first that is not:
    the batch's own test of a block's rows (``blocks.loud``), each step a row."""
    if not steps:
        return 0
    first = np.flatnonzero(loud(b, np.zeros(1, np.intp), block_of(steps), b.step)[:, 0])
    return int(first[0]) if first.size else len(steps)


def block_of(steps: list[Taken]) -> Block:
    """The steps taken ahead as a block of one run (``blocks.Block``; no states: a block
    of one run is never replayed)."""
    n = len(steps)

    def column(name: str) -> Array:  # (n, 1)
        return np.fromiter((getattr(t, name) for t in steps), float, n)[:, None]

    return Block(np.array([t.params for t in steps])[:, None], column("loss"),
                 np.array([t.grad for t in steps])[:, None], column("unorm"),
                 column("dloss"), [])


def _commit(b, steps: list[Taken], following: Taken | None) -> None:
    """Leave ``b`` as advancing it through ``steps`` one by one does (``_advance_floats``
    then ``_record_history``; ``_classify`` changes nothing at a quiet step); the step
    after them, if it was taken, is its next proposal."""
    last = steps[-1]
    b.params, b.loss, b.grad = np.array([last.params]), np.array([last.loss]), np.array([last.grad])
    b._fnow = (b.params, b.loss, b.grad, last.params, last.loss, last.grad)
    b._chain_state, b._fs = None, last.after
    b._proposal = None
    b._fproposal = None if following is None else (following.u, following.after,
                                                   following.seen)
    w2 = 2 * b.tol.window
    first = b.step + 1
    b.step += len(steps)
    if len(steps) == 1:  # (``advance`` drawing on the steps found quiet: one at a time)
        slot = b.step % w2
        b._loss_hist[slot, 0], b._param_hist[slot, 0] = last.loss, last.params
        b._unorm_hist[slot, 0], b._dloss_hist[slot, 0] = last.unorm, last.dloss
        return
    kept = steps[-w2:]
    slots = np.arange(first + len(steps) - len(kept), b.step + 1) % w2
    b._loss_hist[slots, 0] = [t.loss for t in kept]
    b._param_hist[slots, 0] = [t.params for t in kept]
    b._unorm_hist[slots, 0] = [t.unorm for t in kept]
    b._dloss_hist[slots, 0] = [t.dloss for t in kept]


class Ahead:
    """Paces the steps taken ahead of one run: tries ever longer runs while they stay
    quiet; after a step that was not quiet, waits ever longer before trying again while
    such steps keep coming (a run circling a minimum), so such a run costs about what it
    did.

    Two ways in: ``take`` commits a run of quiet steps at once (``run_to_end`` records
    their frames itself); ``step`` takes the batch's next step from the quiet steps found
    ahead (``Batch.advance``: a stream's steps, one at a time, each exactly as before),
    finding more when none are left. Whatever changes the run (its hyperparameters, its
    schedule, a reopening) must ``drop`` what was found ahead."""

    # asking the rules of a run ahead costs about what ten steps judged one by one do
    # (~250 µs, ``_quiet``), so a run ahead that finds fewer than FEWEST quiet steps counts
    # as a miss (its steps are still taken). Runs found quiet to their end are tried
    # twice as long next time; one that met a step that was not quiet, as long as it was
    # plus one (such steps often come every W + 1: a crawl's look ahead, the verdict near
    # a minimum looked at again)
    FIRST, FEWEST, MOST, LONGEST_WAIT = 16, 8, 512, 256
    MOST_FOUND = 64  # quiet steps ``step`` finds at once (a stream's tick stays short)

    def __init__(self):
        self._size, self._wait, self._waiting = self.FIRST, 0, 0
        self._stretch = 0  # quiet steps found since the last step that was not quiet
        self._found: list[Taken] = []  # quiet steps found ahead, oldest last
        self._following: Taken | None = None  # the step after them, if taken

    def __deepcopy__(self, memo) -> "Ahead":
        """A fork's own pacing, without the steps found: they are found again if it goes
        on (a run's snapshots — ``history.fork`` — would otherwise each keep up to
        MOST_FOUND of them, ~0.9 kB a step)."""
        out = Ahead.__new__(Ahead)
        out.__dict__ = {**self.__dict__, "_found": [], "_following": None}
        return out

    def drop(self) -> None:
        """Forget the steps found ahead: the run changed."""
        self._found, self._following = [], None

    def _due(self, b) -> bool:
        """Whether to look ahead now: not waiting out a miss, and ``b`` can."""
        if self._waiting:
            self._waiting -= 1
            return False
        return can_run_ahead(b)

    def take(self, b, most: int) -> list[Taken]:
        """Up to ``most`` quiet steps of ``b``, committed (possibly none: then ``advance``)."""
        if not self._due(b) or most <= 0:
            return []
        self.drop()
        limit = _room(b, min(self._size, most))
        steps = run_ahead(b, limit)
        self._paced(len(steps), limit)
        return steps

    def step(self, b) -> bool:
        """Take ``b``'s next step from the quiet steps found ahead (finding more if none
        are left and it is time to try): True if it was taken, False for ``advance``."""
        if not self._found:
            if not self._due(b):
                return False
            limit = _room(b, min(self._size, self.MOST_FOUND))
            found, self._following = _look(b, limit)
            self._paced(len(found), limit)
            if not found:
                return False
            found.reverse()
            self._found = found
        t = self._found.pop()
        _commit(b, [t], self._found[-1] if self._found else self._following)
        return True

    def _paced(self, quiet: int, limit: int) -> None:
        """After a run ahead of ``limit`` steps found ``quiet`` of them quiet."""
        self._stretch += quiet
        if quiet == limit and limit >= self.FEWEST:  # the stretch goes on
            self._size = min(2 * self._size, self.MOST)
            self._wait = 0
            return
        stretch, self._stretch = self._stretch, 0  # the step after it is ``advance``'s
        if stretch >= self.FEWEST:
            self._size, self._wait, self._waiting = min(stretch + 1, self.MOST), 0, 1
        else:  # a miss: wait ever longer (×4) before trying again, then try a short run first
            self._size = self.FIRST
            self._wait = min(max(2, 4 * self._wait), self.LONGEST_WAIT)
            self._waiting = self._wait
