""""Why isn't my loss moving?" — plain-words findings about one run.

A ``RunWatch`` is fed every frame of one run (step, loss, relative update
‖Δw‖/‖w‖, gradient norm) and keeps the last ``WINDOW`` of them; ``findings``
then looks at that history and at the current weights and returns what looks
wrong, most severe first — an empty list when nothing does. Each ``Finding``
says what was seen, with the numbers, and what to try.

The checks (each function's docstring gives its rule, threshold and reason):

* ``exploding``    — non-finite numbers or a ``diverged`` run (error); the
  gradient norm grew ≥ 100× over the window to a large value (warn).
* ``lr_too_small`` — steps move the weights by < 3e-4 of their size while the
  run has not got anywhere yet (warn).
* ``plateau``      — the loss moved < 0.1 % over the last 100 steps although the
  run has not converged (warn; info where it may just be a minimum).
* ``vanishing``    — networks: the first layer's gradient is < 0.1× the last's, now or at
  the start of a run still stuck at its starting loss (warn).
* ``dead_relu``    — relu networks: units never active on any training point
  (info / warn / error by share).
* ``symmetric``    — networks: all units of a hidden layer are identical and so
  stay identical forever (error).

An objective may replace these checks with its own ``findings(watch, params, status,
lr)`` (a list, or None for the generic checks): the complex weight stepped with the
gradient that drops the conjugate reports ``wrong_gradient`` (error) — the generic
advice (lower the lr, more steps) would be wrong there.

Pure engine code: no I/O, only NumPy and the objective's own methods.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass

import numpy as np

from ..explain import fmt
from .linear import LogReg2
from .mlp import MLP
from .network import Network

Array = np.ndarray

WINDOW = 400          # frames of history kept per run (a ring buffer)
RECENT = 50           # frames the lr check takes its medians over
MIN_FRAMES = 10       # frames needed before the lr check speaks (not on step 1's noise)
SLOW_STEP = 3e-4      # median ‖Δw‖/‖w‖ below this is "too slow"
TARGET_STEP = 1e-2    # the relative step a suggested lr aims at (healthy early training)
PLATEAU_STEPS = 100   # steps over which a plateau's loss must stay flat
FLAT = 1e-3           # "flat": the loss moved less than this share of itself
VANISH = 0.1          # first layer's gradient norm below this × the last layer's
GROWTH = 100.0        # gradient-norm growth over the window that counts as exploding
DONE_LOSS = 0.01      # a classifier's loss below this has learned its data
CHANCE_TOL = 0.05     # a loss within 5 % of the chance loss "is" the chance loss

SEVERITY_RANK = {"error": 0, "warn": 1, "info": 2}
ORDER = ("exploding", "symmetric", "dead_relu", "same_output", "vanishing", "lr_too_small",
         "plateau")


@dataclass(frozen=True)
class Finding:
    """One thing that looks wrong with a run, in plain words."""

    id: str        # lr_too_small | vanishing | dead_relu | exploding | plateau | symmetric
    #                | wrong_gradient
    severity: str  # info | warn | error
    title: str     # short, e.g. "Vanishing gradients"
    detail: str    # what was seen, with the numbers
    fix: str       # what to try

    def as_dict(self) -> dict:
        """A JSON-safe dict (all five fields are strings)."""
        return asdict(self)


def _lr(v: float) -> str:
    """A suggested learning rate, rounded to one significant digit."""
    return fmt(float(f"{v:.1g}"))


def _pct(share: float) -> str:
    return f"{fmt(100 * share)} %"


def _finite(x) -> float:
    """x as a float, NaN when missing or not finite."""
    if x is None:
        return math.nan
    x = float(x)
    return x if math.isfinite(x) else math.nan


class RunWatch:
    """Feed it every frame of one run (step, loss, rel_update, grad_norm); ask for
    findings at any time. Memory is bounded: a ring buffer of the last ``window`` frames,
    plus the first frame observed (the checks compare with where the run started).

    A frame whose step is not after the last one observed is either the same frame sent
    twice (same step: ignored) or a new run (earlier step: the history starts over)."""

    def __init__(self, objective, window: int = WINDOW):
        self.objective = objective
        self._frames: deque[tuple[int, float, float, float]] = deque(maxlen=int(window))
        self._first: tuple[int, float, float] | None = None   # (step, loss, grad_norm)
        self._blowup: tuple[int, float] | None = None         # first non-finite loss
        self._first_layers: tuple[int, np.ndarray] | None = None  # the first per-layer norms

    def reset(self) -> None:
        self._frames.clear()
        self._first = None
        self._blowup = None
        self._first_layers = None

    def observe(self, step: int, loss: float, rel_update: float | None,
                grad_norm: float, layer_norms=None) -> None:
        """Record one frame; ``None`` or non-finite numbers count as missing.
        ``layer_norms``: a network's per-layer gradient norms (the first frame's are kept:
        the vanishing check compares with where the run started)."""
        step = int(step)
        if self._frames:
            last = self._frames[-1][0]
            if step == last:
                return
            if step < last:
                self.reset()
        raw_loss = math.nan if loss is None else float(loss)
        if not math.isfinite(raw_loss) and self._blowup is None:
            self._blowup = (step, raw_loss)
        frame = (step, _finite(loss), _finite(rel_update), _finite(grad_norm))
        if self._first is None:
            self._first = (step, frame[1], frame[3])
        if self._first_layers is None and layer_norms is not None:
            norms = np.asarray(layer_norms, float)
            if norms.size and np.isfinite(norms).all():
                self._first_layers = (step, norms)
        self._frames.append(frame)

    def _history(self) -> tuple[Array, Array, Array, Array]:
        """(steps, losses, rel_updates, grad_norms) of the kept frames, oldest first."""
        if not self._frames:
            e = np.empty(0)
            return e, e, e, e
        a = np.array(self._frames, dtype=float)
        return a[:, 0], a[:, 1], a[:, 2], a[:, 3]

    def findings(self, params: Array, grad: Array, status: str | None = None,
                 lr: float | None = None) -> list[Finding]:
        """What looks wrong now, most severe first ([] when nothing does).

        ``params`` (P,) and ``grad`` (P,) are the current frame's weights and step
        gradient, ``status`` the run's status label (``converged``, ``diverged``, …;
        None while running), ``lr`` the learning rate now (for concrete fixes)."""
        params = np.asarray(params, float).ravel()
        grad = np.asarray(grad, float).ravel()
        lr = None if lr is None or not math.isfinite(float(lr)) else float(lr)
        own = getattr(self.objective, "findings", None)
        if own is not None:  # an objective that knows better (a mistaken gradient rule)
            mine = own(self, params, status, lr)
            if mine is not None:
                return mine
        net = self.objective if isinstance(self.objective, Network) else None
        out: list[Finding] = []
        blown = _exploding(self, params, grad, status, lr, net)
        if blown is not None:
            out.append(blown)
        finite = bool(np.isfinite(params).all() and np.isfinite(grad).all())
        if net is not None and finite:
            for check in (_symmetric, _dead_relu, _same_output):
                f = check(net, params)
                if f is not None:
                    out.append(f)
            with np.errstate(all="ignore"):
                full = net.full_loss_and_grad(params[None])[1]
            f = _vanishing(net, net.layer_grad_norms(full)[0], status, self)
            if f is not None:
                out.append(f)
            gnorm = float(np.linalg.norm(full))
        else:
            gnorm = float(np.linalg.norm(grad)) if finite else math.nan
        if blown is None and finite:
            f = _lr_too_small(self, params, grad, lr, status)
            if f is not None:
                out.append(f)
            f = _plateau(self, params, grad, gnorm, status, lr, [x.id for x in out])
            if f is not None:
                out.append(f)
        return sorted(out, key=lambda f: (SEVERITY_RANK[f.severity], ORDER.index(f.id)))


# --- the checks --------------------------------------------------------------------------

def _exploding(watch: RunWatch, params: Array, grad: Array, status: str | None,
               lr: float | None, net: Network | None) -> Finding | None:
    """Error: the loss, weights or gradient are not finite, or the run's status is
    ``diverged`` (the engine saw the loss explode). lr_too_small and plateau are then not
    asked (they would misread a blow-up), nor anything else when the numbers are not finite.

    Warn: the gradient norm grew ≥ ``GROWTH`` (100×) from the oldest quarter of the window
    (its median) to the last 3 frames (their minimum, so one noisy mini-batch does not
    count), is large — above 1 and above where the run started — and the loss rose over
    the window. A healthy run's gradient shrinks as it learns; one that grows 100× while
    the loss rises is on its way to overflowing. (A run sliding down a surface that is
    unbounded below also has a growing gradient, but a falling loss: that is no overshoot,
    and its ``diverged`` error says it ran off downhill.)"""
    steps, loss, _, g = watch._history()
    slower = (f"Lower lr to about {_lr(_calmer_lr(g, lr))}" if lr
              else "Lower the learning rate (÷10 or more)")
    smaller = ", or start from a smaller init (xavier or glorot rather than large)" if net else ""
    fix = f"{slower}, or set clip_norm (e.g. 1) to cap each step{smaller}."
    bad = []
    if watch._blowup is not None or (len(loss) and not math.isfinite(loss[-1])):
        bad.append("the loss")
    if not np.isfinite(params).all():
        bad.append("the weights")
    if not np.isfinite(grad).all():
        bad.append("the gradient")
    if bad or status == "diverged":
        first = watch._first
        start = (f" (it was {fmt(first[1])} at step {int(first[0])})"
                 if first is not None and math.isfinite(first[1]) else "")
        if bad:
            what = " and ".join(bad)
            at = f" at step {watch._blowup[0]}" if watch._blowup is not None else ""
            detail = (f"{what[0].upper()}{what[1:]} overflowed to inf/NaN{at}{start}: each step "
                      f"overshot and made the next gradient bigger, until the numbers ran out "
                      f"of range.")
        elif first is not None and len(loss) and loss[-1] < first[1]:
            detail = (f"The run ran off downhill to loss {fmt(loss[-1])} at step "
                      f"{int(steps[-1])}{start}: the loss has no minimum in that direction, "
                      f"so the steps grow without end.")
            fix = ("Start somewhere else (or cap the steps with clip_norm): no learning rate "
                   "finds a minimum that is not there.")
        else:
            last = f"{fmt(loss[-1])} at step {int(steps[-1])}" if len(loss) else "a huge value"
            detail = (f"The loss exploded to {last}{start}: each step overshoots the "
                      f"minimum by more than it corrects, so the steps grow.")
        return Finding("exploding", "error", "Exploding: the run diverged", detail, fix)
    if len(g) < 2 * MIN_FRAMES:
        return None
    early = g[: max(1, len(g) // 4)]
    early = early[np.isfinite(early)]
    late = g[-3:]
    if not early.size or not np.isfinite(late).all():
        return None
    before, now = float(np.median(early)), float(late.min())
    g0 = watch._first[2] if watch._first is not None else math.nan
    large = now > 1.0 and not now <= g0
    rising = loss[-1] > np.median(loss[: max(1, len(loss) // 4)])
    if before > 0 and now >= GROWTH * before and large and rising:
        span = int(steps[-1] - steps[0])
        detail = (f"The gradient norm grew from about {fmt(before)} to {fmt(now)} "
                  f"({fmt(now / before)}×) over the last {span} steps: the steps overshoot "
                  f"and each makes the next gradient bigger — the run is about to diverge.")
        return Finding("exploding", "warn", "Exploding gradients", detail, fix)
    return None


def _calmer_lr(g: Array, lr: float) -> float:
    """A learning rate to try after an explosion: lr / max(10, 2(1 + r)), r the largest
    per-step growth of the gradient norm over the last 5 frames.

    For plain GD near a minimum, the gradient along the steepest direction is multiplied
    by |1 − lr·λ_max| each step; growing r× per step means lr·λ_max ≈ 1 + r, so
    lr / (2(1 + r)) puts lr·λ_max ≈ ½ — inside the bound 2/λ_max with room to spare when
    the few frames seen underestimate r. For other optimizers it is a rough guide; it
    never cuts by less than ÷10."""
    tail = g[-6:]
    tail = tail[np.isfinite(tail)]
    with np.errstate(all="ignore"):
        ratios = tail[1:] / tail[:-1]
    ratios = ratios[np.isfinite(ratios)]
    growth = float(ratios.max()) if ratios.size else 0.0
    return lr / max(10.0, 2.0 * (1.0 + growth))


def _lr_too_small(watch: RunWatch, params: Array, grad: Array, lr: float | None,
                  status: str | None) -> Finding | None:
    """Warn when the median relative step ‖Δw‖/‖w‖ over the last ``RECENT`` (50) frames is
    below ``SLOW_STEP`` (3e-4) while the run has not got anywhere: the median gradient norm
    is still ≥ 10 % of the first frame's, the loss ≥ 50 % of its first value, and the run
    is not already at the bottom (``_done``: a run started next to a minimum takes tiny
    steps at any lr).

    Why 3e-4: at that pace the default 500-step run moves the weights by at most 15 % of
    their size — the curves look frozen (linreg2 at lr 1e-4: 1.6e-4, the loss falls 12 %
    in 500 steps). Healthy runs step 1e-2 … 1e-3 early on. A run that has *converged* also
    takes tiny steps, but because its gradient shrank, not its lr — hence the guards.

    The suggested lr aims the step at ``TARGET_STEP`` (1e-2, a healthy early pace): the step
    grows in proportion to lr (for GD and momentum, and for Adam, which steps about lr per
    weight), so the factor is 1e-2 / ratio, rounded to a power of ten and kept to ×10 …
    ×1000, so one suggestion cannot leap far past the stability limit."""
    if status == "converged":
        return None
    _, loss, rel, g = watch._history()
    rel, g = rel[-RECENT:], g[-RECENT:]
    rel = rel[np.isfinite(rel)]
    g = g[np.isfinite(g)]
    first = watch._first
    if len(rel) < MIN_FRAMES or not g.size or first is None or not len(loss):
        return None
    ratio, gnow = float(np.median(rel)), float(np.median(g))
    g0, l0, lnow = first[2], first[1], loss[-1]
    if not ratio < SLOW_STEP:
        return None
    if not (math.isfinite(g0) and g0 > 0 and gnow >= 0.1 * g0):
        return None  # the gradient shrank: converging, not slow
    if not (math.isfinite(l0) and math.isfinite(lnow) and abs(lnow) >= 0.5 * abs(l0)):
        return None  # the loss already fell a lot: it got somewhere
    if _done(watch.objective, params, grad, float(lnow)):
        return None  # started (almost) at the bottom: small steps are all that is left
    factor = 10.0 ** min(3, max(1, round(math.log10(TARGET_STEP / ratio)))) if ratio > 0 else 1e3
    with_lr = f" with lr {fmt(lr)}" if lr else ""
    detail = (f"Each step moves the weights by only {fmt(ratio)} of their size (median "
              f"‖Δw‖/‖w‖ over the last {len(rel)} steps){with_lr}, while the gradient is "
              f"still {fmt(gnow)} ({_pct(gnow / g0)} of its size at the start): at this pace "
              f"the weights need about {fmt(1 / ratio) if ratio > 0 else '∞'} steps to move "
              f"by their own size.")
    fix = (f"Raise lr to about {_lr(lr * factor)} (×{factor:g})" if lr
           else f"Raise the learning rate about ×{factor:g}")
    fix += ", and keep raising it while the loss still falls smoothly."
    return Finding("lr_too_small", "warn", "Learning rate too small", detail, fix)


def _chance_loss(objective) -> tuple[float, str] | None:
    """The loss of a classifier that ignores its input and gives every class the same
    score — (value, description) — or None for a regression or a surface."""
    if isinstance(objective, LogReg2):
        return math.log(2), "ln 2"
    if not isinstance(objective, Network):
        return None
    k = objective.n_classes
    if objective.head == "mse":  # output 1/K everywhere: mean (1/K − y_k)² = (K−1)/K²
        return (k - 1) / k ** 2, f"({k}−1)/{k}²"
    return math.log(k), f"ln {k}"


def _settled(objective, params: Array, grad: Array, loss: float) -> bool:
    """For an objective with a Hessian: True when the run sits in a minimum's bowl
    (H positive definite) and reaching its bottom, ½ gᵀH⁻¹g away by the quadratic model,
    would lower the loss by no more than ``FLAT`` of itself — nearly converged, not stuck."""
    hessian = getattr(objective, "hessian", None)
    if hessian is None:
        return False
    with np.errstate(all="ignore"):
        h = hessian(params[None])[0]
        if not np.isfinite(h).all() or np.linalg.eigvalsh(h)[0] <= 0:
            return False
        drop = 0.5 * float(grad @ np.linalg.solve(h, grad))
    return drop <= FLAT * abs(loss)


def _done(objective, params: Array, grad: Array, loss: float) -> bool:
    """Whether there is nothing left to learn here: a classifier whose loss is ~0
    (< ``DONE_LOSS``: it fits its training points), or ``_settled`` in a minimum's bowl."""
    if isinstance(objective, (Network, LogReg2)) and loss < DONE_LOSS:
        return True
    return _settled(objective, params, grad, loss)


