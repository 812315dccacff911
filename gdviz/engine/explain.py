"""One-sentence human reasons for how a run ended.

The sentence gives the numbers a student needs to see *why*: for plain GD and
momentum it compares η with the stability bound 2/λ_max (see
``stability.py``), names the stationary point a run stopped at (minimum,
local minimum or saddle), and suggests what to try next.
"""

from __future__ import annotations

import numpy as np

from . import stability
from .runs import Batch, Status


EDGE = 0.9  # lr ≥ this × the stability bound: "at the edge of stability"
ADAPTIVE = {"adagrad", "rmsprop", "adam", "adamw"}  # per-weight step sizes, no 2/λ bound


def fmt(v: float) -> str:
    """A number as a person reads it: 3 significant digits."""
    if v is None or not np.isfinite(v):
        return "NaN" if v is None or np.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0:
        return "0"
    s = f"{v:.3g}"
    return s.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def point(p) -> str:
    return "(" + ", ".join(fmt(float(v)) for v in p) + ")"


def explain(batch: Batch, run: int) -> str:
    """The run's one-sentence reason. An objective with a ``reason(batch, run)`` method
    may give its own (a sentence, or None for the generic one): e.g. a complex weight
    stepped with a mistaken gradient, where the generic bound would not say why."""
    status = Status(int(batch.status[run]))
    own = getattr(batch.objective, "reason", None)
    if own is not None and status != Status.RUNNING:
        sentence = own(batch, run)
        if sentence:
            return sentence
    if status == Status.CONVERGED:
        return _converged(batch, run)
    if status == Status.DIVERGED:
        return _diverged(batch, run)
    if status == Status.OSCILLATING:
        return _oscillating(batch, run)
    if status == Status.MAX_STEPS:
        return _max_steps(batch, run)
    return f"Running: step {batch.step}."


def _minimum_and_bound(batch: Batch, run: int, where: np.ndarray):
    """(point, curvature, bound) at the known minimum nearest ``where`` (or at it)."""
    at, curv = stability.curvature_near(batch.objective, where)
    if curv is None:
        return None, None, None
    b = stability.bound(batch.optimizer.id, batch.hyper_of(run), curv.lam_max)
    return at, curv, b


def _bound_clause(batch: Batch, run: int, at, curv, b) -> str:
    lr = batch.hyper_of(run)["lr"]
    name = stability.bound_formula(batch.optimizer.id, batch.hyper_of(run))
    where = f"at the minimum {point(at)}" if at is not None else "where it started"
    rel = ">" if lr > b else ("=" if np.isclose(lr, b) else "<")
    return (f"lr {fmt(lr)} {rel} {name} = {fmt(b)} "
            f"(λ_max = {fmt(curv.lam_max)} is the steepest curvature of the Hessian {where})")


def _converged(batch: Batch, run: int) -> str:
    p, step = batch.params[run], int(batch.end_step[run])
    loss = float(batch.loss[run])
    steps = f"in {step} step{'s' if step != 1 else ''}" if step else "at the start"
    if getattr(batch.objective, "hessian", None) is None:  # a network: no curvature to read
        if step == 0 and not np.any(p):
            return (f"Stuck at the start, not trained: every weight is 0 (zeros init), so every "
                    f"unit computes the same thing and no weight gets a gradient (‖∇L‖ = "
                    f"{fmt(float(np.linalg.norm(batch.grad[run])))}, loss {fmt(loss)}) — use a "
                    f"random init (xavier, glorot or he).")
        return (f"Converged {steps}: the gradient vanished (‖∇L‖ = "
                f"{fmt(float(np.linalg.norm(batch.grad[run])))}) with loss {fmt(loss)} — a "
                f"minimum, or a flat spot of the loss.")
    h = batch.objective.hessian(p[None, :])[0]
    curv = stability.curvature(h)
    if np.isfinite(curv.lam_min) and curv.lam_min < -1e-9:
        return (f"Stopped {steps} at {point(p)}, a saddle point, not a minimum: the gradient is "
                f"zero but the Hessian has eigenvalues {fmt(curv.lam_max)} and {fmt(curv.lam_min)}"
                f" — nudge the start off the ridge so it can roll down.")
    minima = stability.known_minima(batch.objective)
    kind = "a minimum"
    if minima.size:
        losses = batch.objective.loss_and_grad(minima)[0]
        best = minima[int(np.argmin(losses))]
        if loss > float(np.min(losses)) + 1e-6 * (1 + abs(float(np.min(losses)))):
            kind = (f"a local minimum (the global minimum is at {point(best)} "
                    f"with loss {fmt(float(np.min(losses)))})")
        else:
            kind = "a global minimum"
    return f"Converged {steps} to {point(p)}, {kind}, with loss {fmt(loss)}."


UNDEFINED_WITHIN = 1e6  # a non-finite loss at weights this small is f's domain, not overflow


