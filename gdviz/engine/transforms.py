"""A run's step as gradient transforms chained with the optimizer (optax's ``chain``).

A transform has the shape of an optimizer (optimizers.py): two pure functions over a
state vectorised over runs,

* ``init(params, hyper) -> state``
* ``update(grads, state, params, hyper) -> (updates, state)``

and ``Chain(a, b, …)`` is one too: each transform's output is the next one's input,
its state the tuple of theirs. The step of every run (``Batch``) is

    Chain(AddNoise(σ, seed, shape), ClipByNorm(c), Scheduled(optimizer, schedule))

with each part only where asked for — i.e., with ξₖ the k-th seeded draw and k the
updates the run has taken:

    g̃ = ∇L + σ·ξₖ;   g̃ ← g̃ · min(1, c / (‖g̃‖ + 1e-6));   θ ← θ + optimizer(g̃; η = schedule(η₀, k))

* ``AddNoise``: g ← g + σ·ξ, ξ ~ N(0, I), to mimic the noise of a stochastic
  (mini-batch) gradient on an analytic surface. ξₖ is the k-th draw of shape (R, P)
  from ``default_rng(seed)`` — a pure function of (seed, shape, k) that ``NoiseStream``
  memoises — so recomputing a proposal (after a hyperparameter change) reuses the same
  noise and runs stay reproducible from their seed.
* ``ClipByNorm``: torch.nn.utils.clip_grad_norm_ per run: g ← g · min(1, c / (‖g‖ + 1e-6)).
* ``Scheduled``: the optimizer with the learning rate its schedule (schedules.py) gives
  for the run's step count. Not optax's ``scale_by_schedule`` (a factor on the
  optimizer's output): torch's rules use η inside the step — AdamW decays θ(1 − ηλ),
  Adagrad divides η by 1 + (t − 1)·lr_decay — so, like optax's ``inject_hyperparams``,
  the schedule sets the η the optimizer reads, and the update rounds exactly as
  torch's does. Weight decay stays inside the optimizer, as in torch.

States are NamedTuples of arrays with the run axis first (a chain's: a tuple of them),
so ``take_runs``/``put_runs`` pick or replace some runs' rows. A run that has ended is
frozen whole: its optimizer state, its schedule position and its noise count — so the
step it "would take next" is the one from its last frame.

ONE run may also step on Python floats (``Batch``'s float step): ``Chain.update_floats``
is each part's ``update_floats`` — the same kernels (optimizers.py) on the run's row,
``state_row`` of its state — and ``Chain.floats`` says whether every part has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .optimizers import Hyper, Optimizer, fsqrt
from .schedules import Schedule

Array = np.ndarray


# --- run-axis state helpers ---------------------------------------------------------

def take_runs(state: Any, idx: Array) -> Any:
    """The rows ``idx`` of a state (nested tuples of arrays with the run axis first)."""
    if isinstance(state, tuple):
        parts = [take_runs(a, idx) for a in state]
        return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)
    return state[idx]


def put_runs(state: Any, idx: Array, part: Any) -> Any:
    """A copy of ``state`` with rows ``idx`` replaced by ``part`` (as ``take_runs`` gave)."""
    if isinstance(state, tuple):
        parts = [put_runs(a, idx, b) for a, b in zip(state, part)]
        return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)
    state = state.copy()
    state[idx] = part
    return state


def state_row(state: Any) -> Any:
    """Row 0 of a one-run state as Python numbers: a (1,) field its int, bool or float, a
    (1, P) field a list of floats (what ``update_floats`` steps on)."""
    if isinstance(state, tuple):
        parts = [state_row(a) for a in state]
        return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)
    return state[0].tolist()


def state_of_row(row: Any) -> Any:
    """``state_row``'s inverse: the one-run state as arrays again (ints int64, flags bool,
    floats and lists of floats float64), shaped (1,) and (1, P)."""
    if isinstance(row, tuple):
        parts = [state_of_row(a) for a in row]
        return type(row)(*parts) if hasattr(row, "_fields") else tuple(parts)
    if isinstance(row, bool):
        return np.array([row], bool)
    if isinstance(row, int):
        return np.array([row], np.int64)
    return np.array([row], float)


# --- clipping -----------------------------------------------------------------------

class EmptyState(NamedTuple):
    """The state of a transform that keeps none."""


def clip_by_norm(grads: Array, max_norm: Array | float) -> Array:
    norm = np.linalg.norm(grads, axis=-1, keepdims=True)
    return grads * np.minimum(1.0, max_norm / (norm + 1e-6))


@dataclass(frozen=True)
class ClipByNorm:
    """g ← g · min(1, c / (‖g‖ + 1e-6)) per run (``clip_by_norm``)."""

    max_norm: float

    def init(self, params: Array, hyper: Hyper) -> EmptyState:
        return EmptyState()

    def update(self, grads, state, params, hyper):
        return clip_by_norm(grads, self.max_norm), state

    def update_floats(self, g: list, state, p: list, h: dict):
        """``clip_by_norm`` on one run of at most 2 weights: NumPy's norm is √(g₀² + g₁²)
        there (a reduction of 1 or 2 squares has one order), and ``np.minimum``'s NaN."""
        squares = g[0] * g[0] if len(g) == 1 else g[0] * g[0] + g[1] * g[1]
        f = self.max_norm / (fsqrt(squares) + 1e-6)
        f = 1.0 if f >= 1.0 else f  # NaN stays NaN, as in np.minimum
        return [a * f for a in g], state


