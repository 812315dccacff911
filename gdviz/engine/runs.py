"""Advancing many runs of one optimizer on one objective at once.

A ``Batch`` holds R runs as arrays with a leading run axis: params (R, P),
loss (R,), grad (R, P) and the optimizer state. ``advance()`` takes one update
for every run still going and then classifies each run:

* ``diverged``   — loss, params or gradient stopped being finite; or the loss
  rose more than ``explode`` × (1 + |L₀|) above its start; or the params ran
  more than ``runaway`` × (1 + ‖θ₀‖) away (a surface unbounded below).
* ``converged``  — ‖∇L‖ ≤ ``gtol``.
* ``oscillating`` — over the last 2W steps the loss is stuck (the mean of the
  newer W losses is within ``stall`` of the older W) while the path goes back
  and forth (net displacement < half the distance travelled) and the steps
  are not shrinking (the newer W steps' mean length is at least half the
  older W's). The last test matters where the minimum's loss is not 0 (a
  regression's noise floor): a zig-zag that still converges, e.g. GD at 0.95 ×
  2/λ_max, keeps a "stuck" total loss while its steps shrink geometrically. Not tested for a
  *stochastic* objective (one with ``stochastic = True``: a network trained on
  mini-batches), whose path zig-zags from batch to batch while its loss still
  falls; there ``converged`` is confirmed on the full gradient
  (``full_loss_and_grad``), since one mini-batch's gradient can vanish alone.
* ``max_steps``  — the step budget ran out first.

Frame k is the state after k updates; frame 0 is the start. Runs that have
ended are frozen; only the active rows are evaluated, so a sweep in which most
runs finish early gets cheaper as it goes.

The objective is anything with ``loss_and_grad(params) -> (loss (R,), grad
(R, P))`` (and ``hessian`` for explanations): a surface or a tiny network.
If its ``loss_and_grad`` has a ``step`` parameter, it is called as
``loss_and_grad(params, step=k)`` with k the number of updates taken so far —
the gradient for the update from frame k (a network picks its mini-batch by k).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np

from .optimizers import Hyper, Optimizer
from .schedules import Schedule
from .transforms import GradientNoise, clip_by_norm

Array = np.ndarray


SHRINKING = 0.5  # newer steps shorter than this × the older ones: converging, not oscillating
SUM_SLACK = 1e-12  # relative bound (≫ 2·39·2⁻⁵³) on how far two summation orders of a window can differ


class Status(IntEnum):
    RUNNING = 0
    CONVERGED = 1
    OSCILLATING = 2
    DIVERGED = 3
    MAX_STEPS = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Tolerances:
    gtol: float = 1e-6
    window: int = 20
    stall: float = 1e-3
    explode: float = 1e6
    runaway: float = 1e6


def row_norms(a: Array) -> Array:
    """‖a[r]‖₂ for each row of a (R, P) array.

    For the few columns of a surface (P ≤ 7) the sum of squares is written out
    column by column: NumPy's ``norm(axis=1)`` on a length-2 axis is ~10× slower
    at R = 16,384, and for P ≤ 7 both sum in the same order, so the result is
    bit-identical. From 8 columns NumPy sums pairwise, so ``norm`` is kept.
    """
    if a.shape[1] > 7:
        return np.linalg.norm(a, axis=1)
    total = a[:, 0] * a[:, 0]
    for j in range(1, a.shape[1]):
        total += a[:, j] * a[:, j]
    return np.sqrt(total)


def _norm(v: list[float]) -> float:
    """``row_norms`` of one row given as floats: the same squares added in the same
    order, so the same result bit for bit."""
    total = v[0] * v[0]
    for x in v[1:]:
        total += x * x
    return math.sqrt(total)


def rows_finite(a: Array) -> Array:
    """Whether every entry of each row of a (R, P) array is finite (column by column
    for small P, where ``isfinite(a).all(1)`` is ~15× slower)."""
    if a.shape[1] > 7:
        return np.isfinite(a).all(1)
    ok = np.isfinite(a[:, 0])
    for j in range(1, a.shape[1]):
        ok &= np.isfinite(a[:, j])
    return ok


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


def _state_row(state: Any, run: int, weights) -> dict[str, Any]:
    """Row ``run`` of an optimizer state: per-run counters and flags as Python numbers,
    per-weight buffers (runs, P) as the ``weights`` columns."""
    out: dict[str, Any] = {}
    for name, a in zip(state._fields, state):
        row = a[run]
        out[name] = row[weights].copy() if np.ndim(row) else row.item()
    return out


def _take(state: Any, idx: Array) -> Any:
    return type(state)(*[a[idx] for a in state])


def _put(state: Any, idx: Array, part: Any) -> Any:
    out = []
    for a, b in zip(state, part):
        a = a.copy()
        a[idx] = b
        out.append(a)
    return type(state)(*out)


class Batch:
    """R runs of one optimizer on one objective, advanced in lock-step."""

    def __init__(self, objective, optimizer: Optimizer, hyper: Hyper, starts: Array,
                 max_steps: int, tol: Tolerances = Tolerances(), *,
                 schedule: Schedule | None = None, clip_norm: float | None = None,
                 noise: float | None = None, seed: int = 0):
        """``schedule`` scales ``hyper["lr"]`` (the base rate) step by step;
        ``clip_norm`` clips each run's gradient by norm and ``noise`` adds seeded
        N(0, noise²) to it before the optimizer sees it (frames keep the true ∇L)."""
        self.objective = objective
        self.optimizer = optimizer
        self.hyper = {k: np.array(v, dtype=float) for k, v in hyper.items()}
        self.tol = tol
        self.schedule = schedule
        self.clip_norm = clip_norm
        self.max_steps = int(max_steps)
        params = np.array(starts, dtype=float)
        self.n_runs, self.dim = params.shape
        self._takes_step = _takes_step(objective)
        self._stochastic = bool(getattr(objective, "stochastic", False))
        with np.errstate(all="ignore"):
            loss, grad = self._loss_and_grad(params, 0)
        self.params, self.loss, self.grad = params, np.asarray(loss, float), grad
        self.start = params.copy()
        self.loss0 = self.loss.copy()
        self.opt_state = optimizer.init(params, self.hyper)
        self.noise = GradientNoise(noise, seed, params.shape) if noise else None
        self.step = 0
        self.status = np.zeros(self.n_runs, dtype=np.int8)
        self.end_step = np.full(self.n_runs, -1, dtype=np.int64)
        w2 = 2 * tol.window
        # slot-first ring buffers: recording a step writes one contiguous row
        self._loss_hist = np.zeros((w2, self.n_runs))
        self._param_hist = np.zeros((w2, self.n_runs, self.dim))
        self._unorm_hist = np.zeros((w2, self.n_runs))
        with np.errstate(all="ignore"):
            self._start_scale = 1 + np.linalg.norm(params, axis=1)
        self._n_active = self.n_runs
        self._proposal: tuple[Array, Any, Array] | None = None
        # one surface run (every stream and /api/run): the per-step status tests in floats
        self._scalar = self.n_runs == 1 and self.dim <= 7 and not self._stochastic
        self._start0 = self.start[0].tolist()
        self._loss00 = float(self.loss0[0])
        self._start_scale0 = float(self._start_scale[0])
        self._record_history(np.arange(self.n_runs))
        self._classify(np.arange(self.n_runs))

    # -- hyperparameters -----------------------------------------------------

    def set_hyper(self, run: int, changes: dict[str, Any]) -> None:
        """Change hyperparameters of one run; they apply from the next step."""
        for name, value in changes.items():
            self.hyper[name][run] = value
        self._proposal = None

    def hyper_of(self, run: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in self.hyper.items():
            row = v[run]
            out[k] = float(row[0]) if row.shape == (1,) else [float(x) for x in row]
        return out

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

    def lr_now(self) -> Array:
        """The learning rate (runs,) the next update uses (the schedule applied)."""
        base = self.hyper["lr"][:, 0]
        return base if self.schedule is None else self.schedule.lr(base, self.step)

    def _effective(self) -> tuple[Array, Hyper]:
        """The gradient the optimizer sees and the hyperparameters for this step."""
        g = self.grad
        if self.noise is not None:
            g = self.noise.apply(g)
        if self.clip_norm is not None:
            g = clip_by_norm(g, self.clip_norm)
        hyper = self.hyper
        if self.schedule is not None:
            hyper = {**hyper, "lr": self.lr_now()[:, None]}
        return g, hyper

    def propose(self) -> Array:
        """The update every run would take next (runs, P), with current hyperparameters.

        Pure: nothing changes until ``advance()`` commits it. For a run that
        has ended it is the step it would take next.
        """
        if self._proposal is None:
            with np.errstate(all="ignore"):
                g, hyper = self._effective()
                self._proposal = (*self.optimizer.update(g, self.opt_state, self.params, hyper), g)
        return self._proposal[0].copy()

    def step_terms(self, run: int = 0, weights=slice(None)) -> StepTerms:
        """What the next update of run ``run`` is made of, for the coordinates ``weights``:
        the gradient the optimizer sees (after noise and clipping, before weight decay),
        its state before the update and after it (torch's names: ``momentum_buffer``,
        ``exp_avg``, ``sum``, …; ``step`` the updates taken), and the update itself — all
        from the one ``propose()`` the run will commit, so ``params + update`` is the next
        frame. Arrays are copies of row ``run``."""
        self.propose()
        update, after, g = self._proposal
        return StepTerms(g[run, weights].copy(), _state_row(self.opt_state, run, weights),
                         _state_row(after, run, weights), update[run, weights].copy())

    def advance(self) -> Array:
        """Take one step for every active run; return the indices that stepped.

        Uses the cached proposal if ``propose()`` made one; otherwise only the
        active rows go through the optimizer (ended runs cost nothing)."""
        # every run still going (the common case): skip the status scan
        idx = (np.arange(self.n_runs) if self._n_active == self.n_runs
               else np.flatnonzero(self.active))
        if idx.size == 0:
            return idx
        everyone = idx.size == self.n_runs
        with np.errstate(all="ignore"):
            if self._proposal is not None:
                updates, new_state, _ = self._proposal
                if not everyone:
                    updates, new_state = updates[idx], _take(new_state, idx)
            else:
                g, hyper = self._effective()
                if not everyone:
                    g = g[idx]
                    hyper = {k: v[idx] for k, v in hyper.items()}
                    state = _take(self.opt_state, idx)
                    updates, new_state = self.optimizer.update(g, state, self.params[idx], hyper)
                else:
                    updates, new_state = self.optimizer.update(g, self.opt_state, self.params,
                                                               hyper)
            self._proposal = None
            if everyone:
                params = self.params + updates
                loss, grad = self._loss_and_grad(params, self.step + 1)
                self.params, self.loss, self.grad = params, np.asarray(loss, float), grad
                self.opt_state = new_state
            else:
                params = self.params[idx] + updates
                loss, grad = self._loss_and_grad(params, self.step + 1)
                self.params[idx], self.loss[idx], self.grad[idx] = params, loss, grad
                self.opt_state = _put(self.opt_state, idx, new_state)
            unorm = np.array([_norm(updates[0].tolist())]) if self._scalar else row_norms(updates)
        self.step += 1
        if self.noise is not None:
            self.noise.next()
        self._record_history(idx, unorm)
        self._classify(idx)
        return idx

    def run(self) -> None:
        while not self.done:
            self.advance()

    # -- classification ------------------------------------------------------

    def _record_history(self, idx: Array, unorm: Array | None = None) -> None:
        slot = self.step % (2 * self.tol.window)
        if idx.size == self.n_runs:
            self._loss_hist[slot] = self.loss
            self._param_hist[slot] = self.params
            self._unorm_hist[slot] = 0.0 if unorm is None else unorm
        else:
            self._loss_hist[slot, idx] = self.loss[idx]
            self._param_hist[slot, idx] = self.params[idx]
            self._unorm_hist[slot, idx] = 0.0 if unorm is None else unorm

    def _classify(self, idx: Array) -> None:
        if self._scalar and idx.size == 1 and self._surely_running():
            return  # what the array tests below would conclude: nothing ends this step
        tol = self.tol
        p, loss, g = self.params[idx], self.loss[idx], self.grad[idx]
        with np.errstate(all="ignore"):
            finite = np.isfinite(loss) & rows_finite(p) & rows_finite(g)
            l0 = self.loss0[idx]
            scale = 1 + np.abs(l0)
            exploded = (loss - l0 > tol.explode * scale) | (l0 - loss > tol.explode * scale)
            dist = row_norms(p - self.start[idx])
            runaway = dist > tol.runaway * self._start_scale[idx]
            gnorm = row_norms(g)
        status = np.zeros(idx.size, dtype=np.int8)
        status[self._stationary(idx, gnorm)] = Status.CONVERGED
        if self.step >= 2 * tol.window and not self._stochastic:
            status[(status == 0) & self._oscillating(idx)] = Status.OSCILLATING
        if self.step >= self.max_steps:
            status[status == 0] = Status.MAX_STEPS
        status[~finite | exploded | runaway] = Status.DIVERGED
        ended = status != 0
        self.status[idx[ended]] = status[ended]
        self.end_step[idx[ended]] = self.step
        self._n_active -= int(ended.sum())

    def _surely_running(self) -> bool:
        """One surface run: whether ``_classify`` would end nothing this step.

        The same tests as the array code, in Python floats: a NumPy call costs ~1 µs
        and ``_classify`` makes ~100 of them, most of a streamed step's time
        (bench/README.md). Finite, explode, runaway and gradient tests are the same
        IEEE operations in the same order, so they agree bit for bit. The
        oscillation window's sums may be added in another order than NumPy's, so
        that test only answers "no" when it fails by more than ``SUM_SLACK``;
        anything that may end the run (or NaN anywhere) returns False and the array
        code decides, so statuses and end steps are exactly the array code's."""
        tol = self.tol
        if self.step >= self.max_steps:
            return False
        loss = float(self.loss[0])
        p, g = self.params[0].tolist(), self.grad[0].tolist()
        isfinite = math.isfinite
        if not (isfinite(loss) and all(map(isfinite, p)) and all(map(isfinite, g))):
            return False
        l0 = self._loss00
        bound = tol.explode * (1 + abs(l0))
        if loss - l0 > bound or l0 - loss > bound:
            return False
        if _norm([a - b for a, b in zip(p, self._start0)]) > tol.runaway * self._start_scale0:
            return False
        if _norm(g) <= tol.gtol:
            return False
        return self.step < 2 * tol.window or not self._maybe_oscillating()

    def _maybe_oscillating(self) -> bool:
        """False only if ``_oscillating`` is surely False for the one run (see
        ``_surely_running``): a test fails by more than ``SUM_SLACK`` of its sums."""
        w, n2 = self.tol.window, 2 * self.tol.window
        k = (self.step + 1) % n2  # the oldest slot
        losses = self._loss_hist[:, 0].tolist()
        losses = losses[k:] + losses[:k]  # oldest … newest
        unorms = self._unorm_hist[:, 0].tolist()
        unorms = unorms[k:] + unorms[:k]
        older, newer = sum(losses[:w]) / w, sum(losses[w:]) / w
        slack = SUM_SLACK * sum(map(abs, losses)) / w
        stall = self.tol.stall
        if abs(newer - older) > stall * abs(older) + 1e-300 + (2 + stall) * slack:
            return False  # the loss still moves
        path = sum(unorms[1:])
        if not path > 0:  # a sum of non-negative numbers: 0 in any order iff every term is
            return path != path  # NaN: let the array code decide
        ends = self._param_hist[[(self.step % n2), k], 0].tolist()
        disp = _norm([a - b for a, b in zip(ends[0], ends[1])])
        if disp >= 0.5 * path * (1 + SUM_SLACK):
            return False  # the path goes somewhere
        older_u, newer_u = sum(unorms[:w]), sum(unorms[w:])
        if newer_u * (1 + SUM_SLACK) < SHRINKING * older_u * (1 - SUM_SLACK):
            return False  # the steps shrink: converging
        return True

    def _stationary(self, idx: Array, gnorm: Array) -> Array:
        """‖∇L‖ ≤ gtol, and — where the Hessian is known — the Newton step ‖H⁻¹∇L‖
        (the distance to the stationary point) is tiny too. A flat plateau has a tiny
        gradient but is far from any stationary point, so it does not count."""
        small = gnorm <= self.tol.gtol
        if self._stochastic and small.any():
            cand = np.flatnonzero(small)
            with np.errstate(all="ignore"):
                full = self.objective.full_loss_and_grad(self.params[idx[cand]])[1]
                small[cand] = np.linalg.norm(full, axis=1) <= self.tol.gtol
        cand = np.flatnonzero(small & (gnorm > 0))
        hessian = getattr(self.objective, "hessian", None)
        if cand.size == 0 or hessian is None:
            return small
        p = self.params[idx[cand]]
        with np.errstate(all="ignore"):
            h = hessian(p)
            ok = np.isfinite(h).all(axis=(1, 2))
            least = np.full(cand.size, np.inf)
            if ok.any():
                least[ok] = np.abs(np.linalg.eigvalsh(h[ok])).min(axis=1)
            newton = gnorm[cand] / least
        near = newton <= 1e-4 * (1 + np.linalg.norm(p, axis=1))
        small[cand[~near]] = False
        return small

    def _oscillating(self, idx: Array) -> Array:
        """Computed over whole slot rows (contiguous), then picked at ``idx``."""
        w = self.tol.window
        order = (np.arange(2 * w) + self.step + 1) % (2 * w)  # oldest … newest
        older = self._loss_hist[order[:w]].mean(0)
        newer = self._loss_hist[order[w:]].mean(0)
        with np.errstate(all="ignore"):
            stalled = np.abs(newer - older) <= self.tol.stall * np.abs(older) + 1e-300
            disp = row_norms(self._param_hist[order[-1]] - self._param_hist[order[0]])
            path = self._unorm_hist[order[1:]].sum(0)
            shrinking = (self._unorm_hist[order[w:]].sum(0)
                         < SHRINKING * self._unorm_hist[order[:w]].sum(0))
            out = stalled & (path > 0) & (disp < 0.5 * path) & ~shrinking
        return out if idx.size == self.n_runs else out[idx]


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


