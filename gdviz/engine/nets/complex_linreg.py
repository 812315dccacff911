"""One complex weight: ŷ = w·x fitted to complex data, L(w) = mean |ŷ − y|² — and the
gradient mistake that makes a complex network's loss stand still.

The loss is real, so it is a surface over the plane (Re w, Im w) = (a, b), and the
model is a ``Surface`` like linreg2: contour, 3D view, stability bound and all.
With H = mean |x|², s = mean(x̄·y), u = mean(x·y) and c = mean(x²):

    L(w) = H·|w|² − 2·Re(w̄·s) + mean |y|²,   minimum w* = s / H,   Hessian 2H·I.

**The gradient torch uses** for a complex parameter is the conjugate Wirtinger
derivative (doubled): w.grad = 2·∂L/∂w̄ = 2·mean(x̄·(ŵx − y)) = ∂L/∂a + i·∂L/∂b —
exactly the real gradient of the surface, the steepest-descent direction. That is
``rule="conjugate"`` (the default).

**The mistake** (``rule="no_conjugate"``) differentiates |ŷ − y|² as if it were
(ŷ − y)², dropping the conjugate: g̃ = 2·mean(x·(wx − y)) = 2(c·w − u). It vanishes at
w̃ = u / c, not at w*, and one step w ← w − η·g̃ multiplies w − w̃ by the complex
number 1 − 2η·c: a turn by its angle and a stretch by its modulus each step. With real
inputs c = H and nothing goes wrong; with complex inputs the step is the true
gradient turned by about arg c, so the path spirals — outward when |1 − 2ηc| > 1
(e.g. Re c ≤ 0: no learning rate helps), and when arg c ≈ ±90° it runs along the
contour lines instead of down them, so the loss barely moves. ``reason`` and
``findings`` say this with the run's own numbers.

Data (``complex_data``): inputs x = r·e^{iθ} with r ~ U(½, 3⁄2) and θ ~ U(phase ± spread)
degrees; targets y = w_true·x + ε, ε complex Gaussian with E|ε|² = noise².
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..explain import fmt
from ..surfaces import Surface

Array = np.ndarray

TRUE_W = 1.0 + 1.0j
RULES = ("conjugate", "no_conjugate")
RULE_FORMULAS = {"conjugate": "g = 2·mean((ŷ − y)·x̄)  (torch: ∂L/∂Re w + i·∂L/∂Im w)",
                 "no_conjugate": "g̃ = 2·mean((ŷ − y)·x)  (the conjugate dropped — wrong)"}


@dataclass(frozen=True)
class ComplexData:
    """Complex inputs x (N,) and targets y (N,) and the numbers the formulas use."""

    x: Array
    y: Array
    noise: float
    phase: float
    spread: float
    seed: int

    @property
    def h(self) -> float:
        """H = mean |x|²."""
        return float(np.mean(np.abs(self.x) ** 2))

    @property
    def c(self) -> complex:
        """c = mean(x²)."""
        return complex(np.mean(self.x * self.x))

    @property
    def s(self) -> complex:
        """s = mean(x̄·y)."""
        return complex(np.mean(np.conj(self.x) * self.y))

    @property
    def u(self) -> complex:
        """u = mean(x·y)."""
        return complex(np.mean(self.x * self.y))


def complex_data(n: int = 100, noise: float = 0.1, phase: float = 40.0, spread: float = 30.0,
                 seed: int = 0) -> ComplexData:
    """x = r·e^{iθ}, r ~ U(½, 3⁄2), θ ~ U(phase − spread, phase + spread) in degrees;
    y = (1 + i)·x + ε with ε = noise·(N(0,1) + i·N(0,1))/√2."""
    if not 2 <= n <= 2048:
        raise ValueError(f"n must be between 2 and 2048, got {n}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise}")
    rng = np.random.default_rng(seed)
    r = rng.uniform(0.5, 1.5, n)
    theta = np.deg2rad(rng.uniform(phase - spread, phase + spread, n))
    x = r * np.exp(1j * theta)
    eps = noise * (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / math.sqrt(2)
    return ComplexData(x, TRUE_W * x + eps, float(noise), float(phase), float(spread), int(seed))


def _deg(z: complex) -> float:
    return math.degrees(math.atan2(z.imag, z.real))


def _cfmt(z: complex) -> str:
    """a + bi with 3 significant digits each."""
    sign = "−" if z.imag < 0 else "+"
    return f"{fmt(z.real)} {sign} {fmt(abs(z.imag))}i"


@dataclass(frozen=True)
class ComplexLinReg(Surface):
    """L(a, b) = mean |(a + ib)·x − y|² over the plane of w = a + ib; built by
    ``make_complex_linreg``. ``rule`` is the gradient its ``loss_and_grad`` steps with."""

    data: ComplexData | None = field(default=None, repr=False)
    rule: str = "conjugate"
    model_formula: str = "ŷ = w·x  (w = a + ib, x and y complex)"
    grad_formula: str = RULE_FORMULAS["conjugate"]
    data_formula: str = ""

    def with_rule(self, rule: str) -> "ComplexLinReg":
        """The same loss surface stepped with gradient rule ``rule``."""
        if rule not in RULES:
            raise KeyError(f"unknown gradient rule {rule!r}; choose one of {', '.join(RULES)}")
        if rule == self.rule:
            return self
        d = self.data
        if rule == "no_conjugate":
            c, u = d.c, d.u

            def grad(a, b):  # 2(c·w − u) as (Re, Im)
                a, b = np.asarray(a, float), np.asarray(b, float)
                return (2 * (c.real * a - c.imag * b - u.real),
                        2 * (c.imag * a + c.real * b - u.imag))
        else:
            grad = make_complex_linreg(**self._options()).grad
        return replace(self, rule=rule, grad=grad, grad_formula=RULE_FORMULAS[rule])

    def _options(self) -> dict:
        d = self.data
        return {"n": len(d.x), "noise": d.noise, "phase": d.phase, "spread": d.spread,
                "seed": d.seed}

    # -- what the page and the reason sentences need ------------------------------------------

    def loss_gradient(self, params: Array) -> Array:
        """∇L (R, 2) at params (R, 2) — torch's gradient 2(H·w − s) as (Re, Im) — whatever
        rule this objective steps with."""
        d = self.data
        p = np.asarray(params, float)
        return 2 * (d.h * p - np.array([d.s.real, d.s.imag]))

    @property
    def w_star(self) -> complex:
        """The minimum of L: s / H."""
        return self.data.s / self.data.h

    @property
    def w_tilde(self) -> complex | None:
        """Where the no-conjugate rule is 0: u / c (None when c = 0)."""
        c = self.data.c
        return None if c == 0 else self.data.u / c

    def factor(self, lr: float) -> complex:
        """What one no-conjugate step multiplies w − w̃ by: 1 − 2η·c."""
        return 1 - 2 * lr * self.data.c

    def step_angle(self, params: Array) -> float:
        """Degrees between this rule's step −g̃ and steepest descent −g at (a, b)."""
        a, b = float(params[0]), float(params[1])
        w = complex(a, b)
        d = self.data
        g = 2 * (w * d.h - d.s)
        gt = 2 * (w * d.c - d.u)
        if g == 0 or gt == 0:
            return 0.0
        return abs(_deg(gt / g))

    def reason(self, batch, run: int) -> str | None:
        """The run's one-sentence reason when it stepped with the mistaken rule (None for
        torch's rule: the generic sentences are true for a quadratic bowl)."""
        if self.rule != "no_conjugate":
            return None
        from ..runs import Status
        status = Status(int(batch.status[run]))
        lr = float(batch.lr_now()[run])
        step = int(batch.end_step[run])
        loss, l0 = float(batch.loss[run]), float(batch.loss0[run])
        wt, ws, c = self.w_tilde, self.w_star, self.data.c
        rule = ("this run steps along 2·mean((ŷ − y)·x), the derivative with the conjugate "
                "dropped — for complex inputs that is not the gradient")
        downhill = "torch's gradient 2·mean((ŷ − y)·x̄) leads straight downhill"
        if wt is None:
            return (f"{rule}: mean(x²) = 0 here, so that step never depends on w; "
                    f"{downhill}.")
        f = self.factor(lr)
        stretch = abs(f)
        per_step = (f"each step multiplies w − w̃ by 1 − 2η·mean(x²) = "
                    f"{_stretch(stretch)}·e^(i·{fmt(_deg(f))}°), a turn of {fmt(abs(_deg(f)))}° "
                    f"and a stretch ×{_stretch(stretch)}")
        where = f"w̃ = {_cfmt(wt)} (where that rule is 0)"
        if c.real <= 0:
            cure = (f"no learning rate stops it: Re mean(x²) = {fmt(c.real)} ≤ 0 makes the "
                    f"stretch exceed 1 for every lr")
        else:
            cure = (f"below lr = Re c/|c|² = {fmt(c.real / abs(c) ** 2)} (c = mean(x²)) it "
                    f"would spiral in to w̃ instead")
        if status == Status.CONVERGED:
            best = float(self.value(ws.real, ws.imag))
            near = loss - best <= 0.01 * abs(best) + 1e-12  # within 1 % of the least loss
            at = (f"{where} — here almost the minimum w* = {_cfmt(ws)}, since y is nearly "
                  f"w·x" if near else
                  f"{where} — not the minimum w* = {_cfmt(ws)}, whose loss is "
                  f"{fmt(best)} against {fmt(loss)} here")
            return (f"Converged in {step} steps to {at}; it got there by a spiral, not "
                    f"straight downhill: {rule}, and {per_step} (< 1: it spirals in).")
        if status == Status.DIVERGED:
            return (f"Diverged at step {step}: {rule}. Around {where} {per_step} — more "
                    f"than 1, so w spirals outward and the loss rose from {fmt(l0)} to "
                    f"{fmt(loss)}; {cure}. {downhill}.")
        if status != Status.MAX_STEPS:  # stalled, oscillating, noise floor: the generic words
            return None
        motion = ("spirals outward around" if stretch > 1 else
                  "spirals slowly in towards" if stretch < 1 else "circles")
        angle = self.step_angle(batch.start[run])
        return (f"Stopped after {step} steps, loss {fmt(l0)} → {fmt(loss)}: {rule}. Its first "
                f"step pointed {fmt(angle)}° away from steepest descent, and w {motion} {where} "
                f"instead of walking straight downhill: {per_step}. {downhill}.")


    def findings(self, watch, params: Array, status: str | None, lr: float | None):
        """The diagnosis of a run on the mistaken rule: one ``wrong_gradient`` error (None —
        the generic checks — for torch's rule)."""
        if self.rule != "no_conjugate" or lr is None:
            return None
        from .diagnose import Finding
        if self.w_tilde is None:
            return None
        _, loss, _, _ = watch._history()
        first = watch._first
        f = self.factor(lr)
        moved = ""
        if first is not None and len(loss) and math.isfinite(first[1]):
            moved = f" The loss went {fmt(first[1])} → {fmt(float(loss[-1]))}."
        w = complex(float(params[0]), float(params[1]))
        wt, ws = self.w_tilde, self.w_star
        here = ""
        if wt is not None and abs(w - wt) >= 10 * abs(wt - ws):  # the angle means something
            here = f" Here it points {fmt(self.step_angle(params))}° away from steepest descent."
        detail = (f"This run steps along 2·mean((ŷ − y)·x), the derivative of |ŷ − y|² with "
                  f"the conjugate dropped.{here} Each step turns w − w̃ by "
                  f"{fmt(abs(_deg(f)))}° and stretches it ×{_stretch(abs(f))} "
                  f"(1 − 2η·mean(x²)), so w spirals instead of walking downhill.{moved}")
        fix = ("Step along 2·mean((ŷ − y)·x̄) = 2·∂L/∂w̄, the conjugate Wirtinger derivative: "
               "what torch's autograd gives a complex parameter (the steepest-descent "
               "direction). A smaller learning rate does not turn the step downhill.")
        return [Finding("wrong_gradient", "error", "Wrong gradient: the conjugate is missing",
                        detail, fix)]