# --- gradient noise -----------------------------------------------------------------

class NoiseStream:
    """ξ₀, ξ₁, …: draws of shape (R, P) ~ N(0, I), made in order from ``default_rng(seed)``.

    ``draw(k)`` is a pure function of (seed, shape, k). The stream keeps the newest draw;
    a draw older than that (the next step of a run that ended earlier) is made again by
    replaying the generator from its seed, and kept among the last ``KEEP`` such."""

    KEEP = 64

    def __init__(self, seed: int, shape: tuple[int, int]):
        self.seed, self.shape = seed, shape
        self._rng = np.random.default_rng(seed)
        self._k, self._newest = 0, self._rng.standard_normal(shape)
        self._older: dict[int, Array] = {}

    def draw(self, k: int) -> Array:
        while self._k < k:
            self._k, self._newest = self._k + 1, self._rng.standard_normal(self.shape)
        if k == self._k:
            return self._newest
        if k not in self._older:
            rng = np.random.default_rng(self.seed)
            for _ in range(k + 1):
                xi = rng.standard_normal(self.shape)
            if len(self._older) >= self.KEEP:
                del self._older[next(iter(self._older))]
            self._older[k] = xi
        return self._older[k]

    def rows(self, k: Array, row: Array) -> Array:
        """ξ_{k[i]}[row[i]] for each i: each run's row of the draw for its step (``row``
        holds distinct runs, so all R of them are every row in order)."""
        first = int(k[0]) if len(k) else self._k
        if len(k) == 1 or (k == first).all():  # runs in lock-step: one draw
            xi = self.draw(first)
            return xi if len(row) == self.shape[0] else xi[row]
        out = np.empty((len(row), self.shape[1]))
        for kk in np.unique(k):
            sel = k == kk
            out[sel] = self.draw(int(kk))[row[sel]]
        return out


class NoiseState(NamedTuple):
    count: Array  # (runs,) updates taken: the next one adds ξ_count
    row: Array  # (runs,) the run's row in each draw


class AddNoise:
    """g ← g + σ·ξₖ, ξₖ the k-th draw of a seeded ``NoiseStream`` (k: the run's updates)."""

    def __init__(self, sigma: Array | float, seed: int, shape: tuple[int, int]):
        self.sigma = sigma
        self.stream = NoiseStream(seed, shape)

    def init(self, params: Array, hyper: Hyper) -> NoiseState:
        n = params.shape[0]
        return NoiseState(np.zeros(n, dtype=np.int64), np.arange(n))

    def update(self, grads, state: NoiseState, params, hyper):
        xi = self.stream.rows(state.count, state.row)
        return grads + self.sigma * xi, NoiseState(state.count + 1, state.row)

    def update_floats(self, g: list, state: NoiseState, p: list, h: dict):
        """One run (the stream's one row): g + σ·ξ weight by weight."""
        xi = self.stream.draw(state.count)[0].tolist()
        sigma = self.sigma
        return [a + sigma * x for a, x in zip(g, xi)], NoiseState(state.count + 1, state.row)


# --- the learning-rate schedule -----------------------------------------------------

class ScheduledState(NamedTuple):
    count: Array  # (runs,) updates taken: the next one uses schedule(η₀, count)
    inner: Any  # the optimizer's state


def scheduled_lr(schedule: Schedule, base: Array, count: Array) -> Array:
    """schedule(η₀, t) per run, evaluated once per distinct step count with a scalar t
    (runs in lock-step: one call), so a run's η is the same in a batch as alone."""
    first = int(count[0]) if len(count) else 0
    if len(count) == 1 or (count == first).all():
        return schedule.lr(base, first)
    out = np.empty_like(base)
    for t in np.unique(count):
        sel = count == t
        out[sel] = schedule.lr(base[sel], int(t))
    return out


@dataclass(frozen=True)
class Scheduled:
    """``optimizer`` with η = schedule(η₀, t): η₀ the run's ``hyper["lr"]``, t its
    updates so far (torch's scheduler, stepped once per update)."""

    optimizer: Optimizer
    schedule: Schedule

    def init(self, params: Array, hyper: Hyper) -> ScheduledState:
        return ScheduledState(np.zeros(params.shape[0], dtype=np.int64),
                              self.optimizer.init(params, hyper))

    def lr(self, state: ScheduledState, hyper: Hyper) -> Array:
        return scheduled_lr(self.schedule, hyper["lr"][:, 0], state.count)

    def update(self, grads, state: ScheduledState, params, hyper):
        hyper = {**hyper, "lr": self.lr(state, hyper)[:, None]}
        updates, inner = self.optimizer.update(grads, state.inner, params, hyper)
        return updates, ScheduledState(state.count + 1, inner)

    def lr_floats(self, state: ScheduledState, h: dict) -> float:
        """``lr`` of one run: the same call (η₀ as a (1,) array, t an int)."""
        return float(self.schedule.lr(np.array([h["lr"]]), state.count)[0])

    def update_floats(self, g: list, state: ScheduledState, p: list, h: dict):
        h = {**h, "lr": self.lr_floats(state, h)}
        updates, inner = self.optimizer.update_floats(g, state.inner, p, h)
        return updates, ScheduledState(state.count + 1, inner)


