"""An independent reading of runs, to check the engine's verdicts against (test_honesty.py).

It shares nothing with ``gdviz/engine/verdicts.py`` but the objective and the optimizer
(the physics): no window tests, no thresholds of the engine. For each run it asks the
questions a careful person would, with tools of its own:

* where is the nearest stationary point, and what is it? — plain Newton iterations with
  the exact Hessian (``np.linalg.solve``) from the run's last frame, then the Hessian's
  eigenvalues there (weight decay λ adds λ to the Hessian and λθ to the gradient);
* what happens next? — the run continued from its exact end state (params and optimizer
  state) for ``CONTINUE`` more steps, with no stopping rule: does it blow up, settle,
  stay put, or keep bouncing?

``check(claim, reading)`` says whether a status is true of what was seen (the bands
are two-sided: a "converged" claim is confirmed within 1e-5 of a minimum, but a
"max_steps" claim is refuted only when the run was clearly done, within 1e-7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Stall, Status
from gdviz.engine.surfaces import SURFACES

CONTINUE = 4000


@dataclass
class Case:
    seed: int
    surface: str
    optimizer: str
    lr: float
    start: tuple[float, float]
    weight_decay: float

    def hyper(self) -> dict:
        h = {**defaults(self.optimizer), "lr": self.lr}
        if self.optimizer == "adamw" or self.weight_decay:
            h["weight_decay"] = self.weight_decay
        return h


def draw(seed: int) -> Case:
    """Surface, optimizer, lr log-uniform in 1e-4 … 10, start uniform in the surface's
    domain; one run in four gets weight decay (log-uniform 1e-3 … 0.1)."""
    rng = np.random.default_rng([20261205, seed])
    surface = str(rng.choice(sorted(SURFACES)))
    optimizer = str(rng.choice(sorted(OPTIMIZERS)))
    lr = float(10 ** rng.uniform(-4, 1))
    (x0, x1), (y0, y1) = SURFACES[surface].domain
    start = (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
    wd = float(10 ** rng.uniform(-3, -1)) if rng.random() < 0.25 else 0.0
    if optimizer == "adamw" and not wd:
        wd = 0.01  # AdamW's default
    return Case(seed, surface, optimizer, lr, start, wd)


def engine_runs(cases: list[Case], steps: int = 500) -> list[Batch]:
    """One Batch per case (as a stream or POST /api/run runs it)."""
    out = []
    for c in cases:
        b = Batch(SURFACES[c.surface], OPTIMIZERS[c.optimizer], hyper_arrays([c.hyper()]),
                  np.array([c.start]), steps)
        b.run()
        out.append(b)
    return out


def engine_groups(cases: list[Case], steps: int = 500):
    """The cases run as one Batch per (surface, optimizer) — a batch decides each run
    exactly as a run alone (tests/engine/test_runs.py) — as [(batch, [(row, case)])]."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(cases):
        groups.setdefault((c.surface, c.optimizer), []).append(i)
    out = []
    for (surface, optimizer), idx in groups.items():
        rows = [cases[i] for i in idx]
        b = Batch(SURFACES[surface], OPTIMIZERS[optimizer],
                  hyper_arrays([c.hyper() for c in rows]), np.array([c.start for c in rows]),
                  steps)
        b.run()
        out.append((b, list(enumerate(rows))))
    return out


# --- the independent tools -----------------------------------------------------------------

def _follows(c: Case, p: np.ndarray):
    """Gradient and Hessian of what the optimizer minimises: f + (λ/2)‖θ‖² (coupled decay;
    AdamW's decoupled decay moves its fixed point by ~ελθ, below what we can see)."""
    s = SURFACES[c.surface]
    with np.errstate(all="ignore"):
        g = s.loss_and_grad(p[None])[1][0]
        h = s.hessian(p[None])[0]
    lam = 0.0 if c.optimizer == "adamw" else c.weight_decay
    return g + lam * p, h + lam * np.eye(2)


def newton(c: Case, p: np.ndarray, iterations: int = 60):
    """Plain Newton from p: (the point it converges to, its Hessian's eigenvalues) or
    (None, None) if it does not converge (a singular or non-finite Hessian, or a walk)."""
    x = np.array(p, float)
    for _ in range(iterations):
        g, h = _follows(c, x)
        if not (np.isfinite(g).all() and np.isfinite(h).all()):
            return None, None
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return None, None
        if not np.isfinite(step).all():
            return None, None
        x = x - step
        if np.linalg.norm(step) <= 1e-13 * (1 + np.linalg.norm(x)):
            g, h = _follows(c, x)
            return x, np.linalg.eigvalsh(h)
        if np.linalg.norm(x - p) > 10 * (1 + np.linalg.norm(p)):
            return None, None
    return None, None


@dataclass
class Continuation:
    blew_up: bool
    moved: float        # the farthest it went from the end point
    last_moves: float   # how far it went over the last 500 steps
    end: np.ndarray
    fell: float = 0.0   # how far the loss fell below the last frame's


