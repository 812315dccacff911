"""A batch's steps taken in blocks, then judged all at once.

``Batch.advance`` judges every active run after every step: the rules of docs/status.md
over the last 2W steps, for every run, every step. At most steps nothing can end most
runs, and for a large batch (a sweep, a basin map) asking costs several times the step.
``take`` instead steps every active run n times in a row (the same arithmetic as
``Batch._advance``: the optimizer's chain, the objective, each step's length and loss
change), then asks about all n × R steps at once, on arrays — each (step, run) is a row, as a
batch's runs are, and the rules are elementwise over rows (``verdicts.py``): first bounds
cheaper than the rules (``_maybe``), then the rules themselves on the rows those leave in
question, reading each row's window of the last 2W steps from the rings' last 2W − 1
steps followed by the block (``_Lines``).

A row is *quiet* when ``Batch._classify`` would change nothing there (``ahead.py``'s
test: not diverged, not oscillating, and either its last step was not short or the
verdict near a minimum surely has nothing to judge, with no look ahead of a crawling run
due). A run's path does not depend on its verdicts until one ends it, so the block is then
replayed in order: at each step where some run's row is not quiet, those runs alone are
set to that step (weights, loss, gradient, optimizer state, step count, rings) and judged
in full by ``Batch._classify``, exactly as step by step; a run that ends there keeps that
step's state. Every other run is left at the block's last step. The statuses, end steps,
stalls and every frame are those of advancing one step at a time, bit for bit
(tests/engine/test_blocks.py; the batch corpus of test_batch_bit_identity.py).

Only where nothing else would change: a batch of two or more runs with an exact Hessian,
no gradient noise and no noise-floor blocks, no secant curvature (``_prev_d``). One run
has ``ahead.py``; a network steps one step at a time. A block holds at most MOST_BYTES
(counted in every sweep's and basin map's memory estimate), and ``Pace`` keeps a batch
whose runs keep ending mid-block (a basin map's, reaching their minima) stepping one step
at a time, as before.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import verdicts as V
from .transforms import put_runs, take_runs
from .verdicts import ARRAYS, norms, rows_finite

Array = np.ndarray

# all a block holds at once, at most (gdviz/jobs/memory.py adds it to a sweep's or basin
# map's estimate): ROW_BYTES per run and step of the block (its weights, gradient, loss,
# step length, loss change, optimizer state and the rules' temporaries: up to ~550 B
# measured for 2 weights, basin maps' peaks under tracemalloc) and LINE_BYTES per run and
# step of its line of 2W − 1 + n steps (step lengths, loss changes, their sums); a block
# of fewer than FEWEST steps is not taken
MOST_BYTES = 32 << 20
ROW_BYTES, LINE_BYTES = 800, 32
FEWEST = 4
CHUNK = 4096  # runs whose window sums are doubled at once (their arrays stay in cache)
CHUNK_ROWS = 1 << 15  # rows ``_maybe`` bounds at once (likewise)
BOUNDS_FROM = 2048  # a block of fewer rows asks the rules of every row (``loud``)


class Block(NamedTuple):
    """n steps of the active runs ``idx`` (rows of the arrays: step, then run)."""

    params: Array  # (n, r, P)
    loss: Array  # (n, r)
    grad: Array  # (n, r, P)
    unorm: Array  # (n, r): each step's length ‖u‖
    dloss: Array  # (n, r): each step's loss change, ½(d_{k−1} + d_k)·u
    states: list  # n chain states of the r runs


def can_block(b) -> bool:
    """Whether ``b``'s steps may be taken in blocks (see the module's docstring)."""
    return (b.n_runs > 1 and b._hessian is not None and b._prev_d is None
            and not b._noisy and b.noise is None and b._blocks.shape[1] == 0)


def room(b, most: int) -> int:
    """How many of the next ``most`` steps one block may take: as many as the pace allows
    (``Pace``), within the budget, within MOST_BYTES, fewer than 2W (the replay writes
    each step into its own slot of the rings), and on one side of the window's first full step (a
    block is judged with the window or without it, not both)."""
    w2 = 2 * b.tol.window
    per_run = MOST_BYTES // max(b._n_active, 1) - (w2 - 1) * LINE_BYTES
    n = min(most, b._block_pace.size, b.max_steps - b.step, w2 - 1,
            per_run // (ROW_BYTES + LINE_BYTES))
    if b.step + 1 < w2:  # (a block before it stops short of it)
        n = min(n, w2 - 1 - b.step)
    return max(n, 0)


def take(b, most: int) -> int:
    """Advance ``b`` (``can_block``) by up to ``most`` steps in one block, each judged as
    ``Batch.advance`` would; how many were taken (0: none could be, use ``advance``)."""
    n = room(b, most)
    if n < FEWEST or b.done or not b._block_pace.due():
        return 0
    idx = (np.arange(b.n_runs) if b._n_active == b.n_runs else np.flatnonzero(b.active))
    step0 = b.step
    block = _dry(b, idx, n)
    _replay(b, idx, block, loud(b, idx, block, step0), step0)
    b._block_pace.after(n, idx.size, b._n_active)
    return b.step - step0


class Pace:
    """How long a batch's next block is. A run that ends inside a block wastes the block's
    steps after its end (taken, judged, then dropped), so while many runs end (a basin
    map's runs reaching their minima) the batch steps one step at a time, trying a short
    block again after a wait that grows while runs keep ending; while few end, blocks
    grow."""

    FIRST = 8
    ENDING = 8  # a block in which over 1/ENDING of its runs ended counts as a miss
    LONGEST_WAIT = 64

    def __init__(self):
        self.size, self._wait, self._waiting = self.FIRST, 0, 0

    def due(self) -> bool:
        """Whether to take a block now (else one step, which counts down a wait)."""
        if self._waiting:
            self._waiting -= 1
            return False
        return True

    def after(self, steps: int, runs: int, still: int) -> None:
        """After a block of ``steps`` steps of ``runs`` runs, ``still`` of which go on."""
        if (runs - still) * self.ENDING > runs:
            self.size = self.FIRST
            self._wait = min(max(self.FIRST, 2 * self._wait), self.LONGEST_WAIT)
            self._waiting = self._wait
        else:
            self.size, self._wait = 2 * max(self.size, steps), 0


def _dry(b, idx: Array, n: int) -> Block:
    """n steps of the runs ``idx`` from ``b``'s state, as ``Batch._advance`` takes them
    (``Batch._next_update``, then the chain on the runs' own rows; ``Batch._step_from``);
    ``b`` untouched but for its cached proposal (used for the first step, then dropped)."""
    everyone = idx.size == b.n_runs
    p = b.params if everyone else b.params[idx]
    g = b.grad if everyone else b.grad[idx]
    r, dim = idx.size, b.dim
    params, grads = np.empty((n, r, dim)), np.empty((n, r, dim))
    losses, unorms, dlosses = np.empty((n, r)), np.empty((n, r)), np.empty((n, r))
    states = []
    with np.errstate(all="ignore"):
        u, state = b._next_update(idx)
        hyper = b.hyper if everyone else b._hyper_of_active(idx)
        for i in range(n):
            if i:
                u, state = b.chain.update(g, state, p, hyper)
            p, losses[i], g, dlosses[i] = b._step_from(idx, p, g, u, b.step + 1 + i)
            params[i], grads[i] = p, g
            unorms[i] = norms(u)
            states.append(state)
    return Block(params, losses, grads, unorms, dlosses, states)


def loud(b, idx: Array, block: Block, step0: int) -> Array:
    """(n, r): where a step of a run is not quiet (see the module's docstring), for a block
    of the runs ``idx`` from step ``step0`` (any n: one run's steps ahead, ``ahead.py``, may
    be more than 2W). In a large block the rules are asked only of the rows ``_maybe``
    leaves in question; in a small one (BOUNDS_FROM rows) the bounds would cost more than
    they save (a crawl's rows are all in question), so every row is asked."""
    n, r = block.loss.shape
    tol, rows = b.tol, n * r
    p = block.params.reshape(rows, b.dim)
    g = block.grad.reshape(rows, b.dim)
    loss, unorm = block.loss.reshape(rows), block.unorm.reshape(rows)
    window = _Lines(b, idx, block) if step0 + 1 >= 2 * tol.window else None
    loud = np.zeros(rows, bool)
    with np.errstate(all="ignore"):
        at = (np.arange(rows) if rows < BOUNDS_FROM
              else np.flatnonzero(_maybe(b, idx, block, window)))
        if at.size == rows:  # every row: the block's own arrays and window, no copies
            runs, pa, ga, la, ua, win = np.tile(idx, n), p, g, loss, unorm, window
        elif at.size:
            runs, pa, ga, la, ua = idx[at % r], p[at], g[at], loss[at], unorm[at]
            win = None if window is None else window.only(at)
        if at.size:
            finite = np.isfinite(la) & rows_finite(pa) & rows_finite(ga)
            div, settled, crawl, osc = b._cheap_rules(
                ARRAYS, la, 1 + norms(pa), norms(pa - b.start[runs]), b.loss0[runs],
                b._start_scale[runs], b._length0[runs], ua, finite, win)
            asked = np.asarray(div | osc, bool)
            judged = np.asarray(settled & ~asked, bool)
            if judged.any():
                k = np.flatnonzero(judged)
                look = np.broadcast_to(np.asarray(crawl, bool), at.shape)[k] & (
                    b._ahead_until[runs[k]] < step0 + 1 + at[k] // r)
                hessian, d, theta, bounds = b._stationary_columns(ARRAYS, runs[k], pa[k],
                                                                  ga[k])
                far = V.surely_not_stationary(ARRAYS, hessian, d, theta, bounds, tol)
                asked[k] |= look | ~far
            loud[at] = asked
    loud = loud.reshape(n, r)
    if step0 + n >= b.max_steps:  # the budget's last step: every run ends there
        loud[b.max_steps - step0 - 1] = True
    return loud


SLACK = 1 + 1e-9  # over the few ulps by which a norm and a sum of |entries| can disagree


def _maybe(b, idx: Array, block: Block, window: "_Lines | None") -> Array:
    """(n × r,): the rows where some rule might fire, by bounds cheaper than the rules:
    False only where every entry is finite (their sum is), the loss has not moved
    ``explode`` × its scale (the rule itself), ‖θ − θ₀‖ ≤ Σ|θᵢ − θ₀ᵢ| is within
    ``runaway``, the step is longer than ``settle`` × (1 + Σ|θᵢ|) ≥ settle × (1 + ‖θ‖)
    (so not settled: neither crawling nor judged), and ``V.might_bounce`` with the
    displacement's largest |entry| ≤ its norm rules the bounce out. There
    ``_cheap_rules`` would find nothing. Taken a few steps of the block at a time (about
    CHUNK_ROWS rows), whose arrays stay in cache where the whole block's would not."""
    n, r = block.loss.shape
    tol, dim = b.tol, b.dim
    halves = None if window is None else window.halves_by_step()
    k = max(1, min(n, CHUNK_ROWS // r))  # steps at a time
    start, loss0 = np.tile(b.start[idx].T, k), np.tile(b.loss0[idx], k)
    limit = tol.runaway * np.tile(b._length0[idx], k)
    scale = np.tile(b._start_scale[idx], k)
    bound, scaled = tol.explode * scale, scale > 0
    out = np.empty(n * r, bool)
    for i in range(0, n, k):
        steps = slice(i, min(i + k, n))
        m = (steps.stop - i) * r  # rows now
        cols = block.params[steps].reshape(m, dim).T
        grad = block.grad[steps].reshape(m, dim).T
        loss = block.loss[steps].reshape(m)
        total = loss + grad[0]
        for j, c in enumerate(cols):
            total = total + c
            if j:
                total = total + grad[j]
        fine = np.isfinite(total)  # (a sum that overflows sends its row to the rules)
        length = np.abs(cols[0])
        away = np.abs(cols[0] - start[0, :m])
        for j in range(1, dim):
            length = length + np.abs(cols[j])
            away = away + np.abs(cols[j] - start[j, :m])
        fine &= block.unorm[steps].reshape(m) > tol.settle * (1 + length) * SLACK
        fine &= away * SLACK + 1e-300 < limit[:m]
        rise = loss - loss0[:m]
        fine &= ~(scaled[:m] & ((rise > bound[:m]) | (-rise > bound[:m])))
        if halves is not None:
            older, newer = halves[0][steps].reshape(m), halves[1][steps].reshape(m)
            oldest = halves[2](steps).reshape(m, dim).T
            delta = np.abs(cols[0] - oldest[0])
            for j in range(1, dim):
                delta = np.maximum(delta, np.abs(cols[j] - oldest[j]))
            fine &= ~V.might_bounce(older, newer, delta, tol)
        out[i * r:i * r + m] = ~fine
    return out


def _replay(b, idx: Array, block: Block, loud: Array, step0: int) -> None:
    """Leave ``b`` as advancing it through the block one step at a time does: at each step
    where some run is not quiet, those runs set to that step and judged in full
    (``Batch._classify``); the runs still going then set to the block's last step."""
    n, r = loud.shape
    w2 = 2 * b.tol.window
    slots = (step0 + 1 + np.arange(n)) % w2
    alive = np.ones(r, bool)
    owned = False  # whether ``b.chain_state`` is this block's own copy yet
    for i in np.flatnonzero(loud.any(axis=1)).tolist():
        c = np.flatnonzero(loud[i] & alive)
        if not c.size:
            continue
        runs = idx[c]
        b.step = step0 + 1 + i
        b.params[runs], b.loss[runs], b.grad[runs] = (block.params[i, c], block.loss[i, c],
                                                       block.grad[i, c])
        b.chain_state = _put(b.chain_state, runs, take_runs(block.states[i], c), owned)
        owned = True
        _write_rings(b, slots[:i + 1], runs, block, slice(0, i + 1), c)
        b._proposal = b._fproposal = None
        b._classify(runs)
        b._proposal = None  # (``propose`` there saw the other runs at other steps)
        alive[c[b.status[runs] != 0]] = False
        if not alive.any():  # every run has ended: the batch stops at this step
            return
    b.step = step0 + n
    last = n - 1
    if alive.all() and idx.size == b.n_runs:
        b.params, b.loss, b.grad = (block.params[last].copy(), block.loss[last].copy(),
                                    block.grad[last].copy())
        b.chain_state = block.states[last]
        _write_rings(b, slots, None, block, slice(None), None)
        return
    c = np.flatnonzero(alive)
    if not c.size:
        return
    runs = idx[c]
    b.params[runs], b.loss[runs], b.grad[runs] = (block.params[last, c], block.loss[last, c],
                                                   block.grad[last, c])
    b.chain_state = _put(b.chain_state, runs, take_runs(block.states[last], c), owned)
    _write_rings(b, slots, runs, block, slice(None), c)


def _put(state: Any, runs: Array, part: Any, owned: bool) -> Any:
    """``state`` with rows ``runs`` replaced by ``part``: a copy first, then in place."""
    if not owned:
        return put_runs(state, runs, part)
    if isinstance(state, tuple):
        for a, q in zip(state, part):
            _put(a, runs, q, True)
        return state
    state[runs] = part
    return state


def _write_rings(b, slots: Array, runs: Array | None, block: Block, steps: slice,
                 c: Array | None) -> None:
    """The block's ``steps`` into the rings' ``slots`` for ``runs`` (its rows ``c``; None:
    every run, every row)."""
    pairs = ((b._loss_hist, block.loss), (b._param_hist, block.params),
             (b._unorm_hist, block.unorm), (b._dloss_hist, block.dloss))
    for ring, rows in pairs:
        if runs is None:
            ring[slots] = rows[steps]
        else:
            ring[np.ix_(slots, runs)] = rows[steps][:, c]


class _Lines:
    """The window of the last 2W steps at each row (step i, run j) of a block, as
    ``runs._RingWindow`` gives it for runs: each run's last 2W − 1 steps from the rings,
    then the block's n steps — a line of 2W − 1 + n steps, of which row (i, j) reads steps
    i … i + 2W − 1. Rows are numbered i·r + j, as the block's arrays are flattened; a
    window ``only`` some of them numbers those 0, 1, … as a rule's rows."""

    def __init__(self, b, idx: Array, block: Block):
        self._b, self._idx, self._block = b, idx, block
        self._w2 = 2 * b.tol.window
        self._older = np.array(b._order()[1:])  # the rings' slots of the 2W − 1 steps before
        self._n, self._r = block.loss.shape
        self._lines: dict[str, Array] = {}
        self._sums: Array | None = None
        self._rows_of: Array | None = None  # the block's rows this window is asked of

    def only(self, rows: Array) -> "_Lines":
        """This window for the block's rows ``rows`` alone (the lines are shared)."""
        out = _Lines.__new__(_Lines)
        out.__dict__ = self.__dict__.copy()
        out._rows_of = rows
        out._parent = self
        return out

    def _absolute(self, sub):
        """The block's rows a rule's ``sub`` names (None: all of this window's)."""
        if self._rows_of is None:
            return sub
        return self._rows_of if sub is None else self._rows_of[sub]

    def _line(self, name: str) -> Array:
        """(2W − 1 + n, r): the rings' older steps of the runs, then the block's."""
        owner = getattr(self, "_parent", self)
        if name not in owner._lines:
            ring = getattr(self._b, "_" + name + "_hist")
            older = ring[self._older]
            if self._idx.size != self._b.n_runs:
                older = older[:, self._idx]
            owner._lines[name] = np.concatenate([older, getattr(self._block, name)])
        return owner._lines[name]

    def _rows(self, name: str, sub) -> list:
        line, rows = self._line(name), self._absolute(sub)
        if rows is None:
            return [line[j:j + self._n].reshape(-1) for j in range(self._w2)]
        i, j = np.divmod(rows, self._r)
        return [line[i + k, j] for k in range(self._w2)]

    def steps(self, sub=None) -> list:
        return self._rows("unorm", sub)

    def losses(self, sub=None) -> list:
        return self._rows("dloss", sub)

    def _oldest(self, steps: slice) -> Array:
        """(steps, r, P): the runs' weights at the windows' oldest steps for the block's
        ``steps`` — line steps i …: the rings' older steps, then the block's own."""
        w1, parts = self._w2 - 1, []
        if steps.start < w1:
            rows = self._b._param_hist[self._older[steps.start:min(steps.stop, w1)]]
            parts.append(rows if self._idx.size == self._b.n_runs else rows[:, self._idx])
        if steps.stop > w1:
            parts.append(self._block.params[max(steps.start, w1) - w1:steps.stop - w1])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _newest_oldest(self, rows) -> tuple[Array, Array]:
        """The weights at each row's step and at its window's oldest step, (m, P)."""
        newest = self._block.params.reshape(self._n * self._r, self._b.dim)
        if rows is None:
            return newest, self._oldest(slice(0, self._n)).reshape(newest.shape)
        i, j = np.divmod(rows, self._r)
        oldest = np.empty((rows.size, self._b.dim))
        w1 = self._w2 - 1
        ring = i < w1
        oldest[ring] = self._b._param_hist[self._older[i[ring]], self._idx[j[ring]]]
        oldest[~ring] = self._block.params[i[~ring] - w1, j[~ring]]
        return newest[rows], oldest

    def disp(self, sub=None) -> Array:
        """‖θ_newest − θ_oldest‖ over each row's window (``norms``, as ``_RingWindow``)."""
        newest, oldest = self._newest_oldest(self._absolute(sub))
        return norms(newest - oldest)

    def _halves(self, rows) -> tuple[Array, Array]:
        """The sums of each row's older and newer W step lengths (by doubling: any order)."""
        w = self._w2 // 2
        sums = self._window_sums()
        if rows is None:
            return sums[:self._n].reshape(-1), sums[w:w + self._n].reshape(-1)
        i, j = np.divmod(rows, self._r)
        return sums[i, j], sums[i + w, j]

    def might_bounce(self) -> Array:
        """False only where ``bouncing`` is surely False (``V.might_bounce``, whose bound
        holds for the sums taken in any order)."""
        older, newer = self._halves(self._rows_of)
        return V.might_bounce(older, newer, self.disp(), self._b.tol)

    def _window_sums(self) -> Array:
        """(2W − 1 + n − W + 1, r): [t] the sum of the step lengths t … t + W − 1 of each
        run's line (``window_sums``, a few thousand runs at a time)."""
        owner = getattr(self, "_parent", self)
        if owner._sums is None:
            w, line = self._w2 // 2, self._line("unorm")
            sums = np.empty((line.shape[0] - w + 1, self._r))
            for a in range(0, self._r, CHUNK):
                sums[:, a:a + CHUNK] = window_sums(line[:, a:a + CHUNK], w)
            owner._sums = sums
        return owner._sums

    def halves_by_step(self) -> tuple[Array, Array, Any]:
        """For every step i of the block: the sums of each run's older and newer W step
        lengths ((n, r) each, by doubling a few thousand runs at a time) and a function
        giving the runs' weights at the windows' oldest steps for some of the block's
        steps ((steps, r, P))."""
        w = self._w2 // 2
        sums = self._window_sums()
        return sums[:self._n], sums[w:w + self._n], self._oldest


def window_sums(line: Array, w: int) -> Array:
    """(T − w + 1, …): the sums of each ``w`` consecutive rows of ``line`` (T, …), by
    doubling — sums of 1, 2, 4 … rows, combined by the bits of w: about log₂ w additions
    of whole arrays instead of w (the order of the additions differs from a row-by-row
    sum; ``V.might_bounce`` allows for any order)."""
    t = line.shape[0]
    out, used = None, 0
    power, size = line, 1
    while True:
        if w & size:
            part = power[used:used + t - w + 1]
            out = part if out is None else out + part
            used += size
        if 2 * size > w:
            return out
        power = power[:-size] + power[size:]
        size *= 2
