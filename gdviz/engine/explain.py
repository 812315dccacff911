"""One-sentence human reasons for how a run ended (docs/status.md).

The sentence gives the numbers a student needs to see *why*, read where the run
is: the curvature at the minimum it reached or is heading for (or where it
bounces), the stability bound there (2/λ_max for GD, see ``stability.py``) — an
infinite curvature is a kink and is said so —, the known minima (never "the global
minimum" when several tie), and what to try next. Advice never points the wrong
way: a run that needs a smaller η is never told to take a larger one, a run whose
η a schedule has already cut is not told to raise it, and an active schedule,
clipping or gradient noise is named where it shapes the outcome.
"""

from __future__ import annotations

import numpy as np

from . import stability
from .nets.network import Network
from .runs import Batch, Stall, Status, norms

EDGE = 0.1  # |η − bound| ≤ this × bound: "at the edge of stability" (either side)
ADAPTIVE = {"adagrad", "rmsprop", "adam", "adamw"}  # per-weight step sizes, no 2/λ bound
FIXED = {"gd", "momentum", "nesterov"}
SLOW = 1e-5  # a network whose mean step is below this × (1 + ‖θ‖) "barely moves"


def fmt(v: float) -> str:
    """A number as a person reads it: 3 significant digits."""
    if v is None or not np.isfinite(v):
        return "NaN" if v is None or np.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0:
        return "0"
    s = f"{v:.3g}"
    return s.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def point(p) -> str:
    """(x, y) — or, for a function of one variable, x = …"""
    if len(p) == 1:
        return f"x = {fmt(float(p[0]))}"
    return "(" + ", ".join(fmt(float(v)) for v in p) + ")"


def _one_variable(batch: Batch) -> bool:
    """f(x): the curvature is f″ (the 1 × 1 Hessian) and the gradient's size |f′|."""
    return batch.params.shape[1] == 1


def _lam(batch: Batch) -> str:
    """The curvature's name in a sentence: f″ on a curve, λ_max on a surface."""
    return "f″" if _one_variable(batch) else "λ_max"


def _g(batch: Batch) -> str:
    """The gradient's size in a sentence: |f′| on a curve, ‖∇L‖ elsewhere."""
    return "|f′|" if _one_variable(batch) else "‖∇L‖"


def _steepest(batch: Batch) -> str:
    return "the curvature of f" if _one_variable(batch) else "the steepest curvature of the Hessian"


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


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
    return {Status.CONVERGED: _converged, Status.DIVERGED: _diverged,
            Status.OSCILLATING: _oscillating, Status.MAX_STEPS: _max_steps,
            Status.STALLED: _stalled, Status.NOISE_FLOOR: _noise_floor}.get(
        status, lambda b, r: f"Running: step {b.step}.")(batch, run)


def stall_of(batch: Batch, run: int) -> str | None:
    """``saddle``, ``plateau`` or ``start`` for a stalled run, else None."""
    return Stall(int(batch.stall[run])).label


# --- facts about a run -----------------------------------------------------------------

def _lr(batch: Batch, run: int) -> float:
    """The η in force at the run's last frame (its schedule applied)."""
    return batch.lr_of(run)


def _hyper(batch: Batch, run: int) -> dict:
    return batch.hyper_of(run)


def _grad_norm(batch: Batch, run: int) -> float:
    return float(norms(batch.grad[run][None])[0])


def _has_curvature(batch: Batch) -> bool:
    return getattr(batch.objective, "hessian", None) is not None


def _curvature(batch: Batch, at) -> stability.Curvature | None:
    if at is None or not np.isfinite(at).all():
        return None
    with np.errstate(all="ignore"):
        return stability.curvature(batch.objective.hessian(np.asarray(at, float)[None])[0])


def _bound(batch: Batch, run: int, curv) -> float | None:
    if curv is None or not np.isfinite(curv.lam_max):
        return None
    return stability.bound(batch.optimizer.id, _hyper(batch, run), curv.lam_max)


def _formula(batch: Batch, run: int) -> str:
    return stability.bound_formula(batch.optimizer.id, _hyper(batch, run), _lam(batch))