def _diverged(batch: Batch, run: int) -> str:
    step = int(batch.end_step[run])
    p, loss, l0 = batch.params[run], float(batch.loss[run]), float(batch.loss0[run])
    start = batch.start[run]
    if np.isfinite(p).all() and np.abs(p).max() <= UNDEFINED_WITHIN and not np.isfinite(loss):
        # nothing overflowed: f itself has no finite value there (a custom f's log(x) at
        # x < 0, sqrt of a negative, 1/0) — a step size problem only in that it got there
        return (f"Stopped at step {step}: the step landed on {point(p)}, where f has no "
                f"finite value (it is {fmt(loss)}: e.g. log or sqrt of a negative number, or "
                f"a division by 0) — use a smaller lr, or start farther from that region.")
    if not (np.isfinite(p).all() and np.isfinite(loss) and np.isfinite(batch.grad[run]).all()):
        what = (f"the loss overflowed to {fmt(loss)} (float64 tops out near 1.8e308)"
                if np.isfinite(p).all() else "the weights overflowed to inf/NaN")
        cause = f"Diverged at step {step}: {what}"
    elif loss > l0:
        cause = f"Diverged at step {step}: the loss exploded from {fmt(l0)} to {fmt(loss)}"
    else:
        cause = (f"Diverged at step {step}: the run ran off to {point(p)} with loss {fmt(loss)} "
                 f"— this surface has no minimum in that direction")
        return cause + "."
    at, curv, b = _minimum_and_bound(batch, run, start)
    lr = batch.hyper_of(run)["lr"]
    if b is not None:
        if lr > b:
            return (f"{cause} because {_bound_clause(batch, run, at, curv, b)}, so every step "
                    f"overshoots by more than it corrects — use lr below {fmt(b)}.")
        here = stability.curvature(batch.objective.hessian(start[None, :])[0])
        b_start = stability.bound(batch.optimizer.id, batch.hyper_of(run), here.lam_max)
        if b_start is not None and lr > b_start:
            formula = stability.bound_formula(batch.optimizer.id, batch.hyper_of(run))
            return (f"{cause}: lr {fmt(lr)} is below {formula}"
                    f" = {fmt(b)} at the minimum but the start is much steeper "
                    f"(λ_max = {fmt(here.lam_max)}, bound {fmt(b_start)}) — use lr below "
                    f"{fmt(b_start)} or start closer.")
    return f"{cause} — the learning rate {fmt(lr)} is too large here; try a smaller one."


def _oscillating(batch: Batch, run: int) -> str:
    step, loss = int(batch.end_step[run]), float(batch.loss[run])
    at, curv, b = _minimum_and_bound(batch, run, batch.params[run])
    head = (f"Oscillating: after {step} steps the loss is stuck near {fmt(loss)} while each "
            f"step jumps back across the valley")
    if batch.noise is not None:
        return (f"Bouncing around: after {step} steps the loss hovers near {fmt(loss)} because "
                f"the gradient noise (σ = {fmt(float(batch.noise.sigma))}) never dies down — a "
                f"smaller or decaying learning rate (a schedule) lets it settle.")
    if b is not None and batch.hyper_of(run)["lr"] < b:
        return (f"{head}: {_bound_clause(batch, run, at, curv, b)}, just inside the bound — "
                f"each step overshoots the valley floor and lands almost as far up the other "
                f"side, so the zig-zag dies out only very slowly; lower lr to about "
                f"{fmt(b / 2)} to settle fast.")
    if b is not None:
        return f"{head}; {_bound_clause(batch, run, at, curv, b)} — lower lr below {fmt(b)}."
    if getattr(batch.objective, "hessian", None) is None:  # a network: no bound to quote
        return (f"{head}: lr {fmt(batch.hyper_of(run)['lr'])} is too large for the steepest "
                f"direction of the loss here, so steps overshoot — lower the learning rate.")
    return (f"{head}: {batch.optimizer.name}'s steps stay about lr = "
            f"{fmt(batch.hyper_of(run)['lr'])} long — lower the learning rate.")


def _max_steps(batch: Batch, run: int) -> str:
    step, loss, l0 = int(batch.end_step[run]), float(batch.loss[run]), float(batch.loss0[run])
    gnorm = float(np.linalg.norm(batch.grad[run]))
    head = f"Stopped after {step} steps without converging: loss {fmt(l0)} → {fmt(loss)}"
    if gnorm < 1e-3 and abs(l0 - loss) < 1e-2 * (1 + abs(l0)):
        return (f"{head}, and ‖∇L‖ = {fmt(gnorm)} is tiny: a plateau where the loss barely moves "
                f"— a larger learning rate, momentum or Adam would cross it.")
    if getattr(batch.objective, "hessian", None) is not None:
        at, curv, b = _minimum_and_bound(batch, run, batch.params[run])
        if b is not None and batch.hyper_of(run)["lr"] >= EDGE * b:
            return (f"{head}, ‖∇L‖ = {fmt(gnorm)}: {_bound_clause(batch, run, at, curv, b)}, at "
                    f"the edge of stability — the steepest direction barely shrinks each step; "
                    f"lower lr to about {fmt(b / 2)}.")
    if batch.optimizer.id in ADAPTIVE:
        return (f"{head}, ‖∇L‖ = {fmt(gnorm)} — still moving: give it more steps; near a minimum "
                f"{batch.optimizer.name}'s steps stay about lr long, so a schedule that decays "
                f"the learning rate helps it settle.")
    return (f"{head}, ‖∇L‖ = {fmt(gnorm)} — still moving: give it more steps or a larger "
            f"learning rate.")