def _plateau(watch: RunWatch, params: Array, grad: Array, gnorm: float, status: str | None,
             lr: float | None, others: list[str]) -> Finding | None:
    """Over the last ``PLATEAU_STEPS`` (100) steps the loss stayed within ``FLAT`` (0.1 %)
    of both its current and its starting value (max − min of the frames), and the run is
    not done: not converged or oscillating (their own reasons say why), the gradient not
    exactly 0, a classifier's loss not ~0 (< 0.01), and — where the Hessian is known — not
    merely finishing off a minimum (``_settled``).

    0.1 % over 100 steps: a loss that is still learning falls by percents over that many
    steps; at 0.1 % per 100 steps even 10,000 steps would gain only ~10 %.

    Severity warn when the run has been stuck since its start (loss ≥ 90 % of its first
    value), sits at the chance loss (ln K: the network guesses), or another finding says
    why; otherwise info — a network without a Hessian to read may have found its minimum."""
    if status in ("converged", "oscillating", "diverged", "noise_floor"):
        return None
    steps, loss, _, _ = watch._history()
    if not len(steps) or watch._first is None:
        return None
    recent = steps >= steps[-1] - PLATEAU_STEPS
    span = int(steps[-1] - steps[recent][0])
    window = loss[recent]
    if span < PLATEAU_STEPS or not np.isfinite(window).all():
        return None
    lnow, l0 = float(loss[-1]), watch._first[1]
    spread = float(window.max() - window.min())
    if not spread <= FLAT * min(abs(lnow), abs(l0)) or not gnorm > 0:
        return None
    if _done(watch.objective, params, grad, lnow):
        return None
    detail = (f"The loss moved by only {fmt(spread)} ({_pct(spread / abs(lnow)) if lnow else '0'}"
              f") over the last {span} steps, staying near {fmt(lnow)} (it started at "
              f"{fmt(l0)}), yet the run has not converged (‖∇L‖ = {fmt(gnorm)}).")
    chance = _chance_loss(watch.objective)
    at_chance = chance is not None and abs(lnow - chance[0]) <= CHANCE_TOL * chance[0]
    if at_chance:
        k = 2 if isinstance(watch.objective, LogReg2) else watch.objective.n_classes
        detail += (f" {fmt(lnow)} ≈ {chance[1]} = {fmt(chance[0])} is the loss of a network "
                   f"that gives every class 1/{k} for every point — it guesses at random.")
    causes = [c for c in others if c in ("symmetric", "dead_relu", "vanishing", "lr_too_small")]
    fixes = {"symmetric": "break the symmetry with a random init (xavier, glorot or he)",
             "dead_relu": "revive the dead units (leaky_relu, a lower lr or he init)",
             "vanishing": "get the gradient to the first layers (relu or tanh, he/glorot init, "
                          "or Adam)",
             "lr_too_small": "raise the learning rate (see above)"}
    if causes:
        fix = "Fix the cause above: " + "; ".join(fixes[c] for c in causes) + "."
    else:
        fix = ("Give it more steps, add momentum (0.9) or switch to Adam to cross the flat "
               "stretch, or try a larger lr" + (f" (about {_lr(lr * 3)})" if lr else "") +
               ("; a different init (he or glorot) can start it off the plateau."
                if isinstance(watch.objective, Network) else "."))
    stuck = abs(lnow) >= 0.9 * abs(l0)
    severity = "warn" if (stuck or at_chance or causes) else "info"
    return Finding("plateau", severity, "Plateau: the loss is not moving", detail, fix)