# --- the chain ----------------------------------------------------------------------

class Chain:
    """Transforms applied in order; the last one gives the update (the optimizer)."""

    def __init__(self, *transforms):
        self.transforms = transforms
        # whether one run can step on floats: every part has ``update_floats``
        self.floats = all(_has_floats(t) for t in transforms)

    def init(self, params: Array, hyper: Hyper) -> tuple:
        return tuple(t.init(params, hyper) for t in self.transforms)

    def update(self, grads, state: tuple, params, hyper) -> tuple[Array, tuple]:
        updates, state, _ = self.update_seen(grads, state, params, hyper)
        return updates, state

    def update_seen(self, grads, state: tuple, params, hyper) -> tuple[Array, tuple, Array]:
        """``update``, and the gradient the last transform (the optimizer) was given."""
        return self._through("update", grads, state, params, hyper)

    def update_floats(self, g: list, state: tuple, p: list, h: dict) -> tuple[list, tuple, list]:
        """``update_seen`` for one run on Python floats (``state`` its ``state_row``, ``h``
        its hyperparameters as floats): each part's ``update_floats``, in the same order."""
        return self._through("update_floats", g, state, p, h)

    def _through(self, method: str, grads, state: tuple, params, hyper):
        """Each transform's ``method`` in turn, each one's output the next one's input:
        (the last one's update, every part's new state, the gradient the last was given)."""
        new = []
        for t, s in zip(self.transforms[:-1], state):
            grads, s = getattr(t, method)(grads, s, params, hyper)
            new.append(s)
        updates, s = getattr(self.transforms[-1], method)(grads, state[-1], params, hyper)
        return updates, (*new, s), grads

    def lr_floats(self, state: tuple, h: dict) -> float:
        """``lr`` of one run on floats."""
        last = self.transforms[-1]
        return last.lr_floats(state[-1], h) if isinstance(last, Scheduled) else h["lr"]

    def find(self, kind: type) -> Any:
        """The first transform of type ``kind``, or None."""
        return next((t for t in self.transforms if isinstance(t, kind)), None)

    def lr(self, state: tuple, hyper: Hyper) -> Array:
        """The η (runs,) the next update uses: the schedule's if one is chained, else η₀."""
        last = self.transforms[-1]
        return last.lr(state[-1], hyper) if isinstance(last, Scheduled) else hyper["lr"][:, 0]

    def optimizer_state(self, state: tuple) -> Any:
        """The optimizer's own state (torch's names: ``exp_avg``, ``momentum_buffer``, …)."""
        return state[-1].inner if isinstance(self.transforms[-1], Scheduled) else state[-1]


def _has_floats(part) -> bool:
    """Whether a part of a chain can step one run on floats (a scheduled optimizer: if the
    optimizer can; an ``Optimizer``'s ``update_floats`` may be None)."""
    if isinstance(part, Scheduled):
        part = part.optimizer
    return getattr(part, "update_floats", None) is not None


def reschedule(chain: Chain, state: tuple, schedule: Schedule | None,
               count: Array) -> tuple[Chain, tuple]:
    """``chain`` with its optimizer's schedule replaced by ``schedule`` (None: η₀ as is),
    and ``state`` carried over: the optimizer's own state kept, the schedule's step count
    kept (or ``count`` (runs,), if the chain had no schedule)."""
    last, s = chain.transforms[-1], state[-1]
    if isinstance(last, Scheduled):
        last, s, count = last.optimizer, s.inner, s.count
    if schedule is not None:
        last, s = Scheduled(last, schedule), ScheduledState(count, s)
    return Chain(*chain.transforms[:-1], last), (*state[:-1], s)


def optimizer_chain(optimizer: Optimizer, shape: tuple[int, int], *,
                    schedule: Schedule | None = None, clip_norm: float | None = None,
                    noise: float | None = None, seed: int = 0) -> Chain:
    """A run's step: seeded noise of σ = ``noise``, clipping to ``clip_norm``, then the
    optimizer at the η ``schedule`` gives (each only if given; ``shape`` = (runs, P))."""
    parts: list = []
    if noise:
        parts.append(AddNoise(noise, seed, shape))
    if clip_norm is not None:
        parts.append(ClipByNorm(clip_norm))
    parts.append(optimizer if schedule is None else Scheduled(optimizer, schedule))
    return Chain(*parts)