def continue_runs(surface: str, optimizer: str, b: Batch, steps: int) -> list[Continuation]:
    """Every run of ``b`` continued from its end state (params and optimizer state, all rows
    at once), with no stopping rule; rows are independent, as in the engine."""
    s = SURFACES[surface]
    opt = OPTIMIZERS[optimizer]
    hyper = {k: v.copy() for k, v in b.hyper.items()}
    p, state = b.params.copy(), b.opt_state
    end = p.copy()
    scale = 1 + np.linalg.norm(end, axis=1)
    far = np.zeros(len(p))
    blew = np.zeros(len(p), bool)
    mark = p.copy()
    with np.errstate(all="ignore"):
        loss0, g = s.loss_and_grad(p)
        loss = loss0
        for k in range(steps):
            u, state = opt.update(g, state, p, hyper)
            p = p + u
            loss, g = s.loss_and_grad(p)
            d = np.linalg.norm(p - end, axis=1)
            bad = ~(np.isfinite(p).all(1) & np.isfinite(loss) & np.isfinite(g).all(1))
            blew |= bad | (d > 1e8 * scale)
            far = np.where(blew, np.inf, np.maximum(far, d))
            if k == steps - 500:
                mark = p.copy()
    last = np.linalg.norm(p - mark, axis=1)
    return [Continuation(bool(blew[i]), float(far[i]), np.inf if blew[i] else float(last[i]),
                         p[i], float(loss0[i] - loss[i])) for i in range(len(p))]


@dataclass
class Reading:
    at: np.ndarray | None        # the stationary point Newton finds from the end
    eig: np.ndarray | None
    dist: float                  # ‖end − at‖ / (1 + ‖at‖)
    known: float                 # distance to the nearest listed minimum / (1 + ‖m‖)
    kink: bool                   # the nearest listed minimum has infinite curvature
    cont: Continuation | None
    scale: float
    loss: float = 0.0


def read(c: Case, end: np.ndarray, loss: float, cont: Continuation | None) -> Reading:
    """The independent reading of one run that ended at ``end``."""
    scale = 1 + float(np.linalg.norm(end)) if np.isfinite(end).all() else np.inf
    if not np.isfinite(end).all() or not np.isfinite(loss):
        return Reading(None, None, np.inf, np.inf, False, None, scale, loss)
    at, eig = newton(c, end)
    dist = np.inf if at is None else float(np.linalg.norm(end - at) / (1 + np.linalg.norm(at)))
    minima = SURFACES[c.surface].minima_array()
    known, kink = np.inf, False
    if minima.size:
        d = np.linalg.norm(minima - end, axis=1) / (1 + np.linalg.norm(minima, axis=1))
        j = int(np.argmin(d))
        known = float(d[j])
        with np.errstate(all="ignore"):
            kink = not np.isfinite(SURFACES[c.surface].hessian(minima[j][None])).all()
    return Reading(at, eig, dist, known, kink, cont, scale, loss)


def judge(cases: list[Case], steps: int = 500):
    """Every case run by the engine and read independently: [(case, status, stall,
    end step, agrees, what the reading saw)]. The continuation is 10,000 steps where an
    RMSprop or Adam run may sit at a minimum it will leave much later (their fading memory
    of the gradient), else ``CONTINUE``."""
    out = []
    for b, rows in engine_groups(cases, steps):
        c0 = rows[0][1]
        long = c0.optimizer in ("rmsprop", "adam", "adamw")
        conts = continue_runs(c0.surface, c0.optimizer, b, 10_000 if long else CONTINUE)
        for i, c in rows:
            st, sl = Status(int(b.status[i])), Stall(int(b.stall[i]))
            r = read(c, b.params[i], float(b.loss[i]), conts[i])
            ok, seen = check(st, sl, r)
            out.append((c, st, sl, int(b.end_step[i]), ok, seen, b, i))
    return sorted(out, key=lambda t: t[0].seed)


def _psd(eig) -> bool:
    return eig is not None and eig[0] >= -1e-8 * max(abs(eig[-1]), abs(eig[0]))


def check(status: Status, stall: Stall, r: Reading) -> tuple[bool, str]:
    """Whether the claim is true of the reading, and what the reading saw."""
    cont = r.cont
    if cont is None:  # the end is not finite: only "diverged" can be true
        return status == Status.DIVERGED, "the last frame is not finite"
    at_min = (r.dist <= 1e-5 and _psd(r.eig)) or (r.known <= 1e-5 and (r.kink or _psd(r.eig)))
    clearly_at_min = (r.dist <= 1e-7 and _psd(r.eig)) or r.known <= 1e-7
    stays = not cont.blew_up and cont.moved <= 1e-4 * r.scale
    seen = (f"newton dist {r.dist:.2g} eig {None if r.eig is None else np.round(r.eig, 6)}, "
            f"known {r.known:.2g}, continued: blew_up={cont.blew_up} moved {cont.moved:.3g} "
            f"last {cont.last_moves:.3g} (scale {r.scale:.3g})")
    if status == Status.DIVERGED:  # blows up, or runs off downhill without end
        downhill = cont.moved > 10 * r.scale and cont.fell > 10 * abs(r.loss)
        return cont.blew_up or cont.moved > 1e6 * r.scale or downhill, seen
    if status == Status.CONVERGED:
        return at_min and stays, seen
    if status == Status.STALLED and stall == Stall.SADDLE:
        return r.dist <= 1e-5 and r.eig is not None and not _psd(r.eig), seen
    if status == Status.STALLED:  # a plateau: barely moves on, and no minimum here
        return not at_min and not cont.blew_up and cont.moved <= 1e-2 * r.scale, seen
    if status == Status.OSCILLATING:  # neither settles nor blows up when continued
        settles = cont.last_moves <= 1e-6 * r.scale
        return not cont.blew_up and not settles, seen
    if status == Status.MAX_STEPS:  # it was not done: not clearly at a minimum or stuck
        stuck = not cont.blew_up and cont.moved <= 1e-4 * r.scale and not at_min
        saddle = r.dist <= 1e-7 and r.eig is not None and not _psd(r.eig) and stays
        return not (clearly_at_min and stays) and not stuck and not saddle, seen
    return False, seen