def _vanishing(net: Network, norms: Array, status: str | None,
               watch: RunWatch | None = None) -> Finding | None:
    """Warn when a network with ≥ 2 weight layers has ‖∂L/∂W_1‖ < ``VANISH`` (0.1) ×
    ‖∂L/∂W_L‖ on the full training gradient: the first layer then learns ≥ 10× slower
    than the last, the classic sign of a gradient shrinking on its way back (σ′ ≤ ¼ per
    sigmoid layer; saturated tanh units pass back almost nothing). Healthy tanh/relu nets
    of this size keep the ratio near 1.

    The ratio shows from the first step; a few steps later the last layer has fitted what
    it can alone (the mean of the targets) and its gradient drops to the first layer's
    size, so the ratio alone would go quiet while nothing has been learned. So the check
    also speaks while the run still sits near its starting loss (≥ 90 % of it) after the
    ratio was below ``VANISH`` at its first frame (``RunWatch``): the starved first layers
    are still why it is stuck. Not for a converged run, or when the last layer's norm is
    ~0 (< 1e-8) — then there is nothing to compare."""
    if net.n_layers < 2 or status == "converged" or not np.isfinite(norms).all():
        return None
    first, last = float(norms[0]), float(norms[-1])
    why = {"sigmoid": "each sigmoid layer passes back at most ¼ of the gradient (σ′ ≤ ¼)",
           "tanh": "saturated tanh units (large |z|) pass back almost nothing"}.get(
        net.activation, "the gradient shrinks on its way back through the layers")
    per_layer = ", ".join(fmt(float(v)) for v in norms)
    if last > 1e-8 and first < VANISH * last:
        detail = (f"The first layer's gradient norm {fmt(first)} is {fmt(first / last)}× the "
                  f"last layer's {fmt(last)}: {why}, so the first layers barely learn. Per "
                  f"layer, first → last: {per_layer}.")
    else:
        start = _stuck_since_vanishing(watch)
        if start is None:
            return None
        k, s0 = start
        detail = (f"At step {k} the first layer's gradient norm {fmt(float(s0[0]))} was "
                  f"{fmt(float(s0[0] / s0[-1]))}× the last layer's {fmt(float(s0[-1]))}: "
                  f"{why}. The last layer has since fitted what it can on its own, and the "
                  f"loss is still where it started, so every gradient is now that small — "
                  f"per layer, first → last: {per_layer}; the first layers never learned.")
    fix = {"sigmoid": "Use relu (with he init) or tanh (with glorot init) instead of sigmoid",
           "tanh": "Use glorot init, or relu with he init"}.get(net.activation, "Use he init")
    fix += ("; or fewer layers; or Adam, which scales each weight's step by its own "
            "gradient's size.")
    return Finding("vanishing", "warn", "Vanishing gradients", detail, fix)