def run_to_end(batch: Batch, progress=None, terms: bool = False) -> Trajectory:
    """Advance ``batch`` until every run has ended, recording every frame.

    A frame's ``update`` is the step taken from it; at a run's last frame it
    is the step it would take next (NaN if it diverged). ``progress(n)``, if
    given, is told of every step taken, and at the end of the steps the budget
    did not need (so a progress bar always reaches ``max_steps``). With ``terms``, each
    frame's next update is also kept term by term (``Batch.step_terms`` of run 0).
    """
    params, loss, grad, update, lr = [], [], [], [], []
    steps = [] if terms else None
    while True:
        params.append(batch.params.copy())
        loss.append(batch.loss.copy())
        grad.append(batch.grad.copy())
        lr.append(batch.lr_now().copy())
        if terms:
            steps.append(None if batch.status[0] == Status.DIVERGED else batch.step_terms(0))
        planned = batch.propose()
        planned[batch.status == Status.DIVERGED] = np.nan
        update.append(planned)
        if batch.done:
            break
        batch.advance()
        if progress is not None:
            progress(1)
    if progress is not None and batch.step < batch.max_steps:
        progress(batch.max_steps - batch.step)
    return Trajectory(np.array(params), np.array(loss), np.array(grad), np.array(update),
                      np.array(lr), batch.status.copy(), batch.end_step.copy(), steps)