def _known(batch: Batch) -> np.ndarray:
    return stability.known_minima(batch.objective)


def _minimum_losses(batch: Batch, minima: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(batch.objective.loss_and_grad(minima)[0], float)


def _heading(batch: Batch, run: int, known: bool = True):
    """The minimum the run is at, heading for or circling: Newton's iteration from where
    it is (the exact Hessian), else (``known``) the nearest known minimum. None if neither."""
    if _has_curvature(batch) and np.isfinite(batch.params[run]).all():
        ahead, at = batch.minimum_ahead(np.array([run]), batch.params[run][None].copy())
        if ahead[0]:
            return at[0]
    return stability.nearest_minimum(_known(batch), batch.params[run]) if known else None


def _rank(batch: Batch, i: int, minima: np.ndarray, losses: np.ndarray) -> str:
    """Known minimum i as "the global minimum", "one of the 4 lowest minima (all at loss
    0)" or "a local minimum (the lowest, loss −0.305, is at (−1.04, 0))"."""
    low = stability.lowest_minima(losses)
    best = float(losses[low[0]])
    if i in low:
        if len(low) == 1:
            return "the global minimum"
        return f"one of the {len(low)} lowest minima (all at loss {fmt(best)})"
    where = " and ".join(point(minima[j]) for j in low[:4]) + (" …" if len(low) > 4 else "")
    if len(low) == 1:
        return f"a local minimum (the lowest, loss {fmt(best)}, is at {where})"
    return f"a local minimum (the {len(low)} lowest, all at loss {fmt(best)}, are at {where})"


def _what_minimum(batch: Batch, run: int, at) -> str:
    """Which minimum ``at`` is: ranked among the listed minima of f; with coupled weight
    decay the minimum of f + (λ/2)‖θ‖², pulled from the listed one it is near."""
    minima = _known(batch)
    wd = float(_hyper(batch, run).get("weight_decay", 0.0))
    coupled = wd > 0 and batch.optimizer.id != "adamw"
    penalised = f"the minimum of f + (λ/2)‖θ‖² (weight decay λ = {fmt(wd)})"
    if not minima.size:
        return penalised if coupled else "a minimum"
    d = np.linalg.norm(minima - np.asarray(at, float), axis=1)
    i = int(np.argmin(d))
    scale = 1 + float(np.linalg.norm(minima[i]))
    rank = _rank(batch, i, minima, _minimum_losses(batch, minima))
    if coupled:
        if d[i] <= 0.1 * scale:
            return f"{penalised}, pulled toward 0 from {point(minima[i])}, {rank} of f"
        return penalised
    if d[i] <= 1e-3 * scale:
        return rank
    return "a minimum that is not among the listed ones"


def _decay_words(batch: Batch, run: int) -> str:
    """" of L + (λ/2)‖θ‖² (weight decay λ = …)" where coupled weight decay shapes the minimum."""
    wd = float(_hyper(batch, run).get("weight_decay", 0.0))
    if wd <= 0 or batch.optimizer.id == "adamw":
        return ""
    return f" of L + (λ/2)‖θ‖² (weight decay λ = {fmt(wd)})"


def _extras(batch: Batch, run: int) -> str:
    """A clause naming an active schedule, clipping and gradient noise ("" if none)."""
    parts = []
    if batch.schedule is not None and batch.schedule.kind != "constant":
        base = float(_hyper(batch, run)["lr"])
        parts.append(f"{batch.schedule.describe()} set η to {fmt(_lr(batch, run))} "
                     f"(from {fmt(base)})")
    if batch.clip_norm is not None:
        parts.append(f"clipping caps each gradient at norm {fmt(float(batch.clip_norm))}")
    if batch.noise is not None:
        parts.append(f"gradient noise σ = {fmt(float(batch.noise.sigma))} jitters every step")
    return ("; " + "; ".join(parts)) if parts else ""


def _bound_clause(batch: Batch, run: int, at, curv, b: float, where: str | None = None) -> str:
    lr = _lr(batch, run)
    name = _formula(batch, run)
    if where is None:
        where = f"at the minimum {point(at)}" if at is not None else "where it is"
    rel = ">" if lr > b * (1 + 1e-12) else ("<" if lr < b * (1 - 1e-12) else "=")
    return (f"η {fmt(lr)} {rel} {name} = {fmt(b)} ({_lam(batch)} = {fmt(curv.lam_max)} is "
            f"{_steepest(batch)} {where})")


def _kink(batch: Batch, at) -> bool:
    """A minimum whose curvature is infinite (a cone point, e.g. Ackley's at 0)."""
    curv = _curvature(batch, at)
    return curv is not None and not np.isfinite(curv.lam_max)


# --- converged --------------------------------------------------------------------------

def _same_output(batch: Batch, run: int) -> str | None:
    """For a network that gives every training input the same output (``SAME_OUTPUT``),
    the rest of the sentence saying so: it scores what a constant guess does, its hidden
    units saturated or dead, passing back no gradient — a flat stretch the gradient
    vanished on, not a minimum that fits the data. None otherwise."""
    net = batch.objective
    if not isinstance(net, Network) or not net.same_output(batch.params[run]):
        return None
    acc = net.metrics(batch.params[run:run + 1], train_loss=False).accuracy[0]
    score = (f", so it scores what a constant guess does (training accuracy "
             f"{100 * acc:.0f} %)" if np.isfinite(acc) else "")
    return f"{score}: {net.stuck_units()}, before it learned anything"


def _converged(batch: Batch, run: int) -> str:
    p, step = batch.params[run], int(batch.end_step[run])
    loss = float(batch.loss[run])
    when = f"in {_steps(step)}" if step else "at the start"
    if not _has_curvature(batch):  # a network: the secant along the last step says minimum
        same = _same_output(batch, run)
        if same is not None:
            return (f"Converged {when} to a flat stretch, not a fit of the data: the gradient "
                    f"vanished ({_g(batch)} = {fmt(_grad_norm(batch, run))}) with loss "
                    f"{fmt(loss)}, but the network gives every input the same output{same} "
                    f"— a smaller η or another init keeps them in range.")
        return (f"Converged {when}: the gradient vanished ({_g(batch)} = {fmt(_grad_norm(batch, run))})"
                f" and the loss curves up along the last step — a minimum, with loss "
                f"{fmt(loss)}{_decay_words(batch, run)}.")
    kind = _what_minimum(batch, run, p)
    kink = " (a kink: the curvature there is infinite)" if _kink(batch, p) else ""
    start = " — it started there" if not step else ""
    since = batch.still_since(run) if step else 0
    if 0 < since < step:
        start = (f" — it got there at step {since}, and the "
                 + ("step after did not move it" if since + 1 == step
                    else f"{step - since} steps after did not move it"))
    adamw = ""
    wd = float(_hyper(batch, run).get("weight_decay", 0.0))
    if batch.optimizer.id == "adamw" and wd > 0:
        adamw = (f" (AdamW's decoupled weight decay λ = {fmt(wd)} moves its fixed point only "
                 f"by about ε·λθ)")
    return (f"Converged {when} to {point(p)}, {kind}{kink}{adamw}, with loss {fmt(loss)}"
            f"{start}.")


# --- stalled ------------------------------------------------------------------------------

def _zeros_init(batch: Batch, run: int) -> str:
    """Why a network started at all-zero weights does not train (symmetry: no gradient)."""
    return (f"every weight started at 0 (zeros init), so every unit computes the same thing "
            f"and no weight gets a gradient ({_g(batch)} = {fmt(_grad_norm(batch, run))}, loss "
            f"{fmt(float(batch.loss[run]))}) — use a random init (xavier, glorot or he).")


def _stalled(batch: Batch, run: int) -> str:
    kind = Stall(int(batch.stall[run]))
    p, step = batch.params[run], int(batch.end_step[run])
    when = f"after {_steps(step)}" if step else "at the start"
    gnorm = _grad_norm(batch, run)
    if kind == Stall.SADDLE:
        curv = _curvature(batch, p)
        if curv is not None and curv.lam_max < 0 and _one_variable(batch):
            return (f"Stalled {when} at {point(p)}, a maximum, not a minimum: the slope f′ is "
                    f"zero but f″ = {fmt(curv.lam_min)} < 0 — start a little to one side so it "
                    f"can roll down.")
        if curv is not None and curv.lam_max < 0:
            return (f"Stalled {when} at {point(p)}, a local maximum, not a minimum: the gradient "
                    f"is zero and every direction curves down (Hessian eigenvalues "
                    f"{fmt(curv.lam_max)} and {fmt(curv.lam_min)}) — move the start off it so "
                    f"the run can roll downhill.")
        eig = (f"the Hessian has eigenvalues {fmt(curv.lam_max)} and {fmt(curv.lam_min)}"
               if curv is not None else "the loss curves down along the last step")
        return (f"Stalled {when} at {point(p)}, a saddle point, not a minimum: the gradient is "
                f"zero but {eig} — nudge the start off the ridge (or add gradient noise) so it "
                f"can roll down.")
    if kind == Stall.START:
        if not np.any(batch.start[run]):
            return f"Stalled at the start, not trained: {_zeros_init(batch, run)}"
        moved = float(norms((p - batch.start[run])[None])[0])
        return (f"Stalled: in {_steps(step)} the weights moved only {fmt(moved)} from the "
                f"start ({_g(batch)} = {fmt(gnorm)}) — a stationary point or a flat spot of the loss; "
                f"try another init or a larger learning rate.")
    # a plateau, or a flat spot
    stats = batch.window_stats(run)
    lr = _lr(batch, run)
    if step == 0 or stats["step"] == 0 and gnorm == 0:
        return (f"Stalled {when} on a flat spot at {point(p)}: the gradient and the curvature "
                f"are both 0 there to float precision (loss {fmt(float(batch.loss[run]))}), so "
                f"no step moves the run, and the slope gives no sign of where a minimum is; "
                f"start somewhere else.")
    tip = ("Adam or RMSprop, which divide each step by the gradient's own size, cross it at "
           "full speed" if batch.optimizer.id not in ADAPTIVE
           else "a larger η crosses it")
    return (f"Stalled {when} on a plateau at {point(p)}: {_g(batch)} = {fmt(gnorm)}, so with η = "
            f"{fmt(lr)} each step moves about {fmt(stats['step'])} — the loss is flat here and "
            f"no minimum is within reach; at this pace it would take more than a million "
            f"steps to move 1 % of the way. {tip[0].upper()}{tip[1:]}, or start nearer a "
            f"minimum.")


# --- diverged -------------------------------------------------------------------------------

UNDEFINED_WITHIN = 1e6  # a non-finite loss at weights this small is f's domain, not overflow


def _diverged(batch: Batch, run: int) -> str:
    step = int(batch.end_step[run])
    p, loss, l0 = batch.params[run], float(batch.loss[run]), float(batch.loss0[run])
    start = batch.start[run]
    lr = _lr(batch, run)
    if np.isfinite(p).all() and np.abs(p).max() <= UNDEFINED_WITHIN and not np.isfinite(loss):
        # nothing overflowed: f itself has no finite value there (a custom f's log(x) at
        # x < 0, sqrt of a negative, 1/0) — a step size problem only in that it got there
        if step == 0:
            return (f"Stopped at step 0: f has no finite value at the start {point(p)} (it "
                    f"is {fmt(loss)}: e.g. log or sqrt of a negative number, a division by "
                    f"0, or a value beyond float64) — start elsewhere.")
        return (f"Stopped at step {step}: the step landed on {point(p)}, where f has no "
                f"finite value (it is {fmt(loss)}: e.g. log or sqrt of a negative number, or "
                f"a division by 0) — use a smaller η, or start farther from that region.")
    g = batch.grad[run]
    if np.isfinite(p).all() and np.isfinite(loss) and not np.isfinite(g).all():
        # the loss is a number but its slope is not: a cusp's tip (√(x² + y²) at 0), a
        # vertical tangent (√x at 0), or a slope beyond float64 (1/x at 1e-300)
        return (f"Stopped at step {step}: at {point(p)} the loss is {fmt(loss)} but the "
                f"gradient is {point(g) if g.size > 1 else fmt(float(g[0]))} — f's slope "
                f"there is infinite, undefined or beyond float64 (the tip of a cusp such as "
                f"√(x² + y²) at 0, or a vertical tangent such as √x at 0), so gradient descent "
                f"has no step to take from it. "
                + ("Start elsewhere." if step == 0 else "Use another η, or start elsewhere."))
    if not (np.isfinite(p).all() and np.isfinite(loss) and np.isfinite(g).all()):
        what = (f"the loss overflowed to {fmt(loss)} (float64 tops out near 1.8e308)"
                if np.isfinite(p).all() else "the weights overflowed to inf/NaN")
        cause = f"Diverged at step {step}: {what}"
    elif loss > l0:
        cause = f"Diverged at step {step}: the loss exploded from {fmt(l0)} to {fmt(loss)}"
    else:
        return (f"Diverged at step {step}: the run ran off to {point(p)} with loss {fmt(loss)} "
                f"— this surface has no minimum in that direction.")
    extras = _extras(batch, run)
    if not _has_curvature(batch):
        return f"{cause} — η = {fmt(lr)} is too large here; try a smaller one{extras}."
    at = stability.nearest_minimum(_known(batch), start)
    curv = _curvature(batch, at if at is not None else start)
    if curv is not None and not np.isfinite(curv.lam_max) and at is None:
        return (f"{cause}: the start {point(start)} sits on a kink, where the slope jumps and "
                f"the curvature is infinite, so the curvature there gives no stable η to go by; "
                f"η = {fmt(lr)} was too large for the slopes it met — try a smaller one{extras}.")
    if curv is not None and not np.isfinite(curv.lam_max):
        return (f"{cause}: the minimum {point(at)} is a kink, where the slope jumps and the "
                f"curvature is infinite, so no η is small enough for GD to settle in it — it "
                f"only makes the hops around it smaller; η = {fmt(lr)} is too large for the "
                f"walls it met{extras}.")
    b = _bound(batch, run, curv)
    if b is not None and lr > b:
        return (f"{cause} because {_bound_clause(batch, run, at, curv, b)}, so every step "
                f"overshoots by more than it corrects — use η below {fmt(b)}{extras}.")
    here = _curvature(batch, start)
    b_start = _bound(batch, run, here)
    if b is not None and b_start is not None and lr > b_start:
        return (f"{cause}: η {fmt(lr)} is below {_formula(batch, run)} = {fmt(b)} at the "
                f"minimum but the start is much steeper ({_lam(batch)} = {fmt(here.lam_max)}, bound "
                f"{fmt(b_start)}) — use η below {fmt(b_start)} or start closer{extras}.")
    return f"{cause} — η = {fmt(lr)} is too large here; try a smaller one{extras}."


# --- oscillating ----------------------------------------------------------------------------

def _oscillating(batch: Batch, run: int) -> str:
    step = int(batch.end_step[run])
    stats = batch.window_stats(run)
    lr = _lr(batch, run)
    extras = _extras(batch, run)
    head = (f"Oscillating: after {_steps(step)} the loss goes nowhere (between "
            f"{fmt(stats['lo'])} and {fmt(stats['hi'])}) while each step jumps back across")
    if not _has_curvature(batch):  # a network: no Hessian to quote
        return (f"{head} the valley: η = {fmt(lr)} is too large for the steepest direction of "
                f"the loss here, so steps overshoot — lower the learning rate{extras}.")
    at = _heading(batch, run)
    target = f"the minimum {point(at)}" if at is not None else "the valley"
    if at is not None and _kink(batch, at) or _jumps(batch, run):
        return (f"{head} {target}: there the slope jumps (a kink: the curvature is infinite), "
                f"so however close it gets, each step stays about η·|slope| long and hops "
                f"over — a smaller η makes the hops smaller, a decaying one (a schedule) lets "
                f"it settle{extras}.")
    if batch.optimizer.id in ADAPTIVE:
        return (f"{head} {target}: {batch.optimizer.name} divides each step by the gradient's "
                f"recent size, so near the bottom its steps (about {fmt(stats['step'])} "
                f"each, with η = {fmt(lr)}) stop shrinking — lower η, or decay it with a "
                f"schedule{extras}.")
    curv = _curvature(batch, at)
    b = _bound(batch, run, curv)
    if b is None:
        return (f"{head} {target}: {batch.optimizer.name}'s steps stay about as long as they "
                f"are — lower the learning rate{extras}.")
    clause = _bound_clause(batch, run, at, curv, b)
    if abs(lr - b) <= EDGE * b:
        side = ("exactly at" if np.isclose(lr, b, rtol=1e-9) else
                "just beyond" if lr > b else "just inside")
        return (f"{head} {target}: {clause}, {side} the bound — each step lands about as far "
                f"up the other side as it started, so the zig-zag neither dies out nor grows; "
                f"lower η to about {fmt(b / 2)} to settle fast{extras}.")
    if lr > b:
        return (f"{head} {target}: {clause} — beyond the bound each step would overshoot "
                f"more than it corrects, but the walls steepen less farther out (f is no "
                f"quadratic), so the run bounces in a cycle instead of diverging; lower η "
                f"below {fmt(b)}{extras}.")
    here = _curvature(batch, batch.params[run])
    bh = _bound(batch, run, here)
    where = (f"; where it bounces the curvature is {_lam(batch)} = {fmt(here.lam_max)}, bound "
             f"{fmt(bh)}" if bh is not None else "")
    return (f"{head} {target}: {clause}, inside the bound at the minimum, yet it bounces "
            f"between walls away from it{where} — lower η below {fmt(min(b, bh or b) / 2)} "
            f"to reach the bottom{extras}.")


def _jumps(batch: Batch, run: int) -> bool:
    """Across the last step the gradient changed far more than the Hessian says it can
    (‖Δ∇f‖ > 10 (‖H‖·‖Δθ‖) + tiny): the run hops over a kink (|x|, relu, max …)."""
    if int(batch.end_step[run]) < 1:
        return False
    a = batch.previous_params(run)
    b = batch.params[run]
    with np.errstate(all="ignore"):
        ga = batch.objective.loss_and_grad(a[None])[1][0]
        gb = batch.grad[run]
        h = batch.objective.hessian(b[None])[0]
        dtheta = float(np.linalg.norm(b - a))
        dg = float(np.linalg.norm(gb - ga))
        hn = float(np.abs(h).max()) if np.isfinite(h).all() else np.inf
    return bool(np.isfinite(hn) and dg > 10 * hn * dtheta + 1e-12 * (1 + float(
        np.linalg.norm(gb))))


# --- noise floor -------------------------------------------------------------------------------

def _noise_floor(batch: Batch, run: int) -> str:
    stats = batch.window_stats(run)
    lr = _lr(batch, run)
    if batch.noise is not None:
        source = f"the gradient noise (σ = {fmt(float(batch.noise.sigma))})"
    else:
        size = getattr(batch.objective, "batch_size", None)
        source = f"the mini-batches ({size} points each)" if size else "the mini-batch noise"
    spread = f"between {fmt(stats['lo'])} and {fmt(stats['hi'])}"
    at = _heading(batch, run) if _has_curvature(batch) else None
    if at is not None:
        f_at = float(batch.objective.loss_and_grad(np.asarray(at, float)[None])[0][0])
        seen = (f"it circles the minimum {point(at)} (loss {fmt(f_at)}): over the last "
                f"{stats['n']} steps its loss averaged {fmt(stats['mean'] - f_at)} above the "
                f"minimum's ({spread})")
    else:
        seen = (f"over the last {stats['n']} steps its loss has had no trend, hovering around "
                f"{fmt(stats['mean'])} ({spread})")
    sched = ""
    if batch.schedule is not None and batch.schedule.decays:
        base = float(_hyper(batch, run)["lr"])
        sched = (f" {batch.schedule.describe().capitalize()} has lowered η from {fmt(base)} "
                 f"to {fmt(lr)}, and the floor fell with it.")
    return (f"At the noise floor: {seen} — {source} kicks every step, so the run jitters "
            f"instead of settling; the floor grows with η (now {fmt(lr)}), so a smaller or "
            f"decaying η (a schedule) lowers it.{sched}")


# --- out of steps -------------------------------------------------------------------------------

def _max_steps(batch: Batch, run: int) -> str:
    step, loss, l0 = int(batch.end_step[run]), float(batch.loss[run]), float(batch.loss0[run])
    gnorm = _grad_norm(batch, run)
    lr = _lr(batch, run)
    base = float(_hyper(batch, run)["lr"])
    extras = _extras(batch, run)
    head = f"Stopped after {_steps(step)} without converging: loss {fmt(l0)} → {fmt(loss)}"
    stats = batch.window_stats(run)
    w = batch.tol.window
    older, newer = _halves(batch, run)
    cut = batch.schedule is not None and batch.schedule.decays and lr < 0.5 * base
    moved = float(norms((batch.params[run] - batch.start[run])[None])[0])
    if moved <= 1e-3 * (1 + float(norms(batch.start[run][None])[0])):
        if not _has_curvature(batch) and not np.any(batch.start[run]):
            # a network still at its zeros init: no optimizer or η would move it
            return f"{head}: it never left the start — {_zeros_init(batch, run)}"
        clip = batch.clip_norm
        if clip is not None and float(clip) <= 0.01 * gnorm:  # the clip holds it, not the slope
            return (f"{head}: it has barely moved (the weights by {fmt(moved)} in all, about "
                    f"{fmt(stats['step'])} a step) because clipping caps each gradient at "
                    f"norm {fmt(float(clip))}, far below {_g(batch)} = {fmt(gnorm)}: the "
                    f"steps it leaves are that small — raise clip_norm, or remove it.")
        tip = (" — Adam or RMSprop, which divide each step by the gradient's own size, or "
               "momentum cross such a plateau" if batch.optimizer.id not in ADAPTIVE else
               " — a larger η or more steps")
        return (f"{head}: it has barely moved (the weights by {fmt(moved)} in all, about "
                f"{fmt(stats['step'])} a step) because {_g(batch)} = {fmt(gnorm)} is tiny here: the "
                f"loss is flat, a plateau{tip}{extras}.")
    noisy = batch.noise is not None or getattr(batch.objective, "stochastic", False)
    at = _heading(batch, run, known=noisy) if _has_curvature(batch) else None
    if noisy:
        where = ""
        if at is not None:
            where = f" toward the minimum {point(at)}"
        if cut:
            return (f"{head}: as {batch.schedule.describe()} lowered η from {fmt(base)} to "
                    f"{fmt(lr)}, the noise's jitter died down and the run settled{where} — "
                    f"the loss was still falling with η over the last {stats['n']} steps, "
                    f"the floor the noise sets falling with it{extras}.")
        trend = stats["trend"]
        how = ("still falls" if trend < 0 else "still rises" if trend > 0 else "moves")
        if at is None and trend < 0:
            return (f"{head}: through the noise the loss still falls (by {fmt(-trend)} between "
                    f"the halves of the last {stats['n']} steps), and the curvature where it "
                    f"is points to no minimum ahead — it is sliding downhill{extras}.")
        return (f"{head}: through the noise the loss {how} (by {fmt(abs(trend))} between the "
                f"halves of the last {stats['n']} steps){where} — give it more steps"
                f"{extras}.")
    if not _has_curvature(batch):
        length = 1 + float(norms(batch.params[run][None])[0])
        if stats["step"] <= SLOW * length:
            return (f"{head}: it barely moves — each step changes the weights by about "
                    f"{fmt(stats['step'])} (their size is {fmt(length - 1)}) because {_g(batch)} = "
                    f"{fmt(gnorm)} is tiny: a plateau of the loss, not a minimum; the Why? tab "
                    f"says what holds it there{extras}.")
        tip = (" — give it more steps" + ("; near a minimum its steps stay about η long, so a "
                                           "schedule that decays η helps it settle"
                                           if batch.optimizer.id in ADAPTIVE else ""))
        return f"{head}, {_g(batch)} = {fmt(gnorm)} — still learning{tip}{extras}."
    curv = _curvature(batch, at)
    b = _bound(batch, run, curv)
    if newer > 2 * older > 0:  # the zig-zag grows: diverging, slowly
        grow = (newer / older) ** (1 / w)
        bound = f" ({_bound_clause(batch, run, at, curv, b)})" if b is not None else ""
        return (f"{head}: its steps grow {fmt(100 * (grow - 1))} % per step — it is diverging, "
                f"slowly{bound}; lower η{' below ' + fmt(b) if b is not None else ''}{extras}.")
    if at is None:
        return (f"{head}, {_g(batch)} = {fmt(gnorm)}: the curvature where it is points to no minimum "
                f"ahead (the surface is flat or curves down here) — it is crossing a plateau or "
                f"sliding down a slope; give it more steps"
                + (", or use momentum or Adam to cross flat stretches faster"
                   if batch.optimizer.id not in ADAPTIVE and not cut else "") + f"{extras}.")
    dist = float(np.linalg.norm(batch.params[run] - at))
    to = f"the minimum {point(at)}, {fmt(dist)} away"
    if batch.optimizer.id in ("rmsprop", "adam", "adamw") and \
            dist <= 10 * batch.tol.xtol * (1 + float(np.linalg.norm(at))):
        lam = _curvature(batch, at)
        where = f" ({_lam(batch)} = {fmt(lam.lam_max)})" if lam is not None else ""
        return (f"{head}: it sits at {to}, but not for good — {batch.optimizer.name} divides "
                f"each step by a fading memory of the gradient's size (√v shrinks by "
                f"{'α' if batch.optimizer.id == 'rmsprop' else 'β₂'} every step once the "
                f"gradient is tiny), so instead of shrinking its steps would in time grow too "
                f"large for the curvature there{where} and throw it back out; a schedule that "
                f"decays η keeps it there{extras}.")
    rate = (newer / older) ** (1 / w) if older > 0 and newer > 0 else None
    pace = ""
    if rate is not None and rate < 1:
        more = np.log(1e-6 * (1 + np.linalg.norm(at)) / max(dist, 1e-300)) / np.log(rate)
        pace = (f"; its steps shrink {fmt(100 * (1 - rate))} % per step, so at this pace it "
                f"needs about {fmt(max(float(more), 1.0))} more")
    if cut:
        return (f"{head}: it is heading for {to}, but {batch.schedule.describe()} has cut η from "
                f"{fmt(base)} to {fmt(lr)}, so its steps are tiny now{pace} — a slower decay "
                f"or more steps let it arrive{extras}.")
    if b is not None and abs(lr - b) <= EDGE * b:
        return (f"{head}: it zig-zags toward {to}, at the edge of stability "
                f"({_bound_clause(batch, run, at, curv, b)}), so the steepest direction "
                f"barely shrinks each step{pace}; lower η to about {fmt(b / 2)}{extras}.")
    if batch.optimizer.id in ADAPTIVE:
        return (f"{head}, {_g(batch)} = {fmt(gnorm)} — still moving toward {to}{pace}: give it more "
                f"steps; near a minimum {batch.optimizer.name}'s steps stay about η long, so "
                f"a schedule that decays η helps it settle{extras}.")
    if b is not None and lr < 0.5 * b:
        return (f"{head}, {_g(batch)} = {fmt(gnorm)} — still converging toward {to}{pace}: η = "
                f"{fmt(lr)} is small next to the bound {_formula(batch, run)} = {fmt(b)} "
                f"there, so a larger η (up to about {fmt(b / 2)}) gets there faster, or give "
                f"it more steps{extras}.")
    return (f"{head}, {_g(batch)} = {fmt(gnorm)} — still converging toward {to}{pace}: give it more "
            f"steps{extras}.")


def _halves(batch: Batch, run: int) -> tuple[float, float]:
    """The summed lengths of the older and the newer W steps of the last window."""
    if int(batch.end_step[run]) < 2 * batch.tol.window:
        return 0.0, 0.0
    stats = batch.window_stats(run)
    return stats["older"], stats["newer"]