def _stuck_since_vanishing(watch: RunWatch | None) -> tuple[int, Array] | None:
    """(step, per-layer norms) of the run's first frame if they showed vanishing gradients
    (first < ``VANISH`` × last) and the loss is still ≥ 90 % of that frame's, else None."""
    if watch is None or watch._first_layers is None or watch._first is None:
        return None
    k, s0 = watch._first_layers
    if not (s0[-1] > 1e-8 and s0[0] < VANISH * s0[-1]):
        return None
    _, loss, _, _ = watch._history()
    l0 = watch._first[1]
    if not len(loss) or not (math.isfinite(l0) and math.isfinite(loss[-1])):
        return None
    return (k, s0) if abs(loss[-1]) >= 0.9 * abs(l0) else None


def _dead_relu(net: Network, params: Array) -> Finding | None:
    """relu networks: hidden units (a CNN: kernels) never active — pre-activation ≤ 0 on
    every training point (image, at every pooled position), ``hidden_activity``. A dead
    relu outputs 0 and gets 0 gradient for every point, so it never learns again.
    Severity: error when a whole layer is dead (nothing passes through it: the output is
    the same for every point), warn from 25 % of the hidden units (a quarter of the
    network wasted), info from a single unit (worth knowing; a few dead units are common
    and harmless). leaky_relu units do not die."""
    if net.activation != "relu" or net.n_layers < 2:
        return None
    with np.errstate(all="ignore"):
        frac = net.hidden_activity(params[None])[0]
    widths = np.array(net.hidden)
    dead = np.rint(frac * widths).astype(int)
    total, n = int(dead.sum()), int(widths.sum())
    if total == 0:
        return None
    unit, layer, sample = net.WORDS["unit"], net.WORDS["layer"], net.WORDS["sample"]
    whole = [l + 1 for l in range(len(widths)) if dead[l] == widths[l]]
    per_layer = ", ".join(f"layer {l + 1}: {d}/{w}" for l, (d, w) in enumerate(zip(dead, widths)))
    detail = (f"{total} of {n} {layer.split()[0]} relu {unit}s ({_pct(total / n)}) never "
              f"switch on for any training {sample} ({per_layer}). A dead relu outputs 0 and "
              f"gets 0 gradient, so it never learns again.")
    if whole:
        layers = " and ".join(str(l) for l in whole)
        name = layer[0].upper() + layer[1:]
        detail += (f" {name}{'s' if len(whole) > 1 else ''} {layers} is entirely dead: "
                   f"nothing passes through, so the network gives the same output for every "
                   f"{sample}.")
        severity = "error"
    else:
        severity = "warn" if total >= 0.25 * n else "info"
    fix = (f"Lower the learning rate (a big step can push a {unit}'s bias far negative), use "
           f"leaky_relu (its {unit}s never die: they pass 0.01 of the gradient), or he init.")
    return Finding("dead_relu", severity, "Dead relu units", detail, fix)


