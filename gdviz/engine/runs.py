"""Advancing many runs of one optimizer on one objective at once.

A ``Batch`` holds R runs as arrays with a leading run axis: params (R, P),
loss (R,), grad (R, P) and the optimizer state. ``advance()`` takes one update
for every run still going and then judges each run by the rules of
``verdicts.py`` (docs/status.md): ``diverged``, ``converged``, ``stalled`` (with
``stall``: saddle, plateau or start), ``oscillating``, and at the end of the
budget ``noise_floor`` or ``max_steps``.

Frame k is the state after k updates; frame 0 is the start. Runs that have
ended are frozen; only the active rows are evaluated, so a sweep in which most
runs finish early gets cheaper as it goes.

The objective is anything with ``loss_and_grad(params) -> (loss (R,), grad
(R, P))`` (and ``hessian`` where the curvature is known: surfaces, typed f(x, y),
2-weight models). If its ``loss_and_grad`` has a ``step`` parameter, it is called
as ``loss_and_grad(params, step=k)`` with k the number of updates taken so far —
the gradient for the update from frame k (a network picks its mini-batch by k).
A *stochastic* objective (``stochastic = True``: mini-batches) also gives
``full_loss_and_grad``, which the curvature tests read.

ONE run of one or two weights (every stream of a surface, ``POST /api/run``) steps on
Python floats where it can (``_advance_floats``): the objective's
``loss_and_grad_floats``, the chain's ``update_floats`` — the same kernels as the arrays
(optimizers.py) — and the rules on ``FLOATS``. IEEE arithmetic on a float is the
arithmetic on an array's element, so the bits are the same; where they might not be
(an inf or NaN anywhere, or Python raising where NumPy gives inf) the step is taken on
arrays instead. The arrays (params, loss, grad) are kept up to date; the optimizer's
state is built as arrays only when read (``chain_state``). Where nothing can end such a
run for a stretch of steps, they are taken ahead of their verdicts (``ahead.py``:
``run_to_end`` takes them at once, ``advance`` one at a time), with the same bits.

SEVERAL runs (a sweep, a basin map) take their steps in blocks where they can
(``advance_many``, ``blocks.py``): up to 2W − 1 steps of every run, judged at once, then
replayed in order where a run's step could change anything; the same bits again.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from functools import reduce
from itertools import accumulate
from operator import add, or_
from typing import Any, NamedTuple

import numpy as np

from . import blocks, landing, stability
from .ahead import Ahead
from . import verdicts as V
from .optimizers import Hyper, Optimizer, coupled_decay
from .schedules import Schedule
from .transforms import (AddNoise, Chain, ClipByNorm, Scheduled, clip_by_norm, optimizer_chain,
                         reschedule, state_of_row, state_row)
from .transforms import put_runs as _put
from .transforms import take_runs as _take
from .verdicts import ARRAYS, FLOATS, Stall, Status, Tolerances, norms, rows_finite

Array = np.ndarray

__all__ = ["Batch", "Status", "Stall", "Tolerances", "Trajectory", "run_to_end", "row_norms",
           "rows_finite"]


def row_norms(a: Array) -> Array:
    """‖a[r]‖₂ for each row of a (R, P) array, max-scaled (no underflow of 1e-200's square,
    no overflow of 1e200's): ``verdicts.norms``."""
    return norms(a)


def _takes_step(objective) -> bool:
    """Whether ``objective.loss_and_grad`` accepts the step number (``step=``)."""
    try:
        return "step" in inspect.signature(objective.loss_and_grad).parameters
    except (TypeError, ValueError):
        return False


class StepTerms(NamedTuple):
    """One run's next update, term by term (see ``Batch.step_terms``)."""

    g: Array
    before: dict[str, Any]
    after: dict[str, Any]
    update: Array


def _float_row(state: Any, pick) -> dict[str, Any]:
    """``_state_row`` of a one-run state held as floats (``transforms.state_row``), its
    per-weight lists as ``pick`` leaves them (``_picker``)."""
    return {name: pick(v) if isinstance(v, list) else v for name, v in zip(state._fields, state)}


def _picker(weights, floats: bool):
    """The coordinates ``weights`` (a slice, or a list of indices) of a list of floats:
    as a list of floats (``floats``), else as an array (what ``np.array(v)[weights]`` gives)."""
    if floats:
        if isinstance(weights, slice):
            return lambda v: v[weights]  # (a new list)
        return lambda v: [v[i] for i in weights]
    return lambda v: np.array(v)[weights]


def _state_row(state: Any, run: int, weights) -> dict[str, Any]:
    """Row ``run`` of an optimizer state: per-run counters and flags as Python numbers,
    per-weight buffers (runs, P) as the ``weights`` columns."""
    out: dict[str, Any] = {}
    for name, a in zip(state._fields, state):
        row = a[run]
        out[name] = row[weights].copy() if row.ndim else row.item()
    return out


class Batch:
    """R runs of one optimizer on one objective, advanced in lock-step."""

    def __init__(self, objective, optimizer: Optimizer, hyper: Hyper, starts: Array,
                 max_steps: int, tol: Tolerances = Tolerances(), *,
                 schedule: Schedule | None = None, clip_norm: float | None = None,
                 noise: float | None = None, seed: int = 0):
        """``schedule`` scales ``hyper["lr"]`` (the base rate) step by step;
        ``clip_norm`` clips each run's gradient by norm and ``noise`` adds seeded
        N(0, noise²) to it before the optimizer sees it (frames keep the true ∇L): one
        chain of transforms (transforms.py), ``self.chain``, makes each update."""
        self.objective = objective
        self.optimizer = optimizer
        self.hyper = {k: np.array(v, dtype=float) for k, v in hyper.items()}
        self.tol = tol
        self.max_steps = int(max_steps)
        params = np.array(starts, dtype=float)
        self.n_runs, self.dim = params.shape
        self._takes_step = _takes_step(objective)
        self._stochastic = bool(getattr(objective, "stochastic", False))
        self._hessian = getattr(objective, "hessian", None)
        get_minima = getattr(objective, "minima_array", None)
        self._minima = (np.asarray(get_minima(), float).reshape(-1, self.dim) if get_minima
                        else np.empty((0, self.dim)))
        # each known minimum m with 2·xtol·(1 + ‖m‖), ``_nothing_to_judge``'s margin from it
        self._minima_bounds = [(m, 2 * tol.xtol * (1 + math.hypot(*m)))
                               for m in self._minima.tolist()]
        with np.errstate(all="ignore"):
            loss, grad = self._loss_and_grad(params, 0)
        self.params, self.loss, self.grad = params, np.asarray(loss, float), grad
        self.start = params.copy()
        self.loss0 = self.loss.copy()
        self.chain: Chain = optimizer_chain(optimizer, params.shape, schedule=schedule,
                                            clip_norm=clip_norm, noise=noise, seed=seed)
        self._fs = None  # the chain's state as one run's row, when newer than the arrays
        self.chain_state = self.chain.init(params, self.hyper)
        self._noisy = self._stochastic or self.noise is not None
        self.step = 0
        self.status = np.zeros(self.n_runs, dtype=np.int8)
        self.stall = np.zeros(self.n_runs, dtype=np.int8)  # Stall, for stalled runs
        self.end_step = np.full(self.n_runs, -1, dtype=np.int64)
        w2 = 2 * tol.window
        # slot-first ring buffers: recording a step writes one contiguous row
        self._loss_hist = np.zeros((w2, self.n_runs))
        self._param_hist = np.zeros((w2, self.n_runs, self.dim))
        self._unorm_hist = np.zeros((w2, self.n_runs))
        # each step's change of what the optimizer minimises, from its gradient alone:
        # ½(d_{k−1} + d_k)·(θ_k − θ_{k−1}) (exact for a quadratic) — the loss trend the
        # oscillation test reads, untouched by a constant added to f
        self._dloss_hist = np.zeros((w2, self.n_runs))
        # a noisy run's loss per block of W steps (sum, min, max), for the noise-floor test
        nb = tol.blocks if self._noisy else 0
        self._blocks = np.zeros((3, nb, self.n_runs))
        self._n_blocks = 0
        with np.errstate(all="ignore"):
            d0 = self.effective_grad(np.arange(self.n_runs), params, grad)
            self._length0 = 1 + norms(params)
            self._start_scale = norms(d0) * self._length0
        # a network (no Hessian) reads its curvature off its last step: keep the last d
        self._prev_d = d0 if self._hessian is None else None
        self._n_active = self.n_runs
        self._active_hyper: Hyper | None = None  # ``_hyper_of_active``'s rows, while valid
        self._proposal: tuple[Array, Any, Array] | None = None
        self._ahead_until = np.full(self.n_runs, -1, dtype=np.int64)
        self._land_until = np.full(self.n_runs, -1, dtype=np.int64)
        self._landing: landing.Continuation | None = None  # the last one, remembered
        # one run (every stream and /api/run): the cheap rules run on floats
        self._floats = self.n_runs == 1
        # … and its steps too, where the objective and every part of the chain can
        self._float_step = (self.n_runs == 1 and self.dim <= 2 and self.chain.floats
                            and not self._stochastic and _steps_on_floats(objective))
        self._fh: dict | None = None  # ``hyper`` as one run's floats, while valid
        self._fnow: tuple | None = None  # (params, loss, grad arrays, then as floats)
        self._fproposal: tuple | None = None  # ``propose`` on floats: (update, state, g)
        self._fstart: tuple | None = None  # the start, its loss and scales, as floats
        self._wide: tuple | None = None  # ``_wide_norms``: (params, ‖θ‖, ‖θ − θ₀‖, disp)
        self._pace = Ahead()  # one run's steps taken ahead of their verdicts (ahead.py)
        self._block_pace = blocks.Pace()  # several runs' steps taken in blocks (blocks.py)
        self._record_history(np.arange(self.n_runs))
        self._classify(np.arange(self.n_runs))

    # -- hyperparameters -----------------------------------------------------

    def set_hyper(self, run: int, changes: dict[str, Any]) -> None:
        """Change hyperparameters of one run; they apply from the next step."""
        for name, value in changes.items():
            self.hyper[name][run] = value
        self._proposal = self._active_hyper = self._fh = self._fproposal = None
        self._pace.drop()

    def hyper_of(self, run: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in self.hyper.items():
            row = v[run]
            out[k] = float(row[0]) if row.shape == (1,) else [float(x) for x in row]
        return out

    def set_schedule(self, schedule: Schedule | None) -> None:
        """Scale the base rate by another schedule from the next step on (a branch's),
        evaluated at the updates each run has taken (the chain's part swapped:
        ``transforms.reschedule``)."""
        self.chain, self.chain_state = reschedule(self.chain, self.chain_state, schedule,
                                                  np.full(self.n_runs, self.step))
        self._proposal = self._fproposal = None
        self._float_step = self._float_step and self.chain.floats
        self._pace.drop()

    def reopen(self, run: int) -> None:
        """Let an ended run go on (a branch taken from its last step): it is running
        again and the status tests judge it afresh from the next step."""
        if self.status[run] != Status.RUNNING:
            self.status[run] = Status.RUNNING
            self.end_step[run] = -1
            self._n_active += 1
            self._active_hyper = None
            self._pace.drop()

    # -- stepping ------------------------------------------------------------

    def _loss_and_grad(self, params: Array, step: int) -> tuple[Array, Array]:
        """The objective at ``params``, for the update taken from frame ``step``."""
        if self._takes_step:
            return self.objective.loss_and_grad(params, step=step)
        return self.objective.loss_and_grad(params)

    @property
    def active(self) -> Array:
        return self.status == Status.RUNNING

    @property
    def done(self) -> bool:
        return self._n_active == 0

    @property
    def schedule(self) -> Schedule | None:
        """The learning-rate schedule in the chain, or None."""
        part = self.chain.find(Scheduled)
        return None if part is None else part.schedule

    @property
    def clip_norm(self) -> float | None:
        part = self.chain.find(ClipByNorm)
        return None if part is None else part.max_norm

    @property
    def noise(self) -> AddNoise | None:
        """The gradient noise in the chain (``.sigma``), or None."""
        return self.chain.find(AddNoise)

    @property
    def chain_state(self) -> Any:
        """The chain's state: NamedTuples of arrays, run axis first (after a float step,
        built from the run's row when first read)."""
        if self._chain_state is None:
            self._chain_state = state_of_row(self._fs)
        return self._chain_state

    @chain_state.setter
    def chain_state(self, state: Any) -> None:
        self._chain_state, self._fs = state, None

    @property
    def opt_state(self) -> Any:
        """The optimizer's own state, inside the chain's."""
        return self.chain.optimizer_state(self.chain_state)

    def lr_now(self) -> Array:
        """The learning rate (runs,) each run's next update uses (the schedule applied at
        the run's own step count: an ended run's is the one at its last frame)."""
        if self._float_step:
            return np.array([self.lr_of(0)])
        return self.chain.lr(self.chain_state, self.hyper)

    def lr_of(self, run: int) -> float:
        """The learning rate in force at run ``run``'s last frame (its schedule applied)."""
        if self._float_step:  # (the state's row, not its arrays)
            if self._fs is None:
                self._fs = state_row(self._chain_state)
            return self.chain.lr_floats(self._fs, self._hyper_floats())
        return float(self.lr_now()[run])

    def propose(self) -> Array:
        """The update every run would take next (runs, P), with current hyperparameters.

        Pure: nothing changes until ``advance()`` commits it. For a run that
        has ended it is the step it would take next.
        """
        if self._proposal is None and self._float_step:
            fp = self._float_proposal()
            if fp is not None:
                return np.array([fp[0]])
        return self._array_proposal()[0].copy()

    def _array_proposal(self) -> tuple[Array, Any, Array]:
        """(updates, chain state after, the gradient the optimizer saw), on arrays."""
        if self._proposal is None:
            with np.errstate(all="ignore"):
                self._proposal = self.chain.update_seen(self.grad, self.chain_state,
                                                        self.params, self.hyper)
        return self._proposal

    def step_terms(self, run: int = 0, weights=slice(None), floats: bool = False) -> StepTerms:
        """What the next update of run ``run`` is made of, for the coordinates ``weights``:
        the gradient the optimizer sees (after noise and clipping, before weight decay),
        its state before the update and after it (torch's names: ``momentum_buffer``,
        ``exp_avg``, ``sum``, …; ``step`` the updates taken), and the update itself — all
        from the one ``propose()`` the run will commit, so ``params + update`` is the next
        frame. Arrays are copies of row ``run`` — or, with ``floats``, for one run stepping
        on floats, lists of its floats (the same numbers, for JSON without the arrays)."""
        of = self.chain.optimizer_state
        fp = self._float_proposal() if self._float_step and self._proposal is None else None
        if fp is not None:  # one run on floats: its rows as they are
            update, after, g = fp
            return self._terms_of_floats(update, self._fs, after, g, weights, floats)
        update, after, g = self._array_proposal()
        return StepTerms(g[run, weights].copy(), _state_row(self.opt_state, run, weights),
                         _state_row(of(after), run, weights), update[run, weights].copy())

    def terms_of(self, taken, weights=slice(None)) -> StepTerms:
        """``step_terms`` of a step taken ahead (``ahead.Taken``), from the frame before it."""
        return self._terms_of_floats(taken.u, taken.before, taken.after, taken.seen, weights)

    def _terms_of_floats(self, update: list, before, after, g: list, weights,
                         floats: bool = False) -> StepTerms:
        of, pick = self.chain.optimizer_state, _picker(weights, floats)
        return StepTerms(pick(g), _float_row(of(before), pick), _float_row(of(after), pick),
                         pick(update))

    def _hyper_of_active(self, idx: Array) -> Hyper:
        """The hyperparameters of the active runs ``idx``, picked out once per set of active
        runs (a sweep's runs end at a few steps; the rows are copied again only then, or
        after ``set_hyper``/``reopen``)."""
        if self._active_hyper is None:
            self._active_hyper = {k: v[idx] for k, v in self.hyper.items()}
        return self._active_hyper

    # -- one run on floats ----------------------------------------------------

    def _floats_now(self) -> tuple[list, float, list]:
        """The run's params, loss and gradient as floats (kept from the last float step
        while the arrays are the ones it made)."""
        f = self._fnow
        if f is None or f[0] is not self.params or f[1] is not self.loss or f[2] is not self.grad:
            f = self._fnow = (self.params, self.loss, self.grad, self.params[0].tolist(),
                              float(self.loss[0]), self.grad[0].tolist())
        return f[3], f[4], f[5]

    def _hyper_floats(self) -> dict:
        """The run's hyperparameters as floats (``betas`` a pair), once per change."""
        if self._fh is None:
            self._fh = {k: float(v[0, 0]) if v.shape[1] == 1 else tuple(v[0].tolist())
                        for k, v in self.hyper.items()}
        return self._fh

    def _float_proposal(self) -> tuple[list, Any, list] | None:
        """``chain.update_seen`` of the one run on floats — (update, state after, the
        gradient the optimizer saw) — or None where floats might not give the arrays'
        bits (see the module's docstring)."""
        if self._fproposal is None:
            p, _, g = self._floats_now()
            if self._fs is None:
                self._fs = state_row(self._chain_state)
            self._fproposal = self._update_floats(p, g, self._fs, self._hyper_floats())
        return self._fproposal

    def _update_floats(self, p: list, g: list, fs: Any, h: dict) -> tuple[list, Any, list] | None:
        """The chain's update of the one run from weights ``p``, gradient ``g`` and state
        ``fs`` on floats: (update, state after, the gradient the optimizer saw), or None
        where floats might not give the arrays' bits (Python raised, or a number is not
        finite)."""
        try:
            u, after, seen = self.chain.update_floats(g, fs, p, h)
        except (ArithmeticError, ValueError):
            return None
        if not math.isfinite(sum(u) + sum(seen)):
            return None
        return u, after, seen

    def _step_floats(self, p: list, g: list, u: list) -> tuple[list, float, list, float] | None:
        """The one run's step ``u`` from ``p`` (gradient ``g``) on floats: (θ + u, its loss,
        its gradient, the step's change ½(d_old + d_new)·u of what the optimizer minimises),
        or None where floats might not give the arrays' bits. (NumPy's warnings are the
        caller's to silence: an overflow is seen here, not warned of.)"""
        try:
            new_p = [a + b for a, b in zip(p, u)]
            loss, grad = self.objective.loss_and_grad_floats(new_p)
            old_d, new_d = self._effective_grad_floats(p, g), self._effective_grad_floats(new_p, grad)
            dot = 0.0  # einsum's order: 0 + each product in turn
            for a, b, c in zip(old_d, new_d, u):
                dot += (a + b) * c
            dloss = 0.5 * dot
        except (ArithmeticError, ValueError):
            return None
        if not math.isfinite(loss + sum(grad) + sum(new_p) + dloss):
            return None
        return new_p, loss, grad, dloss

    def _effective_grad_floats(self, p: list, g: list) -> list:
        """``effective_grad`` of the one run, on floats (the same kernels)."""
        h = self._hyper_floats()
        wd = h.get("weight_decay")
        if not wd:
            return g
        if self.optimizer.id != "adamw":
            return [coupled_decay(a, b, wd) for a, b in zip(g, p)]
        eps = h["eps"]
        return [a + (_adamw_shift(eps, wd, b, pull) if (pull := _pull(wd, abs(b))) < 1
                     else math.inf * _sign(b)) for a, b in zip(g, p)]

    def _advance_floats(self) -> Array | None:
        """``advance`` for one run on floats; None (nothing changed) where the step must
        be taken on arrays."""
        fp = self._float_proposal()
        if fp is None:
            return None
        u, after, _ = fp
        p, _, g = self._floats_now()
        with np.errstate(all="ignore"):
            taken = self._step_floats(p, g, u)
        if taken is None:
            return None
        new_p, loss, grad, dloss = taken
        self.params, self.loss, self.grad = np.array([new_p]), np.array([loss]), np.array([grad])
        self._fnow = (self.params, self.loss, self.grad, new_p, loss, grad)
        self._chain_state, self._fs = None, after
        self._proposal = self._fproposal = None
        self.step += 1
        idx = np.zeros(1, np.intp)
        self._record_history(idx, FLOATS.norm(u), dloss)
        self._classify(idx)
        return idx

    def advance(self) -> Array:
        """Take one step for every active run; return the indices that stepped.

        Uses the cached proposal if ``propose()`` made one; otherwise only the
        active rows go through the optimizer (ended runs cost nothing). One run steps
        on floats where it can (``_advance_floats``), and takes its steps from those found
        quiet ahead of their verdicts where there are some (``ahead.py``): the same step."""
        if self._float_step and self._n_active == 1 and self._pace.step(self):
            return np.zeros(1, np.intp)
        return self._advance()

    def _advance(self) -> Array:
        """``advance``, judging this step now (nothing taken from the steps found ahead)."""
        if self._float_step and self._n_active == 1:
            idx = self._advance_floats()
            if idx is not None:
                return idx
        # every run still going (the common case): skip the status scan
        idx = (np.arange(self.n_runs) if self._n_active == self.n_runs
               else np.flatnonzero(self.active))
        if idx.size == 0:
            return idx
        everyone = idx.size == self.n_runs
        with np.errstate(all="ignore"):
            updates, new_state = self._next_update(idx)
            old_params = self.params if everyone else self.params[idx]
            params, loss, grad, dloss = self._step_from(
                idx, old_params, self.grad if everyone else self.grad[idx], updates,
                self.step + 1)
            if everyone:
                self.params, self.loss, self.grad = params, loss, grad
                self.chain_state = new_state
            else:
                self.params[idx], self.loss[idx], self.grad[idx] = params, loss, grad
                self.chain_state = _put(self.chain_state, idx, new_state)
            if not self._floats:
                unorm = row_norms(updates)
            elif self.dim <= 7:
                unorm = np.array([FLOATS.norm(updates[0].tolist())])
            else:
                unorm = self._wide_norms(updates)
        self.step += 1
        self._record_history(idx, unorm, dloss)
        self._classify(idx)
        return idx

    def _next_update(self, idx: Array) -> tuple[Array, Any]:
        """(updates, chain state after) of the active runs ``idx`` from their state now: the
        cached proposal's rows if ``propose`` made one (then dropped), else the chain's."""
        everyone = idx.size == self.n_runs
        if self._proposal is not None:
            updates, new_state, _ = self._proposal
            if not everyone:
                updates, new_state = updates[idx], _take(new_state, idx)
        elif not everyone:
            updates, new_state = self.chain.update(self.grad[idx], _take(self.chain_state, idx),
                                                   self.params[idx], self._hyper_of_active(idx))
        else:
            updates, new_state = self.chain.update(self.grad, self.chain_state, self.params,
                                                   self.hyper)
        self._proposal = self._fproposal = None
        return updates, new_state

    def _step_from(self, idx: Array, params: Array, grad: Array, updates: Array,
                   step: int) -> tuple[Array, Array, Array, Array]:
        """The runs ``idx`` at ``params`` (gradient ``grad``) moved by ``updates`` to frame
        ``step``: (params, loss, grad, dloss), dloss = ½(d_{k−1} + d_k)·u the change of what
        the optimizer minimises that the trend test reads (``_dloss_hist``)."""
        old_d = self.effective_grad(idx, params, grad)
        params = params + updates
        loss, grad = self._loss_and_grad(params, step)
        new_d = self.effective_grad(idx, params, grad)
        dloss = 0.5 * np.einsum("rp,rp->r", old_d + new_d, updates)
        return params, np.asarray(loss, float), grad, dloss

    def advance_many(self, most: int) -> int:
        """Take up to ``most`` steps (one at least, unless every run has ended), each judged
        as ``advance`` judges it; how many were taken. A batch of several runs takes them
        in one block where it can (``blocks.py``): its statuses, end steps and state are
        those of ``advance``, step by step (the steps inside a block are not seen: a caller
        that records every frame steps with ``advance``)."""
        if most > 1 and blocks.can_block(self):
            n = blocks.take(self, most)
            if n:
                return n
        self.advance()
        return 1

    def run(self) -> None:
        while not self.done:
            self.advance_many(self.max_steps)

    # -- what the optimizer follows -------------------------------------------

    def effective_grad(self, idx: Array, params: Array, grad: Array) -> Array:
        """d, the gradient whose zero is the optimizer's fixed point, for runs ``idx``:
        ∇f + λθ with coupled weight decay λ (every optimizer but AdamW); for AdamW
        (θ ← θ(1 − ηλ) − η·m̂/(√v̂ + ε)), whose fixed point has ∇f/(|∇f| + ε) = −λθ per
        weight, d = ∇f + ελθ/(1 − λ|θ|) (inf where λ|θ| ≥ 1: no fixed point there)."""
        wd = self.hyper.get("weight_decay")
        if wd is None:
            return grad
        lam = wd if idx.size == self.n_runs else wd[idx]
        if not np.count_nonzero(lam):  # (NaN counts, as in .any(); a few µs cheaper)
            return grad
        if self.optimizer.id != "adamw":
            return coupled_decay(grad, params, lam)
        eps = self.hyper["eps"][idx]
        with np.errstate(all="ignore"):
            pull = _pull(lam, np.abs(params))
            shift = np.where(pull < 1, _adamw_shift(eps, lam, params, pull),
                             np.inf * np.sign(params))
        return grad + shift

    def _followed_hessian(self, runs: Array, params: Array) -> Array:
        """(m, P, P): the Hessian of what the optimizer follows at ``params`` (of the runs
        ``runs``): the objective's, plus the weight decay's curvature on the diagonal
        (``_curvature_shift``; with no weight decay, + 0.0: the same bits as adding its
        zeros, −0.0 read as 0.0)."""
        h = self._hessian(params)
        if self.hyper.get("weight_decay") is None:
            return h + 0.0
        return h + _diag(self._curvature_shift(runs, params))

    def _curvature_shift(self, idx: Array, params: Array) -> Array:
        """What the weight decay adds to the Hessian of what the optimizer follows (m, P):
        λ for coupled decay, ελ/(1 − λ|θ|)² for AdamW's fixed point."""
        wd = self.hyper.get("weight_decay")
        if wd is None:
            return np.zeros_like(params)
        lam = wd[idx] * np.ones_like(params)
        if self.optimizer.id != "adamw":
            return lam
        with np.errstate(all="ignore"):
            return _adamw_curvature(self.hyper["eps"][idx], lam, _pull(lam, np.abs(params)))

    # -- classification ------------------------------------------------------

    def _record_history(self, idx: Array, unorm: Array | None = None,
                        dloss: Array | None = None) -> None:
        slot = self.step % (2 * self.tol.window)
        if idx.size == self.n_runs:
            self._loss_hist[slot] = self.loss
            self._param_hist[slot] = self.params
            self._unorm_hist[slot] = 0.0 if unorm is None else unorm
            self._dloss_hist[slot] = 0.0 if dloss is None else dloss
        else:
            self._loss_hist[slot, idx] = self.loss[idx]
            self._param_hist[slot, idx] = self.params[idx]
            self._unorm_hist[slot, idx] = 0.0 if unorm is None else unorm
            self._dloss_hist[slot, idx] = 0.0 if dloss is None else dloss
        w = self.tol.window
        if self._blocks.shape[1] and self.step >= w and self.step % w == 0:
            newer = [self._loss_hist[(self.step - j) % (2 * w)] for j in range(w - 1, -1, -1)]
            k = self._n_blocks % self._blocks.shape[1]
            self._blocks[0, k] = ARRAYS.fold(newer)
            self._blocks[1, k] = ARRAYS.fold(newer, ARRAYS.minimum)
            self._blocks[2, k] = ARRAYS.fold(newer, ARRAYS.maximum)
            self._n_blocks += 1

    def _order(self, step: int | None = None) -> list[int]:
        """The ring's slots, oldest … newest, as they were at ``step`` (default: now; a run
        that ended earlier has its slots frozen as they were at its end)."""
        n2 = 2 * self.tol.window
        step = self.step if step is None else step
        return [(step + 1 + j) % n2 for j in range(n2)]

    def _last_step(self, run: int) -> int:
        """The step of the run's last frame (its end step, or now)."""
        return int(self.end_step[run]) if self.end_step[run] >= 0 else self.step

    def _cheap_rules(self, ops, loss, length, away, loss0, start_scale, length0, step_len,
                     finite, window=None):
        """The rules that need no curvature, in ``ops`` (floats for one run, or arrays):
        (diverged, settled, crawling, bouncing with no trend). ``length`` is 1 + ‖θ‖ and
        ``away`` ‖θ − θ₀‖ (``norms``; on floats ``_lengths_floats``); ``window`` (None
        before 2W steps) reads the last 2W steps (``_FloatWindow``, ``_RingWindow``).

        Each window rule is evaluated only where its answer can change the verdict
        (``ops.only_where``), on the same numbers in the same order as everywhere else,
        so what it gives there is what it always gave: ``crawling`` where the run is live
        and its last step was short (only ``_judge`` reads it); ``bouncing`` where the
        run is live, not noisy (a noisy run's bounce is judged at the end by other
        tests) and ``window.might_bounce`` (a bound that rules out only runs that surely
        do not bounce); the trend test only where the run bounces. Elsewhere they are
        False."""
        tol = self.tol
        div = V.diverged(finite, loss - loss0, start_scale, away, length0, tol)
        settled = V.settled(step_len, length, tol)
        return (div, settled) + self._window_rules(ops, div, settled, length, window)

    def _window_rules(self, ops, div, settled, length, window):
        """(crawling, bouncing with no trend) over the last 2W steps, each evaluated only
        where it can change the verdict (see ``_cheap_rules``); (False, False) before 2W
        steps and for a noisy run."""
        if window is None or self._noisy:
            return False, False
        tol = self.tol
        live = ops.not_(div)
        crawl = ops.only_where(live & settled, lambda sub: _crawls(
            ops, window.steps(sub), ops.pick(length, sub), tol))
        bounce = ops.only_where(live & window.might_bounce(), lambda sub: _bounces(
            ops, window.steps(sub), window.disp(sub), tol))
        osc = ops.only_where(bounce, lambda sub: _no_trend(ops, window.losses(sub), tol))
        return crawl, osc

    def _float_rules(self) -> tuple[bool, bool, bool]:
        """One run, in floats: (whether a rule other than the verdict near a minimum could
        end it this step, its last step was short — ``settled`` —, it is crawling). The
        same rule functions as the array path, on the same numbers in the same order, so
        both decide alike: when nothing but ``_judge`` could end the run, the arrays are
        not built at all. A network's many weights stay in their arrays: only its norms
        (``norms``, one row) and the loss are read as floats."""
        wide = self.dim > 7
        if wide:
            loss = float(self.loss[0])
            step_norms = self._wide_now()  # a finite ‖θ‖ has every weight finite
            finite = (FLOATS.isfinite(loss)
                      and (step_norms is not None and FLOATS.isfinite(step_norms[1])
                           or bool(rows_finite(self.params)[0]))
                      and bool(rows_finite(self.grad)[0]))
        else:
            p, loss, g = self._floats_now()
            finite = FLOATS.isfinite(loss) and all(map(FLOATS.isfinite, p)) and all(
                map(FLOATS.isfinite, g))
        if not finite or self.step >= self.max_steps:
            return True, False, False
        window = _FloatWindow(self) if self.step >= 2 * self.tol.window else None
        step_len = self._step_length()[0] if self.step == 0 else float(
            self._unorm_hist[self.step % (2 * self.tol.window), 0])
        length, away = self._lengths_floats()
        div, settled, crawl, osc = self._cheap_rules(FLOATS, loss, length, away,
                                                     *self._start_floats()[1:], step_len, True,
                                                     window)
        return bool(div or osc), bool(settled), bool(crawl)

    def _wide_norms(self, updates: Array) -> Array:
        """One network run's step: ‖update‖ (returned, (1,)) and the norms its rules read at
        this step, all in one ``norms`` call over their rows — ‖θ‖, ‖θ − θ₀‖ and, once the
        window is full, the window's displacement ‖θ − θ_oldest‖ (``_FloatWindow.disp``):
        kept in ``_wide`` for the new ``params`` (called after they are set, before the
        step is recorded). One call on four rows instead of four on one: ``norms`` takes
        each row alone, so the bits are those of four calls."""
        n2 = 2 * self.tol.window
        rows = [updates, self.params, self.params - self.start]
        window = self.step + 1 >= n2  # ``_FloatWindow`` at the step about to be recorded
        if window:  # the oldest slot then, not yet overwritten: (step + 1) + 1
            rows.append(self.params - self._param_hist[(self.step + 2) % n2])
        n = norms(np.concatenate(rows)).tolist()
        self._wide = (self.params, n[1], n[2], n[3] if window else None)
        return np.array(n[:1])

    def _wide_now(self) -> tuple | None:
        """``_wide`` if it was taken at the current params, else None."""
        w = self._wide
        return w if w is not None and w[0] is self.params else None

    def _lengths_floats(self) -> tuple[float, float]:
        """1 + ‖θ‖ and ‖θ − θ₀‖ of the one run, as floats, with the arrays' bits: folded in
        order (``FLOATS.norm``, = ``norms`` column by column) for a surface, ``norms``' own
        form of one row for a network's many weights (taken with the step's other norms,
        ``_wide_norms``, when it stepped through ``advance``)."""
        if self.dim > 7:
            wide = self._wide_now()
            if wide is not None:
                return 1 + wide[1], wide[2]
            return 1 + float(norms(self.params)[0]), float(norms(self.params - self.start)[0])
        p, start = self._floats_now()[0], self._start_floats()[0]
        return 1 + FLOATS.norm(p), FLOATS.norm([a - b for a, b in zip(p, start)])

    def _start_floats(self) -> tuple[list, float, float, float]:
        """The one run's start, its loss, ``_start_scale`` and ``_length0`` as floats (they
        never change: read once)."""
        if self._fstart is None:
            self._fstart = (self.start[0].tolist(), float(self.loss0[0]),
                            float(self._start_scale[0]), float(self._length0[0]))
        return self._fstart

    def _nothing_to_judge(self, idx: Array, crawl: bool) -> bool:
        """One run, in floats: whether ``_judge`` would certainly end nothing this step, so
        the arrays it builds are skipped — a crawl (a plateau, η far too small) has a short
        step every step (``_surely_nothing_to_judge``)."""
        return bool(self._surely_nothing_to_judge(FLOATS, idx, crawl))

    def _surely_nothing_to_judge(self, ops, runs: Array, crawl):
        """Per run of ``runs`` (floats for one run, or arrays): whether ``_judge`` would end
        nothing and change nothing there — ``V.surely_not_stationary``, for an exact Hessian
        of 1 or 2 weights, deterministic gradients, and no look ahead due (a crawling run's
        ``minimum_ahead``, every W steps). Anything else is left to ``_judge``."""
        if self._hessian is None or self.dim > 2 or self._stochastic:
            return False if ops is FLOATS else np.zeros(len(runs), bool)
        look = (crawl & ops.not_(self._noisy)) & (self._ahead_until[runs] < self.step)
        if ops is FLOATS and look[0]:
            return False
        if ops is FLOATS and self._float_step:  # a surface's or curve's one run: on floats
            hessian, d, p, bounds = self._stationary_floats()
            return (V.surely_not_stationary(FLOATS, hessian, d, p, bounds, self.tol)
                    or self._surely_leaves(FLOATS, runs, hessian, p[:self.dim], d[:self.dim]))
        hessian, d, p, bounds = self._stationary_columns(ops, runs, self.params[runs],
                                                         self.grad[runs])
        far = V.surely_not_stationary(ops, hessian, d, p, bounds, self.tol)
        if ops is FLOATS:
            return far or self._surely_leaves(FLOATS, runs, hessian, p[:self.dim], d[:self.dim])
        rest = np.flatnonzero(~far & ~look)  # (the rows still in question)
        if rest.size:
            far[rest] = self._surely_leaves(ARRAYS, runs[rest], [c[rest] for c in hessian],
                                            [c[rest] for c in p[:self.dim]],
                                            [c[rest] for c in d[:self.dim]])
        return far & ~look

    def _stationary_columns(self, ops, runs: Array, p: Array, g: Array) -> tuple:
        """(the Hessian's (H₀₀, H₁₀, H₁₁); d; θ; the known minima's bounds) as columns, for
        ``V.surely_not_stationary``, at weights ``p`` with gradient ``g`` ((m, P) arrays) of
        the runs ``runs`` (a run may be named again for each of its steps): the Hessian and
        gradient of what the optimizer follows, one weight x read as (x, 0) with the Hessian
        diag(f″, f″). In ``ops``: one row's floats, or arrays of the m rows."""
        h = self._hessian(p)
        wd = self.hyper.get("weight_decay")
        if wd is not None and np.count_nonzero(wd[runs]):  # what the optimizer follows
            d = self.effective_grad(runs, p, g)
            h = h + _diag(self._curvature_shift(runs, p))
        else:
            d = g
        if ops is FLOATS:
            p, h, d = p[0].tolist(), h[0].tolist(), d[0].tolist()
        else:
            p, h, d = p.T, h.transpose(1, 2, 0), d.T
        if self.dim == 1:
            zero = 0.0 if ops is FLOATS else np.zeros(len(runs))
            return ((h[0][0], zero, h[0][0]), (d[0], zero), (p[0], zero),
                    [((m[0], 0.0), bound) for m, bound in self._minima_bounds])
        return (h[0][0], h[1][0], h[1][1]), d, p, self._minima_bounds

    def _surely_leaves(self, ops, runs: Array, hessian, theta, d):
        """Per run of ``runs`` (floats for one run, or arrays) that may sit at a minimum:
        whether ``_judge`` would still end nothing and change nothing, because at a minimum
        ``_stays`` would surely find the run thrown out again within the horizon — Adam or
        RMSprop circling a minimum, whose gain grows as v forgets, asks this every step.
        ``hessian`` (H₀₀, H₁₀, H₁₁) (one weight: (a, 0, a)), the weights ``theta`` and the
        gradient followed ``d`` are columns, as ``_surely_nothing_to_judge`` reads them.

        Only where every other outcome of ``_judge`` is ruled out: no noise, no weight decay;
        the Hessian positive definite with a margin (not a saddle, not flat); the gradient
        not exactly 0 and some update over an ulp of its weight, now or at the gain of the
        horizon's last slice (so the run is not frozen in floats past that slice's start);
        the exact continuation not due (``_land_until``: it would change state); and the gain
        at the horizon's last slice making the map surely unstable there
        (``V.surely_leaves``). A crawling run's look ahead is ruled out by the caller."""
        one = ops is FLOATS
        if self._noisy or self.noise is not None:
            return False if one else np.zeros(len(runs), bool)
        if one:
            if self._hyper_floats().get("weight_decay") or self._land_until[0] < self.step:
                return False
            fine = True
        else:
            fine = self._land_until[runs] >= self.step
            wd = self.hyper.get("weight_decay")
            if wd is not None:
                fine &= wd[runs, 0] == 0
        u = self.propose()[runs]
        if one:  # the gains now and at the last slice's start
            kind, mu, gain_at = self._gain_model_floats()
            try:
                now, last = gain_at(0.0), gain_at(float(V.SLICE_ENDS[-2]))
            except (ArithmeticError, ValueError):
                return False
            u = u[0].tolist()
        else:
            kind, mu, gain_at = self._gain_model(runs)
            with np.errstate(all="ignore"):
                gains = np.broadcast_to(gain_at(V.SLICE_ENDS[[0, -2], None, None]),
                                        (2, len(runs), self.dim))
            u, now, last = u.T, gains[0].T, gains[1].T
        try:
            with np.errstate(all="ignore"):
                # some update over an ulp of its weight now, or once the gain has grown to
                # the last slice's (``_stays``' ``still`` and ``until``: with room, half an
                # ulp asked)
                lifted = [ops.isfinite(a) & ops.isfinite(b)
                          & (ops.abs(x) * ops.maximum(1.0, b / a) > np.spacing(ops.abs(w)))
                          for x, w, a, b in zip(u, theta, now, last)]
                moving = [ops.abs(g) > 0 for g in d]
                out = (fine & reduce(or_, lifted) & reduce(or_, moving)
                       & V.surely_positive_definite(ops, hessian)
                       & V.surely_leaves(ops, kind, [b * c for b, c in zip(
                           last, (hessian[0], hessian[2])[:self.dim])], mu, self.tol))
        except (ArithmeticError, ValueError):  # floats only (a 0 gain, say): no skip
            return False
        return bool(out) if one else out

    def _stationary_floats(self) -> tuple[tuple, list, list, list]:
        """(the Hessian's hxx, hxy, hyy; d; θ; the known minima's bounds) of the one run of
        a surface or a curve, on floats, as ``_surely_nothing_to_judge`` builds them on
        arrays: the weight decay's curvature added to the diagonal, 0.0 to the rest; one
        weight x read as (x, 0) with the Hessian diag(f″, f″)."""
        p, _, g = self._floats_now()
        with np.errstate(all="ignore"):
            h = self.objective.hessian_floats(p)
        hyper = self._hyper_floats()
        wd = hyper.get("weight_decay")
        if wd:
            if self.optimizer.id == "adamw":
                eps = hyper["eps"]
                shift = [_adamw_curvature(eps, wd, _pull(wd, abs(b))) for b in p]
            else:
                shift = [wd * 1.0 for _ in p]
            d = self._effective_grad_floats(p, g)
        else:
            shift, d = None, g
        if self.dim == 1:
            hxx = h[0] if shift is None else h[0] + shift[0]
            return ((hxx, 0.0, hxx), [d[0], 0.0], [p[0], 0.0],
                    [((m[0], 0.0), bound) for m, bound in self._minima_bounds])
        hxx, hxy, hyy = h
        if shift is not None:
            hxx, hxy, hyy = hxx + shift[0], hxy + 0.0, hyy + shift[1]
        return (hxx, hxy, hyy), d, p, self._minima_bounds

    def _step_length(self) -> Array:
        """‖θ_k − θ_{k−1}‖ for every run; at step 0 the length of the step it is about to
        take (a run whose first step leaves the start has not converged there)."""
        if self.step == 0:
            return row_norms(self.propose())
        return self._unorm_hist[self.step % (2 * self.tol.window)]

    def _classify(self, idx: Array) -> None:
        if self._floats and idx.size == 1:
            ending, settled, crawl = self._float_rules()
            if not ending:  # only the verdict near a minimum can end it (or nothing)
                settled = settled and not self._nothing_to_judge(idx, crawl)
                if settled:
                    status, stall = np.zeros(1, np.int8), np.zeros(1, np.int8)
                    self._judge(idx, np.zeros(1, np.intp), status, stall, crawl)
                    stall[status != Status.STALLED] = Stall.NONE
                if self._prev_d is not None:
                    self._prev_d = self.effective_grad(idx, self.params, self.grad)
                if settled:
                    self._end(idx, status, stall)
                return
        w = self.tol.window
        p, loss, g = self.params[idx], self.loss[idx], self.grad[idx]
        with np.errstate(all="ignore"):
            finite = np.isfinite(loss) & rows_finite(p) & rows_finite(g)
            window = _RingWindow(self, idx) if self.step >= 2 * w else None
            # ‖θ‖, ‖θ − θ₀‖: ``norms`` (columns folded in order, as on floats, for a surface)
            div, settled, crawl, osc = self._cheap_rules(
                ARRAYS, loss, 1 + norms(p), norms(p - self.start[idx]), self.loss0[idx],
                self._start_scale[idx], self._length0[idx], self._step_length()[idx],
                finite, window)
            status = np.zeros(idx.size, dtype=np.int8)
            stall = np.zeros(idx.size, dtype=np.int8)
            live = ~div
            cand = np.flatnonzero(live & settled)
            if cand.size:  # (those surely far from a stationary point are left out)
                crawling = np.broadcast_to(np.asarray(crawl, bool), idx.shape)[cand]
                cand = cand[~self._surely_nothing_to_judge(ARRAYS, idx[cand], crawling)]
            if cand.size:
                self._judge(idx, cand, status, stall, crawl)
            if window and not self._noisy:
                osc = live & (status == 0) & osc
                if osc.any():
                    osc[osc] = self._schedule_done(idx[osc])
                status[osc] = Status.OSCILLATING
            if self.step >= self.max_steps:
                self._at_the_end(idx, status, live, osc & live)
            status[div] = Status.DIVERGED
            stall[status != Status.STALLED] = Stall.NONE
            if self._prev_d is not None:
                self._prev_d[idx] = self.effective_grad(idx, p, g)
        self._end(idx, status, stall)

    def _end(self, idx: Array, status: Array, stall: Array) -> None:
        """The runs ``idx`` whose ``status`` is not 0 end at this step."""
        ended = status != 0
        self.status[idx[ended]] = status[ended]
        self.stall[idx[ended]] = stall[ended]
        self.end_step[idx[ended]] = self.step
        n = int(ended.sum())
        if n:
            self._n_active -= n
            self._active_hyper = None

    # -- the curvature tests (candidates only) ---------------------------------

    def _judge(self, idx: Array, cand: Array, status: Array, stall: Array, crawl) -> None:
        """For the runs ``idx[cand]`` whose last step was short: converged (at a minimum),
        stalled at a saddle or on a flat spot, or — crawling — stalled on a plateau.

        A crawling run found heading for a minimum is looked at again after W steps
        (``_ahead_until``), so a slow run does not pay for Newton's iteration every step."""
        tol = self.tol
        runs = idx[cand]
        pts = self.params[runs]
        point = self._read_point(runs, pts)
        known = V.near_known(pts, self._minima, tol)
        at_min = (point.stationary & point.minimum) | known
        if at_min.any():  # … and it would stay there
            dev = np.where(np.isfinite(point.newton), point.newton,
                           V.distance_to_known(pts, self._minima))
            at_min[at_min] = self._stays(runs[at_min], pts[at_min], dev[at_min])
        saddle = point.stationary & ~point.minimum & ~known
        status[cand[at_min]] = Status.CONVERGED
        status[cand[saddle]] = Status.STALLED
        stall[cand[saddle]] = Stall.SADDLE
        if not self._noisy:  # a flat spot: no gradient, no curvature; nothing moves it
            flat = cand[point.flat & ~known]
            status[flat], stall[flat] = Status.STALLED, Stall.PLATEAU
        if self._noisy:  # noise moves a run off a slow crawl
            return
        crawl = np.broadcast_to(np.asarray(crawl, bool), idx.shape)[cand]
        slow = crawl & (status[cand] == 0) & self._lr_not_cut(runs)
        slow &= self._ahead_until[runs] < self.step
        if not slow.any():
            return
        ahead, _ = self.minimum_ahead(runs[slow], pts[slow])
        self._ahead_until[runs[slow][ahead]] = self.step + tol.window
        which = np.flatnonzero(slow)[~ahead]
        status[cand[which]] = Status.STALLED
        # with no curvature to read (a network), a run that never moved faster than a crawl
        # since its start is stuck *at* its start (e.g. zeros init); else on a plateau
        moved = norms(pts[which] - self.start[runs[which]])
        never = (self._hessian is None) & (
            moved <= tol.crawl * self._length0[runs[which]] * max(self.step, 1))
        stall[cand[which]] = np.where(never, Stall.START, Stall.PLATEAU)

    def _gain_model(self, runs: Array):
        """(kind, μ, gain_at): each run's optimizer near a minimum as the linear map
        θ ← θ − G·H(θ − θ*) with momentum μ (``V.spectral_radius``' kinds), and
        ``gain_at(t)`` (m, P) its per-weight gain G t steps from now (t broadcasts: a
        float, or an array of slices). See ``_stays``; the gains are ``_adam_gain`` and its kin."""
        opt = self.optimizer.id
        with np.errstate(all="ignore"):
            lr = self.lr_now()[runs][:, None]
            ones = np.ones((len(runs), self.dim))
            if opt in ("gd", "momentum", "nesterov"):
                mu = self.hyper["momentum"][runs, 0] if opt != "gd" else np.zeros(len(runs))
                damp = self.hyper["dampening"][runs] if opt == "momentum" else 0.0
                fixed = _sgd_gain(lr, damp) * ones
                return _KINDS[opt], mu, lambda t: fixed
            state = _take(self.opt_state, runs)
            if opt == "adagrad":
                fixed = _adagrad_gain(lr, self.hyper["lr_decay"][runs], state.step[:, None],
                                      state.sum, self.hyper["eps"][runs], np.sqrt)
                return "plain", np.zeros(len(runs)), lambda t: fixed
            if opt == "rmsprop":
                alpha, eps, v = self.hyper["alpha"][runs], self.hyper["eps"][runs], state.square_avg
                return "heavy", self.hyper["momentum"][runs, 0], (
                    lambda t: _rmsprop_gain(lr, alpha, eps, v, t, np.sqrt))
            # adam, adamw: m is β₁-averaged, i.e. heavy-ball with dampening 1 − β₁
            b1, b2 = self.hyper["betas"][runs, 0:1], self.hyper["betas"][runs, 1:2]
            eps, v = self.hyper["eps"][runs], state.exp_avg_sq
            k = state.step[:, None].astype(float)
            return "heavy", b1[:, 0], lambda t: _adam_gain(lr, b1, b2, eps, k, v, t, np.sqrt)

    def _gain_model_floats(self):
        """``_gain_model`` of the one run, on its floats: (kind, μ, gain_at) with
        ``gain_at(t)`` a list of the per-weight gains t steps from now (a float t; it may
        raise ``ArithmeticError`` or ``ValueError`` where the arrays would give inf or NaN)."""
        opt, h, lr = self.optimizer.id, self._hyper_floats(), self.lr_of(0)
        if opt in ("gd", "momentum", "nesterov"):
            fixed = [_sgd_gain(lr, h["dampening"] if opt == "momentum" else 0.0)] * self.dim
            return _KINDS[opt], h["momentum"] if opt != "gd" else 0.0, lambda t: fixed
        if self._fs is None:
            self._fs = state_row(self._chain_state)
        state = self.chain.optimizer_state(self._fs)
        if opt == "adagrad":
            fixed = [_adagrad_gain(lr, h["lr_decay"], state.step, s, h["eps"], math.sqrt)
                     for s in state.sum]
            return "plain", 0.0, lambda t: fixed
        if opt == "rmsprop":
            return "heavy", h["momentum"], lambda t: [
                _rmsprop_gain(lr, h["alpha"], h["eps"], v, t, math.sqrt) for v in state.square_avg]
        (b1, b2), eps, k = h["betas"], h["eps"], float(state.step)
        return "heavy", b1, lambda t: [_adam_gain(lr, b1, b2, eps, k, v, t, math.sqrt)
                                       for v in state.exp_avg_sq]

    def _stays(self, runs: Array, pts: Array, deviation: Array) -> Array:
        """Whether a run ``deviation`` from a minimum stays within ``xtol`` of it for
        ``HORIZON`` more steps (the largest budget): ``verdicts.steps_to_leave`` on the
        optimizer's linear map there.

        Near a minimum every optimizer is θ ← θ − G·H(θ − θ*) (with its momentum) for a
        per-weight gain G: η for SGD; η/(√s + ε) for Adagrad, whose s only grows; η/(√v + ε)
        for RMSprop and Adam, whose v forgets (× α or β₂ a step) once the gradient is tiny,
        so their gain grows toward η/ε and the minimum, stable now, turns unstable: an
        exact minimum is left again after hundreds (RMSprop) or thousands (Adam) of steps.
        A gradient of exactly 0 in floats never moves the run at all — here, or at the
        minimum's nearest double when the run already sits on it."""
        if self._hessian is None:
            return np.ones(len(runs), bool)
        with np.errstate(all="ignore"):
            h = self._followed_hessian(runs, pts)
            kind, mu, gain_at = self._gain_model(runs)
            visible = self.tol.xtol * (1 + norms(pts))
            floor = 1e-16 * (1 + norms(pts))
            # frozen in floats: every update below half an ulp of its weight, so θ + u = θ
            # exactly, until the growing gain lifts the update to half an ulp
            u = self.propose()[runs]
            half_ulp = 0.5 * np.spacing(np.abs(pts))
            still = (np.abs(u) <= half_ulp).all(1)
            g0 = gain_at(0.0)
            ts = V.SLICE_ENDS
            gains = np.broadcast_to(gain_at(ts[:, None, None]), ts.shape + pts.shape)
            lifted = ((gains / g0) * np.abs(u) > half_ulp).any(2)
            until = np.where(lifted.any(0), ts[np.argmax(lifted, axis=0)], np.inf)
            until = np.where(still, until, 0.0)
            seed = np.where(still, floor, np.maximum(deviation, floor))
            leave = V.steps_to_leave(kind, h, gains[:-1], mu, seed, visible, frozen_until=until)
            grad = self._grad_at(runs, pts) if self._stochastic else self.grad[runs]
            frozen = ~(np.abs(self.effective_grad(runs, pts, grad)) > 0).any(1)
            # a run that will come to rest in floats — on a double where the gradient it
            # follows and its update are both exactly 0 — never moves again: continue it
            # exactly for LAND_STEPS steps to see (looked at again W steps later if not)
            sub = np.flatnonzero(np.isfinite(leave) & ~frozen
                                 & (self._land_until[runs] < self.step))
            if sub.size and not self._stochastic and self.noise is None:
                # (only where such a double exists: Newton's point, a few steps on, has a
                # gradient of exactly 0 — e.g. Booth's (1, 3); most minima have none, and
                # where Newton's point has none, that too is looked at again W steps later)
                x = pts[sub].copy()
                for _ in range(3):
                    d = self.effective_grad(runs[sub], x, self._grad_at(runs[sub], x))
                    hx = self._followed_hessian(runs[sub], x)
                    x = x + V.newton_distance(hx, d)[2]
                d = self.effective_grad(runs[sub], x, self._grad_at(runs[sub], x))
                none = (np.abs(d) > 0).any(1)
                self._land_until[runs[sub[none]]] = self.step + self.tol.window
                sub = sub[~none]
            if sub.size and not self._stochastic and self.noise is None:
                lands = self._lands(runs[sub])
                frozen[sub] |= lands
                self._land_until[runs[sub][~lands]] = self.step + self.tol.window
        return ~np.isfinite(leave) | frozen

    def _lands(self, runs: Array) -> Array:
        """Whether each run, continued exactly from its state (its optimizer, η now, every
        bit as the next steps would be), comes to rest within ``V.LAND_STEPS`` steps
        (``landing.lands``; the continuation is remembered for the next time these runs are
        asked, unless a schedule moves η)."""
        hyper = {k: v[runs] for k, v in self.hyper.items()}
        if self.schedule is not None:
            hyper["lr"] = self.lr_now()[runs][:, None]
        if self._float_step:  # one run of a surface or a curve: continued on its floats
            try:
                return self._lands_floats(runs, hyper)
            except landing.NotOnFloats:
                self._landing = None
        clip = self.clip_norm

        def update(g, state, p):
            return self.optimizer.update(clip_by_norm(g, clip) if clip is not None else g,
                                         state, p, hyper)

        step = self.step
        out, memo = landing.lands(
            self._landing if self.schedule is None else None, runs, hyper, self.chain, step,
            self.params[runs], self.grad[runs], _take(self.opt_state, runs), update,
            lambda p: self._loss_and_grad(p, step)[1],
            lambda p, g: self.effective_grad(runs, p, g))
        self._landing = memo
        return out

    def _lands_floats(self, runs: Array, hyper: dict) -> Array:
        """``_lands`` of the one run on its floats: the optimizer's float kernels (after the
        clip's, if any) with η now, the objective's float gradient — the float step's own
        parts, so the same bits (``landing.continue_floats``; ``NotOnFloats`` where not)."""
        h = {**self._hyper_floats(), "lr": self.lr_of(0)}
        clip = self.chain.find(ClipByNorm)
        if self._fs is None:
            self._fs = state_row(self._chain_state)

        def update(g, state, p):
            if clip is not None:
                g = clip.update_floats(g, None, p, h)[0]
            return self.optimizer.update_floats(g, state, p, h)

        p, _, g = self._floats_now()
        out, memo = landing.lands(
            self._landing if self.schedule is None else None, runs, hyper, self.chain,
            self.step, p, g, self.chain.optimizer_state(self._fs), update,
            lambda q: self.objective.loss_and_grad_floats(q)[1],
            self._effective_grad_floats, floats=True)
        self._landing = memo
        return out

    def _read_point(self, runs: Array, pts: Array) -> V.Point:
        """Newton with the exact Hessian (confirmed by a second step), or without one the
        secant curvature along the last step (full-batch gradients)."""
        tol = self.tol
        length = 1 + norms(pts)
        m = len(runs)
        if self._hessian is not None:
            grad = self._grad_at(runs, pts) if self._stochastic else self.grad[runs]
            d = self.effective_grad(runs, pts, grad)
            h = self._followed_hessian(runs, pts)
            ok = np.isfinite(h).all(axis=(1, 2)) & np.isfinite(d).all(1)
            dist = np.full(m, np.inf)
            minimum = np.zeros(m, bool)
            flat = np.zeros(m, bool)
            stationary = np.zeros(m, bool)
            if ok.any():
                n, lam, step = V.newton_distance(h[ok], d[ok])
                dist[ok] = n
                minimum[ok] = V.minimum_type(lam, tol)
                top = np.abs(lam).max(1)
                flat[ok] = (top == 0) & (n == 0)
                near = (n <= tol.xtol * length[ok]) & (top > 0)
                if near.any():
                    sub = np.flatnonzero(ok)[near]
                    nxt = pts[sub] + step[near]
                    d2 = self.effective_grad(runs[sub], nxt, self._grad_at(runs[sub], nxt))
                    h2 = self._followed_hessian(runs[sub], nxt)
                    n2 = np.full(len(sub), np.inf)
                    ok2 = np.isfinite(h2).all(axis=(1, 2)) & np.isfinite(d2).all(1)
                    if ok2.any():
                        n2[ok2] = V.newton_distance(h2[ok2], d2[ok2])[0]
                    confirmed = (n2 <= V.CONFIRM * n[near]) | (n2 <= 1e-12 * length[sub])
                    stationary[sub] = confirmed
            return V.Point(dist, stationary, minimum, flat)
        # no Hessian (a network): the secant along the last step
        if self.step == 0:
            return V.Point(np.full(m, np.inf), np.zeros(m, bool), np.zeros(m, bool),
                           np.zeros(m, bool))
        prev = self._param_hist[(self.step - 1) % (2 * tol.window), runs]
        if self._stochastic:
            d_now = self.effective_grad(runs, pts, self._grad_at(runs, pts))
            d_prev = self.effective_grad(runs, prev, self._grad_at(runs, prev))
        else:
            d_now = self.effective_grad(runs, pts, self.grad[runs])
            d_prev = self._prev_d[runs]
        dtheta, dd = norms(pts - prev), norms(d_now - d_prev)
        gn = norms(d_now)
        with np.errstate(all="ignore"):
            dist = np.where(gn == 0, 0.0, gn * dtheta / dd)
            along = np.einsum("mp,mp->m", pts - prev, d_now - d_prev)
        stationary = (dtheta > 0) & (dist <= tol.xtol * length)
        return V.Point(dist, stationary, along > 0, np.zeros(m, bool))

    def _grad_at(self, runs: Array, pts: Array) -> Array:
        """The objective's (full-batch) gradient at ``pts``."""
        with np.errstate(all="ignore"):
            if self._stochastic:
                return self.objective.full_loss_and_grad(pts)[1]
            return self._loss_and_grad(pts, self.step)[1]

    def minimum_ahead(self, runs: Array, pts: Array) -> tuple[Array, Array]:
        """Whether Newton's iteration from each point walks into a minimum: a crawling run
        that is heading for one is slow (η too small), not stalled. Yes if plain Newton
        converges within ``HEADING_STEPS`` steps (to ``xtol``) to a point with a positive
        definite Hessian, no farther than 10 × (1 + ‖θ‖) — or, for a degenerate minimum
        (x⁴: Newton gains only ⅓ a step), if the Hessian is positive definite all the way
        and the Newton distance at least halves. Also the last iterate (the minimum)."""
        if self._hessian is None:
            return self._secant_ahead(runs, pts), pts
        tol = self.tol
        x = pts.copy()
        alive = np.ones(len(runs), bool)   # Newton still finite
        convex = np.ones(len(runs), bool)  # positive definite at every iterate so far
        first = np.full(len(runs), np.inf)
        last = np.full(len(runs), np.inf)
        with np.errstate(all="ignore"):
            for k in range(V.HEADING_STEPS):
                live = np.flatnonzero(alive & ~(last <= tol.xtol * (1 + norms(x))))
                if not live.size:
                    break
                d = self.effective_grad(runs[live], x[live], self._grad_at(runs[live], x[live]))
                h = self._followed_hessian(runs[live], x[live])
                ok = np.isfinite(h).all(axis=(1, 2)) & np.isfinite(d).all(1)
                alive[live[~ok]] = False
                live = live[ok]
                if not live.size:
                    break
                n, lam, step = V.newton_distance(h[ok], d[ok])
                convex[live[~(lam[:, 0] > 0)]] = False
                if k == 0:
                    first[live] = n
                last[live] = n
                x[live] = x[live] + step
            # where Newton has converged, is it a minimum, and near?
            at = np.flatnonzero(alive)
            arrived = np.zeros(len(runs), bool)
            if at.size:
                h = self._followed_hessian(runs[at], x[at])
                pd = np.zeros(at.size, bool)
                fin = np.isfinite(h).all(axis=(1, 2))
                if fin.any():
                    pd[fin] = np.linalg.eigvalsh(h[fin])[:, 0] > 0
                close = norms(x[at] - pts[at]) <= 10 * (1 + norms(pts[at]))
                arrived[at] = pd & close & (last[at] <= tol.xtol * (1 + norms(x[at])))
        halving = alive & convex & (last <= 0.5 * first)
        return arrived | halving, x

    def _secant_ahead(self, runs: Array, pts: Array) -> Array:
        """No Hessian (a network): the loss curves up along the last step and the secant
        Newton distance ‖d‖·‖Δθ‖/‖Δd‖ is within the run's own length (1 + ‖θ‖) — a bowl
        ahead, slowly approached — rather than a flat stretch (curvature ~0: far)."""
        if self.step == 0 or self._stochastic:
            return np.zeros(len(runs), bool)
        point = self._read_point(runs, pts)
        return point.minimum & (point.newton <= 1 + norms(pts))

    def _lr_not_cut(self, runs: Array) -> Array:
        """η has not been cut below ⅒ of its base by a schedule (a run frozen by its
        decayed η is not stalled on a plateau: the schedule stopped it)."""
        if self.schedule is None:
            return np.ones(len(runs), bool)
        base = self.hyper["lr"][runs, 0]
        return self.schedule.lr(base, self.step) >= 0.1 * base

    def _schedule_done(self, runs: Array) -> Array:
        """No schedule will bring η below half its value now before the budget ends (a
        bouncing run whose η is still decaying may yet settle). Adagrad's steps shrink by
        themselves, like a decaying schedule: its sum of g² only grows."""
        if self.optimizer.id == "adagrad":
            return np.zeros(len(runs), bool)
        if self.schedule is None or not self.schedule.decays:
            return np.ones(len(runs), bool)
        base = self.hyper["lr"][runs, 0]
        now = self.schedule.lr(base, self.step)
        return V.lr_floor_ahead(self.schedule, base, self.step, self.max_steps) >= 0.5 * now

    def _at_the_end(self, idx: Array, status: Array, live: Array, osc: Array) -> None:
        """The budget is spent: a run not ended by the rules above is ``noise_floor`` (noisy:
        on a surface, circling the minimum Newton finds from where it is; a network's
        mini-batches, its loss without a trend over the last blocks), ``oscillating``
        (bouncing, see above; or noisy but with η beyond the bound at its minimum, so it
        would bounce without the noise too) or ``max_steps``."""
        rest = live & (status == 0)
        if not self._noisy:
            status[rest & osc] = Status.OSCILLATING
        elif self._hessian is None:  # a network's mini-batches: the loss has no trend left
            status[rest & self._no_trend_long(idx)] = Status.NOISE_FLOOR
        else:  # noise on a surface: it circles a minimum (Newton's), not still approaching it
            floor = rest.copy()
            if floor.any():
                sub = np.flatnonzero(floor)
                ahead, at = self.minimum_ahead(idx[sub], self.params[idx[sub]])
                ahead &= self._circling(idx[sub], at)
                floor[sub] = ahead
                # without the noise it would not settle either (η beyond the bound there):
                # that is a bounce, not a floor the noise sets
                unstable = sub[ahead][self._beyond_bound(idx[sub[ahead]], at[ahead])]
                floor[unstable] = False
                status[unstable] = Status.OSCILLATING
            status[floor] = Status.NOISE_FLOOR
        status[live & (status == 0)] = Status.MAX_STEPS

    def _circling(self, runs: Array, at: Array) -> Array:
        """Over the last 2W frames the run's mean position is within half its rms distance
        of the minimum ``at``: it jitters around the minimum, not on one side of it on its
        way in (a run still approaching, or frozen off-centre, has its mean ≈ its rms)."""
        if self.step < 2 * self.tol.window:
            return np.zeros(len(runs), bool)
        order = self._order()
        pos = self._param_hist[order][:, runs]  # (2W, m, P)
        dev = pos - at[None]
        mean = dev.mean(axis=0)
        rms = np.sqrt((dev ** 2).sum(axis=2).mean(axis=0))
        return norms(mean) <= 0.5 * rms

    def _beyond_bound(self, runs: Array, at: Array) -> Array:
        """η now ≥ the stability bound (2/λ_max for GD, …; None for adaptive optimizers)
        at the points ``at``: each step there overshoots by at least as much as it corrects."""
        out = np.zeros(len(runs), bool)
        if self._hessian is None or not len(runs):
            return out
        with np.errstate(all="ignore"):
            h = self._followed_hessian(runs, at)
        lr = self.lr_now()[runs]
        for i, r in enumerate(runs):
            if not np.isfinite(h[i]).all():
                continue
            lam = float(np.linalg.eigvalsh(h[i])[-1])
            hyper = {**self.hyper_of(int(r)), "weight_decay": 0.0}  # already in h
            b = stability.bound(self.optimizer.id, hyper, lam)
            out[i] = b is not None and lr[i] >= b
        return out

    def _no_trend_long(self, idx: Array) -> Array:
        """The stuck test over the last ``blocks`` × W steps (at least 4 blocks): the trend
        between the halves' mean losses against a typical block's max − min."""
        nb = min(self._n_blocks, self._blocks.shape[1])
        if nb < 4:
            return np.zeros(idx.size, bool)
        newest = (self._n_blocks - 1) % self._blocks.shape[1]
        ring = [(newest - nb + 1 + j) % self._blocks.shape[1] for j in range(nb)]
        half = nb // 2
        sums = [self._blocks[0, k, idx] for k in ring[-2 * half:]]
        # the spread: a typical block's (the median block's min and max), so one spike —
        # a bad mini-batch — neither hides a trend nor fakes a floor
        lo = np.median(self._blocks[1][ring][:, idx], axis=0)
        hi = np.median(self._blocks[2][ring][:, idx], axis=0)
        return V.no_trend(ARRAYS.fold(sums[:half]), ARRAYS.fold(sums[half:]), lo, hi,
                          half * self.tol.window, self.tol, ARRAYS)

    def previous_params(self, run: int) -> Array:
        """The run's params one frame before its last (its start at frame 0)."""
        step = self._last_step(run)
        if step < 1:
            return self.start[run].copy()
        return self._param_hist[(step - 1) % (2 * self.tol.window), run].copy()

    def still_since(self, run: int) -> int:
        """The first step since which the run's params have been exactly its last ones (as
        far back as its rings hold: 2W − 1 frames): where it got to a point it then did not
        leave, e.g. a minimum reached exactly a step before the one that confirmed it."""
        last = self._last_step(run)
        w2 = 2 * self.tol.window
        p = self._param_hist[last % w2, run]
        k = last
        while k > max(0, last - w2 + 1) and np.array_equal(self._param_hist[(k - 1) % w2, run], p):
            k -= 1
        return k

    def window_stats(self, run: int) -> dict[str, float]:
        """What the reasons quote about a run's last window (up to 2W frames; the loss over
        the last blocks for a noisy run): mean loss, its min and max, the mean step
        length, the loss trend (mean of the newer half − the older), and the summed step
        lengths of the older and newer halves."""
        w = self.tol.window
        last = self._last_step(run)
        k = min(last + 1, 2 * w)
        order = self._order(last)[-k:]
        losses = self._loss_hist[order, run]
        steps = self._unorm_hist[order[1:], run] if k > 1 else np.zeros(1)
        half = k // 2
        u = self._unorm_hist[order, run]
        out = {"mean": float(losses.mean()), "lo": float(losses.min()),
               "hi": float(losses.max()), "step": float(steps.mean()), "n": int(k),
               "trend": float(losses[half:].mean() - losses[:half].mean()) if half else 0.0,
               "older": float(u[:half].sum()), "newer": float(u[half:].sum()),
               "half": int(half)}
        nb = min(self._n_blocks, self._blocks.shape[1]) if last == self.step else 0
        if nb:
            newest = (self._n_blocks - 1) % self._blocks.shape[1]
            ring = [(newest - nb + 1 + j) % self._blocks.shape[1] for j in range(nb)]
            sums = self._blocks[0, ring, run]
            h = nb // 2
            out.update(mean=float(sums.sum() / (nb * w)),
                       lo=float(self._blocks[1, ring, run].min()),
                       hi=float(self._blocks[2, ring, run].max()), n=nb * w,
                       trend=float((sums[nb - h:].sum() - sums[nb - 2 * h:nb - h].sum())
                                   / (h * w)) if h else 0.0)
        return out


# --- the optimizers' gains near a minimum (``Batch._gain_model``): arrays or floats ---------

_KINDS = {"gd": "plain", "momentum": "heavy", "nesterov": "nesterov"}


def _sgd_gain(lr, damp):
    """η(1 − τ): SGD's gain (its momentum buffer takes (1 − τ)·g)."""
    return lr * (1 - damp)


def _adagrad_gain(lr, lr_decay, k, s, eps, sqrt):
    """η/(1 + k·decay) / (√s + ε): Adagrad's gain (s only grows: read now)."""
    return lr / (1 + k * lr_decay) / (sqrt(s) + eps)


def _rmsprop_gain(lr, alpha, eps, v, t, sqrt):
    """η/(√(v αᵗ) + ε): RMSprop's gain t steps on, v forgetting (× α a step)."""
    return lr / (sqrt(v * alpha ** t) + eps)


def _adam_gain(lr, b1, b2, eps, k, v, t, sqrt):
    """η(1 − β₁)/bc1 / (√(v β₂ᵗ / bc2) + ε), the bias corrections at k + t: Adam's gain t
    steps on (m is β₁-averaged: a heavy ball with dampening 1 − β₁)."""
    bc1, bc2 = 1 - b1 ** (k + t), 1 - b2 ** (k + t)
    return lr * (1 - b1) / bc1 / (sqrt(v * b2 ** t / bc2) + eps)


def _pull(wd, abs_p):
    """wd·|θ| (AdamW's fixed point exists where it is below 1)."""
    return wd * abs_p


def _adamw_shift(eps, wd, p, pull):
    """ε·wd·θ / (1 − wd·|θ|), what AdamW's fixed point adds to ∇f."""
    return eps * wd * p / (1 - pull)


def _steps_on_floats(objective) -> bool:
    """Whether the objective's float functions are its own: ``loss_and_grad_floats`` and
    ``hessian_floats`` defined in the class that defines ``loss_and_grad`` and ``hessian``
    or below it. A subclass that computes its loss its own way (``LinReg2`` from its data)
    does not inherit ``Surface``'s float functions, which would compute it another way."""
    mro = type(objective).__mro__

    def owner(name: str):
        return next((k for k in mro if name in vars(k)), None)

    for arrays, floats in (("loss_and_grad", "loss_and_grad_floats"),
                           ("hessian", "hessian_floats")):
        a, f = owner(arrays), owner(floats)
        if a is None or f is None or not issubclass(f, a):
            return False
    return True


def _adamw_curvature(eps, wd, pull):
    """ε·wd / (1 − wd·|θ|)², the curvature AdamW's fixed point adds (the square as NumPy's
    ``** 2``: a product)."""
    return eps * wd / ((1 - pull) * (1 - pull))


def _sign(x: float) -> float:
    """``np.sign`` of a float."""
    return 1.0 if x > 0 else -1.0 if x < 0 else x


def _crawls(ops, steps: list, length, tol: Tolerances):
    """``crawling`` over a window's step lengths (rows oldest … newest): the 2W − 1 steps
    taken inside it."""
    return V.crawling(ops.fold(steps[1:], ops.maximum), length, tol)


def _bounces(ops, steps: list, displacement, tol: Tolerances):
    """``bouncing`` over a window's step lengths and its net displacement."""
    w = tol.window
    return V.bouncing(ops.fold(steps[:w]), ops.fold(steps[w:]), ops.fold(steps[1:]),
                      displacement, tol)


def _no_trend(ops, losses: list, tol: Tolerances):
    """``no_trend`` of the loss traced from a window's loss changes (``_trace``)."""
    w = tol.window
    trace = _trace(losses)
    lo, hi = ops.fold(trace, ops.minimum), ops.fold(trace, ops.maximum)
    return V.no_trend(ops.fold(trace[:w]), ops.fold(trace[w:]), lo, hi, w, tol, ops)


class _FloatWindow:
    """The last 2W steps of a one-run batch, as floats, rows oldest … newest (as
    ``Batch._order`` reads the rings); the losses are read only if asked for."""

    def __init__(self, batch: "Batch"):
        n2 = 2 * batch.tol.window
        self._b, self._oldest = batch, (batch.step + 1) % n2
        u = batch._unorm_hist[:, 0].tolist()
        self._steps = u[self._oldest:] + u[:self._oldest]

    def steps(self, sub=None) -> list:
        return self._steps

    def losses(self, sub=None) -> list:
        d = self._b._dloss_hist[:, 0].tolist()
        return d[self._oldest:] + d[:self._oldest]

    def disp(self, sub=None) -> float:
        h, n2 = self._b._param_hist, 2 * self._b.tol.window
        first, last = h[self._oldest], h[(self._oldest - 1) % n2]
        if self._b.dim > 7:  # a network's row: ``norms``' own form
            wide = self._b._wide_now()
            if wide is not None and wide[3] is not None:
                return wide[3]
            return float(norms(last - first)[0])
        return FLOATS.norm([p - q for p, q in zip(last[0].tolist(), first[0].tolist())])

    def might_bounce(self) -> bool:
        return True


class _RingWindow:
    """The last 2W steps of the runs ``idx`` of a batch, read from its rings (slots in
    ``Batch._order``) for the rows ``sub`` of ``idx`` a rule asks for (None: all)."""

    def __init__(self, batch: "Batch", idx: Array):
        self._b, self._order = batch, batch._order()
        self._idx = None if idx.size == batch.n_runs else idx
        self._disp: Array | None = None

    def _runs(self, sub):
        if sub is None:
            return self._idx
        return sub if self._idx is None else self._idx[sub]

    def _rows(self, ring: Array, sub) -> list:
        runs = self._runs(sub)
        block = ring if runs is None else ring[:, runs]
        return [block[k] for k in self._order]

    def steps(self, sub=None) -> list:
        return self._rows(self._b._unorm_hist, sub)

    def losses(self, sub=None) -> list:
        return self._rows(self._b._dloss_hist, sub)

    def disp(self, sub=None) -> Array:
        """‖θ_newest − θ_oldest‖ over the window, per run (``norms``: column by column for
        a surface, as ``ops.norm``)."""
        if self._disp is None:
            h = self._b._param_hist
            self._disp = self._per_run(lambda new, old: norms(new - old),
                                       h[self._order[-1]], h[self._order[0]])
        return self._disp if sub is None else self._disp[sub]

    def might_bounce(self) -> Array:
        """False only where ``bouncing`` is surely False (``V.might_bounce``)."""
        u, n2 = self._b._unorm_hist, len(self._order)
        w = n2 // 2

        def half(first: int):  # the sum of the W slots from ``first`` on, round the ring
            def total(ring):
                end = first + w
                if end <= n2:
                    return ring[first:end].sum(axis=0)
                return ring[first:].sum(axis=0) + ring[:end - n2].sum(axis=0)
            return self._per_run(total, u, axis=1)

        return V.might_bounce(half(self._order[0]), half(self._order[w]), self.disp(),
                              self._b.tol)

    def _per_run(self, f, *arrays: Array, axis: int = 0) -> Array:
        """``f`` (elementwise over runs, along ``axis``) for the runs of ``idx``: computed
        for every run and then picked when most runs are in ``idx`` (cheaper than copying
        them out first), else on the runs picked out."""
        if self._idx is None:
            return f(*arrays)
        if 2 * self._idx.size > self._b.n_runs:
            return f(*arrays)[self._idx]
        return f(*(np.take(a, self._idx, axis=axis) for a in arrays))


def _trace(changes: list) -> list:
    """The loss over a window traced from its changes: 0 at the first frame, then each
    step's change added (the first row's change is the step *into* the window: skipped).
    Rows are floats or arrays; the sums are taken in the same order either way."""
    return list(accumulate(changes[1:], add, initial=changes[0] * 0.0))


def _diag(v: Array) -> Array:
    """(m, P) → (m, P, P) diagonal matrices."""
    out = np.zeros(v.shape + (v.shape[-1],))
    i = np.arange(v.shape[-1])
    out[:, i, i] = v
    return out


@dataclass
class Trajectory:
    """Everything recorded while running a batch to its end.

    Arrays have a leading step axis of length max(end_step) + 1: params
    (S, R, P), loss (S, R), grad (S, R, P), update (S, R, P) (the update taken
    from that frame; NaN once a run has ended), lr (S, R). Run r's frames are
    0 … end_step[r].
    """

    params: Array
    loss: Array
    grad: Array
    update: Array
    lr: Array
    status: Array
    end_step: Array
    terms: list | None = None  # with run_to_end(terms=True): run 0's StepTerms per frame


_DIVERGED = int(Status.DIVERGED)  # (an enum member NumPy compares with costs µs each time)


def run_to_end(batch: Batch, progress=None, terms: bool = False,
               until: int | None = None) -> Trajectory:
    """Advance ``batch`` until every run has ended, recording every frame.

    A frame's ``update`` is the step taken from it; at a run's last frame it
    is the step it would take next (NaN if it diverged). ``progress(n)``, if
    given, is told of every step taken, and at the end of the steps the budget
    did not need (so a progress bar always reaches ``max_steps``). With ``terms``, each
    frame's next update is also kept term by term (``Batch.step_terms`` of run 0).
    ``until``: stop at that step instead (its frame the last; a branch's parent).
    """
    # each field's frames in blocks (frames, runs, …): one per frame the loop records, one
    # per run of steps taken ahead; joined once at the end
    params, loss, grad, update, lr = [], [], [], [], []
    steps = [] if terms else None
    while True:
        params.append(batch.params[None].copy())
        loss.append(batch.loss[None].copy())
        grad.append(batch.grad[None].copy())
        lr.append(batch.lr_now()[None].copy())
        if terms:
            steps.append(None if batch.status[0] == _DIVERGED else batch.step_terms(0))
        planned = batch.propose()
        planned[batch.status == _DIVERGED] = np.nan
        update.append(planned[None])
        if batch.done or batch.step == until:
            break
        # steps nothing can end, taken ahead (one run: ahead.py); each frame but the last,
        # which the loop records, with the update taken from it (the next step's)
        taken = batch._pace.take(batch, (batch.max_steps if until is None else until)
                                 - batch.step)
        if len(taken) > 1:
            frames, following = taken[:-1], taken[1:]
            params.append(np.array([[t.params] for t in frames]))
            loss.append(np.array([[t.loss] for t in frames]))
            grad.append(np.array([[t.grad] for t in frames]))
            lr.append(np.array([[t.lr] for t in following]))
            update.append(np.array([[t.u] for t in following]))
            if terms:
                steps += [batch.terms_of(t) for t in following]
        if not taken:
            batch._advance()
        if progress is not None:
            progress(len(taken) or 1)
    if progress is not None and batch.step < batch.max_steps and until is None:
        progress(batch.max_steps - batch.step)
    return Trajectory(np.concatenate(params), np.concatenate(loss), np.concatenate(grad),
                      np.concatenate(update), np.concatenate(lr), batch.status.copy(),
                      batch.end_step.copy(), steps)