def _stretch(v: float) -> str:
    """A stretch factor with enough digits to tell it from 1 (1.0034, not 1)."""
    if v != 1 and abs(v - 1) < 0.01:
        return f"{v:.5f}".rstrip("0")
    return fmt(v)


def make_complex_linreg(n: int = 100, noise: float = 0.1, phase: float = 40.0,
                        spread: float = 30.0, seed: int = 0,
                        start: tuple[float, float] = (-1.0, -1.0),
                        lr: float = 0.05) -> ComplexLinReg:
    """The complex-weight model on ``complex_data(n, noise, phase, spread, seed)``."""
    d = complex_data(n, noise, phase, spread, seed)
    h, s, mean_y2 = d.h, d.s, float(np.mean(np.abs(d.y) ** 2))

    def value(a, b):
        a, b = np.asarray(a, float), np.asarray(b, float)
        return h * (a * a + b * b) - 2 * (a * s.real + b * s.imag) + mean_y2

    def grad(a, b):  # 2(H·w − s) as (Re, Im): torch's w.grad
        a, b = np.asarray(a, float), np.asarray(b, float)
        return 2 * (h * a - s.real), 2 * (h * b - s.imag)

    def hess(a, b):
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        return np.full(shape, 2 * h), np.zeros(shape), np.full(shape, 2 * h)

    best = s / h
    centre = np.array([best.real, best.imag])
    # wide enough for a slow spiral of the mistaken rule around the minimum to stay in view
    half = 3.0 * max(1.0, float(np.hypot(start[0] - best.real, start[1] - best.imag)))
    domain = ((float(centre[0] - half), float(centre[0] + half)),
              (float(centre[1] - half), float(centre[1] + half)))
    about = (f"x = r·e^(iθ), r ~ U(0.5, 1.5), θ ~ U({phase:g}° ± {spread:g}°); "
             f"y = (1 + i)·x + ε, E|ε|² = {noise:g}²; {n} samples")
    return ComplexLinReg(
        id="complex_linreg", name="A complex weight: ŷ = w·x (mean |ŷ − y|²)",
        formula="L(w) = mean |w·x − y|²,  w = a + ib",
        domain=domain, minima=((float(best.real), float(best.imag)),),
        start=(float(start[0]), float(start[1])), lr=float(lr),
        value=value, grad=grad, hess=hess, data=d, data_formula=about)