def _same_output(net: Network, params: Array) -> Finding | None:
    """Error when the network gives every training input the same output
    (``Network.same_output``) with saturated units (sigmoid, tanh: a dead relu layer is
    ``_dead_relu``'s): it scores what a constant guess does, and almost no gradient passes
    back through its units — whatever its status says, it has learned nothing there (Adam
    at a large η can throw a deep sigmoid net there in a few steps)."""
    if net.activation not in ("sigmoid", "tanh") or not net.same_output(params):
        return None
    metrics = net.metrics(params[None], train_loss=False)
    acc = float(metrics.accuracy[0])
    detail = (f"The network gives every training {net.WORDS['sample']} the same output, so it "
              f"scores what a constant guess does (training accuracy {100 * acc:.0f} %): "
              f"{net.stuck_units()}, so the gradient vanished before it learned anything.")
    fix = ("Start again with a smaller lr (Adam: about 0.01), or use relu units with he init, "
           "which do not saturate.")
    return Finding("same_output", "error", "Every input gets the same output", detail, fix)


def _symmetric(net: Network, params: Array) -> Finding | None:
    """Error when, in some hidden layer (≥ 2 units), every unit has the same incoming
    weights, bias and outgoing weights within 1e-12 relative (``unit_weights``: an MLP's
    columns of W_l and rows of W_{l+1}; a CNN's kernels and what reads their maps) —
    what ``zeros`` init gives. Identical inputs and bias make the units compute the same
    function; identical outgoing weights then give them the same gradient, so no update
    can ever tell them apart: the layer acts as if it had one unit. (Units that differ
    only in their outgoing weights get different gradients and do separate.)"""
    hit, zero = [], []
    for l, (w, b, w_next) in enumerate(net.unit_weights(params)):
        if w.shape[0] < 2:
            continue
        scale = max(np.abs(w).max(), np.abs(b).max(), np.abs(w_next).max())
        tol = 1e-12 * scale
        if (np.abs(w - w[:1]).max() <= tol and np.abs(b - b[0]).max() <= tol
                and np.abs(w_next - w_next[:1]).max() <= tol):
            hit.append(l)
            if scale == 0:
                zero.append(l)
    if not hit:
        return None
    unit, layer = net.WORDS["unit"], net.WORDS["layer"]
    names = " and ".join(f"{layer} {l + 1} ({net.hidden[l]} {unit}s)" for l in hit)
    detail = (f"All {unit}s of {names} have the same incoming weights, bias and outgoing "
              f"weights (what zeros init gives): they compute the same function, get the "
              f"same gradient and stay identical forever — the network acts as if each such "
              f"layer had one {unit}.")
    if zero and net.activation in ("tanh", "relu", "leaky_relu"):
        detail += (f" With every weight 0 and {net.activation}(0) = 0 they even output 0, "
                   f"so none of their weights gets any gradient"
                   + (": only the output bias learns." if len(zero) == net.n_layers - 1
                      else "."))
    return Finding("symmetric", "error", "Symmetric units", detail,
                   f"Use a random init (xavier, glorot or he) so the {unit}s start different.")
