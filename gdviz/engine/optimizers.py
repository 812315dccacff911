"""Optimizers as pure functions, following ``torch.optim`` exactly.

An optimizer is a pair of pure functions (the optax shape):

* ``init(params, hyper) -> state``
* ``update(grads, state, params, hyper) -> (updates, state)``

``params`` and ``grads`` have shape ``(runs, n_params)``; the next params are
``params + updates``. ``hyper`` maps torch's hyperparameter names to arrays of
shape ``(runs, 1)`` (``betas``: ``(runs, 2)``), so every run in a batch may
have its own learning rate — a learning-rate sweep is one call. State is a
small NamedTuple of arrays and is never modified in place, so runs can be
replayed, batched, frozen and serialised, and hyperparameters may change
between steps without losing momentum buffers, moments or the step count.

Update rules, with t the step number (1 on the first update), g the gradient:

* ``gd`` — SGD: g ← g + wd·θ (wd: weight_decay);  θ ← θ − η g
* ``momentum`` — SGD(momentum=μ, dampening=τ): b₁ = g, bₜ = μ bₜ₋₁ + (1−τ) g;
  θ ← θ − η bₜ
* ``nesterov`` — SGD(nesterov=True): bₜ as above (τ = 0); θ ← θ − η (g + μ bₜ)
* ``adagrad`` — η̃ = η / (1 + (t−1)·lr_decay); s ← s + g²; θ ← θ − η̃ g/(√s + ε)
* ``rmsprop`` — v ← α v + (1−α) g²; with momentum μ > 0: b ← μ b + g/(√v + ε),
  θ ← θ − η b; else θ ← θ − η g/(√v + ε)
* ``adam`` — m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
  θ ← θ − (η/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)
* ``adamw`` — θ ← θ(1 − η·wd) first (decoupled weight decay), then Adam's step
  without adding wd·θ to g.

Each rule is written once, as elementwise kernels (``coupled_decay``, ``_adam_moments``, …)
of numbers that may be arrays or Python floats. ``update`` applies them to arrays of runs;
``update_floats`` — the same kernels, weight by weight on Python floats — is the fast path
of ONE run (``Batch``'s float step): ``update_floats(g, state, p, h)`` with ``g``, ``p``
lists of floats, ``h`` the run's hyperparameters as floats (``betas`` a pair) and ``state``
the same NamedTuple holding the run's row (counters as ints, flags as bools, buffers as
lists; ``transforms.state_row``). IEEE arithmetic is the same in both, and so is every
result, bit for bit (tests/engine/test_float_step.py).

Weight decay is written wd, never λ: λ is a curvature (a Hessian eigenvalue) everywhere
else on the page and in the stability bounds.

Defaults are torch's (SGD lr 1e-3, Adagrad/RMSprop lr 1e-2, Adam lr 1e-3,
AdamW weight_decay 1e-2), except that ``momentum`` and ``nesterov`` default to
μ = 0.9: in torch they are SGD with a momentum you must pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

Array = np.ndarray
Hyper = dict[str, Array]


@dataclass(frozen=True)
class HyperParam:
    """A hyperparameter's default and the range the API accepts."""

    default: float | tuple[float, float]
    min: float
    max: float
    doc: str = ""


@dataclass(frozen=True)
class Optimizer:
    id: str
    name: str
    params: dict[str, HyperParam]
    init: Callable[[Array, Hyper], Any]
    update: Callable[[Array, Any, Array, Hyper], tuple[Array, Any]]
    rule: str = ""  # the update rule in one line, for people (g = ∇L)
    short: str = ""  # the name in a run's one-line label and a legend ("GD", "Adam")
    # one run on Python floats, the same kernels (see the module's docstring)
    update_floats: Callable[[list, Any, list, dict], tuple[list, Any]] | None = None


# --- the kernels: elementwise, on arrays or floats --------------------------------

def fsqrt(x: float) -> float:
    """√x on a float as ``np.sqrt`` gives it: NaN (not an error) below 0."""
    return math.sqrt(x) if x >= 0 else math.nan


def coupled_decay(g, p, wd):
    """g + wd·θ (coupled weight decay, as torch adds it; also the gradient whose zero is
    such a run's fixed point, ``Batch.effective_grad``)."""
    return g + wd * p


def _step(d, lr):
    """The update −η·d."""
    return -lr * d


def _buffer(b, g, mu, damp):
    """bₜ = μ bₜ₋₁ + (1 − τ) g."""
    return mu * b + (1 - damp) * g


def _nesterov(g, b, mu):
    """Nesterov's direction g + μ bₜ."""
    return g + mu * b


def _accumulate(s, g):
    """s + g² (Adagrad's sum)."""
    return s + g * g


def _adagrad_step(g, s, clr, eps, sqrt):
    """−η̃ g / (√s + ε)."""
    return -clr * g / (sqrt(s) + eps)


def _square_avg(v, g, alpha):
    """α v + (1 − α) g² (RMSprop's average)."""
    return alpha * v + (1 - alpha) * g * g


def _scaled(g, v, eps, sqrt):
    """g / (√v + ε)."""
    return g / (sqrt(v) + eps)


def _rms_buffer(b, scaled, mu):
    """μ b + g/(√v + ε) (RMSprop's momentum)."""
    return mu * b + scaled


def _adam_moments(g, m, v, b1, b2):
    """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²."""
    return b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g


def _adam_dir(m, v, bc1, bc2_sqrt, eps, sqrt):
    """m̂/(√v̂ + ε) as torch rounds it: (m / (1−β₁ᵗ)) / (√v / √(1−β₂ᵗ) + ε)."""
    return (m / bc1) / (sqrt(v) / bc2_sqrt + eps)


def _adamw_step(p, d, lr, wd):
    """θ(1 − η·wd) − θ − η·d: the decoupled decay, then Adam's step."""
    return (p * (1 - lr * wd) - p) - lr * d


# --- SGD family ----------------------------------------------------------------

class SGDState(NamedTuple):
    step: Array  # (runs,) updates taken so far
    momentum_buffer: Array  # (runs, n)
    has_buffer: Array  # (runs,) bool: torch creates the buffer on the first step with μ ≠ 0


def sgd_init(params: Array, hyper: Hyper) -> SGDState:
    n = params.shape[0]
    return SGDState(np.zeros(n, dtype=np.int64), np.zeros_like(params), np.zeros(n, bool))


def _sgd_update(grads, state: SGDState, params, hyper: Hyper, nesterov: bool):
    g = coupled_decay(grads, params, hyper["weight_decay"])
    mu = hyper.get("momentum")
    if mu is None:  # plain gradient descent: no buffer
        return _step(g, hyper["lr"]), state._replace(step=state.step + 1)
    damp = hyper.get("dampening", 0.0)
    on = (mu != 0)[:, 0]  # torch neither reads nor writes the buffer while μ = 0
    fresh = (~state.has_buffer)[:, None]
    buf = np.where(fresh, g, _buffer(state.momentum_buffer, g, mu, damp))
    direction = _nesterov(g, buf, mu) if nesterov else buf
    direction = np.where(on[:, None], direction, g)
    buf = np.where(on[:, None], buf, state.momentum_buffer)
    return _step(direction, hyper["lr"]), SGDState(state.step + 1, buf, state.has_buffer | on)


def _sgd_floats(g: list, state: SGDState, p: list, h: dict, nesterov: bool):
    """``_sgd_update`` for one run on floats (its ``np.where`` branches as ``if``)."""
    wd, lr, mu = h["weight_decay"], h["lr"], h.get("momentum")
    g = [coupled_decay(a, b, wd) for a, b in zip(g, p)]
    if mu is None or mu == 0:  # no buffer, or one neither read nor written
        return [_step(a, lr) for a in g], SGDState(state.step + 1, state.momentum_buffer,
                                                    state.has_buffer)
    damp = h.get("dampening", 0.0)
    buf = ([_buffer(b, a, mu, damp) for b, a in zip(state.momentum_buffer, g)]
           if state.has_buffer else g)
    direction = [_nesterov(a, b, mu) for a, b in zip(g, buf)] if nesterov else buf
    return [_step(a, lr) for a in direction], SGDState(state.step + 1, buf, True)


def gd_update(grads, state, params, hyper):
    return _sgd_update(grads, state, params, hyper, nesterov=False)


def nesterov_update(grads, state, params, hyper):
    return _sgd_update(grads, state, params, hyper, nesterov=True)


def gd_floats(g, state, p, h):
    return _sgd_floats(g, state, p, h, nesterov=False)


def nesterov_floats(g, state, p, h):
    return _sgd_floats(g, state, p, h, nesterov=True)


# --- Adagrad -------------------------------------------------------------------

class AdagradState(NamedTuple):
    step: Array
    sum: Array


def adagrad_init(params: Array, hyper: Hyper) -> AdagradState:
    acc = hyper["initial_accumulator_value"] * np.ones_like(params)
    return AdagradState(np.zeros(params.shape[0], dtype=np.int64), acc)


def _adagrad_lr(lr, step, lr_decay):
    """η̃ = η / (1 + (t − 1)·lr_decay)."""
    return lr / (1 + (step - 1) * lr_decay)


def adagrad_update(grads, state: AdagradState, params, hyper):
    step = state.step + 1
    g = coupled_decay(grads, params, hyper["weight_decay"])
    clr = _adagrad_lr(hyper["lr"], step[:, None], hyper["lr_decay"])
    s = _accumulate(state.sum, g)
    return _adagrad_step(g, s, clr, hyper["eps"], np.sqrt), AdagradState(step, s)


def adagrad_floats(g, state: AdagradState, p, h):
    step, wd, eps = state.step + 1, h["weight_decay"], h["eps"]
    g = [coupled_decay(a, b, wd) for a, b in zip(g, p)]
    clr = _adagrad_lr(h["lr"], step, h["lr_decay"])
    s = [_accumulate(a, b) for a, b in zip(state.sum, g)]
    return [_adagrad_step(a, b, clr, eps, fsqrt) for a, b in zip(g, s)], AdagradState(step, s)


# --- RMSprop -------------------------------------------------------------------

class RMSpropState(NamedTuple):
    step: Array
    square_avg: Array
    momentum_buffer: Array


def rmsprop_init(params: Array, hyper: Hyper) -> RMSpropState:
    z = np.zeros_like(params)
    return RMSpropState(np.zeros(params.shape[0], dtype=np.int64), z, z)


def rmsprop_update(grads, state: RMSpropState, params, hyper):
    g = coupled_decay(grads, params, hyper["weight_decay"])
    alpha, mu = hyper["alpha"], hyper["momentum"]
    v = _square_avg(state.square_avg, g, alpha)
    scaled = _scaled(g, v, hyper["eps"], np.sqrt)
    buf = _rms_buffer(state.momentum_buffer, scaled, mu)
    direction = np.where(mu > 0, buf, scaled)
    buf = np.where(mu > 0, buf, state.momentum_buffer)
    return _step(direction, hyper["lr"]), RMSpropState(state.step + 1, v, buf)


def rmsprop_floats(g, state: RMSpropState, p, h):
    wd, alpha, mu, eps, lr = h["weight_decay"], h["alpha"], h["momentum"], h["eps"], h["lr"]
    g = [coupled_decay(a, b, wd) for a, b in zip(g, p)]
    v = [_square_avg(a, b, alpha) for a, b in zip(state.square_avg, g)]
    scaled = [_scaled(a, b, eps, fsqrt) for a, b in zip(g, v)]
    buf = ([_rms_buffer(b, s, mu) for b, s in zip(state.momentum_buffer, scaled)] if mu > 0
           else state.momentum_buffer)
    direction = buf if mu > 0 else scaled
    return [_step(a, lr) for a in direction], RMSpropState(state.step + 1, v, buf)


# --- Adam / AdamW --------------------------------------------------------------

class AdamState(NamedTuple):
    step: Array
    exp_avg: Array
    exp_avg_sq: Array


def adam_init(params: Array, hyper: Hyper) -> AdamState:
    z = np.zeros_like(params)
    return AdamState(np.zeros(params.shape[0], dtype=np.int64), z, z)


def _power(beta: Array, t: Array) -> Array | float:
    """βᵗ per run (shapes (runs, 1)), computed as torch does — a Python float power —
    once per distinct (β, t) pair. NumPy's array power can differ in the last bit, which
    would make a batched run drift from the same run alone (and from torch)."""
    if beta.size == 1 or (beta.min() == beta.max() and t.min() == t.max()):
        return float(beta.flat[0]) ** int(t.flat[0])
    pairs, inverse = np.unique(np.stack([beta.ravel(), t.ravel().astype(float)], axis=1),
                               axis=0, return_inverse=True)
    values = np.array([float(b) ** int(k) for b, k in pairs])
    return values[inverse.ravel()].reshape(beta.shape)


def _adam_direction(g, state: AdamState, hyper):
    """Adam's step (before −lr) and new state, from gradient g (torch's order)."""
    step = state.step + 1
    b1, b2 = hyper["betas"][:, 0:1], hyper["betas"][:, 1:2]
    m, v = _adam_moments(g, state.exp_avg, state.exp_avg_sq, b1, b2)
    t = step[:, None]
    bc1 = 1 - _power(b1, t)
    bc2_sqrt = np.sqrt(1 - _power(b2, t))
    return _adam_dir(m, v, bc1, bc2_sqrt, hyper["eps"], np.sqrt), AdamState(step, m, v)


def _adam_direction_floats(g: list, state: AdamState, h: dict):
    """``_adam_direction`` for one run on floats (βᵗ a float power, as ``_power`` takes it)."""
    step = state.step + 1
    (b1, b2), eps = h["betas"], h["eps"]
    mv = [_adam_moments(a, m, v, b1, b2) for a, m, v in zip(g, state.exp_avg, state.exp_avg_sq)]
    m, v = [x for x, _ in mv], [y for _, y in mv]
    bc1, bc2_sqrt = 1 - b1 ** step, fsqrt(1 - b2 ** step)
    return ([_adam_dir(a, b, bc1, bc2_sqrt, eps, fsqrt) for a, b in zip(m, v)],
            AdamState(step, m, v))


def adam_update(grads, state: AdamState, params, hyper):
    g = coupled_decay(grads, params, hyper["weight_decay"])
    direction, new = _adam_direction(g, state, hyper)
    return _step(direction, hyper["lr"]), new


def adam_floats(g, state: AdamState, p, h):
    wd, lr = h["weight_decay"], h["lr"]
    g = [coupled_decay(a, b, wd) for a, b in zip(g, p)]
    direction, new = _adam_direction_floats(g, state, h)
    return [_step(d, lr) for d in direction], new


def adamw_update(grads, state: AdamState, params, hyper):
    direction, new = _adam_direction(grads, state, hyper)
    return _adamw_step(params, direction, hyper["lr"], hyper["weight_decay"]), new


def adamw_floats(g, state: AdamState, p, h):
    lr, wd = h["lr"], h["weight_decay"]
    direction, new = _adam_direction_floats(g, state, h)
    return [_adamw_step(a, d, lr, wd) for a, d in zip(p, direction)], new


# --- registry ------------------------------------------------------------------

_LR = "learning rate η"
LR_MIN, LR_MAX = 1e-8, 1e6
"""The learning rates any optimizer (and the landscape tools' sweeps) accept."""
_WD = "weight decay wd (an L2 penalty: wd·θ is added to the gradient)"


def _lr(default: float) -> HyperParam:
    return HyperParam(default, LR_MIN, LR_MAX, _LR)


_WEIGHT_DECAY = HyperParam(0.0, 0.0, 10.0, _WD)
_MOMENTUM = HyperParam(0.9, 0.0, 0.9999, "momentum μ")
_EPS = HyperParam(1e-8, 1e-12, 1.0, "ε added to the denominator")

OPTIMIZERS: dict[str, Optimizer] = {
    o.id: o
    for o in [
        Optimizer("gd", "Gradient descent (SGD)",
                  {"lr": _lr(1e-3), "weight_decay": _WEIGHT_DECAY}, sgd_init, gd_update,
                  "θ ← θ − η g", short="GD", update_floats=gd_floats),
        Optimizer("momentum", "SGD with momentum",
                  {"lr": _lr(1e-3), "momentum": _MOMENTUM,
                   "dampening": HyperParam(0.0, 0.0, 0.9999, "dampening τ"),
                   "weight_decay": _WEIGHT_DECAY}, sgd_init, gd_update,
                  "b ← μb + (1−τ)g;  θ ← θ − η b", short="Momentum",
                  update_floats=gd_floats),
        Optimizer("nesterov", "SGD with Nesterov momentum",
                  {"lr": _lr(1e-3), "momentum": _MOMENTUM, "weight_decay": _WEIGHT_DECAY},
                  sgd_init, nesterov_update, "b ← μb + g;  θ ← θ − η(g + μb)", short="Nesterov",
                  update_floats=nesterov_floats),
        Optimizer("adagrad", "Adagrad",
                  {"lr": _lr(1e-2), "lr_decay": HyperParam(0.0, 0.0, 10.0, "learning-rate decay"),
                   "weight_decay": _WEIGHT_DECAY,
                   "initial_accumulator_value": HyperParam(0.0, 0.0, 1e3, "initial sum of g²"),
                   "eps": HyperParam(1e-10, 1e-12, 1.0, "ε added to the denominator")},
                  adagrad_init, adagrad_update, "s ← s + g²;  θ ← θ − η g/(√s + ε)", short="Adagrad",
                  update_floats=adagrad_floats),
        Optimizer("rmsprop", "RMSprop",
                  {"lr": _lr(1e-2), "alpha": HyperParam(0.99, 0.0, 0.9999, "smoothing α"),
                   "eps": _EPS, "weight_decay": _WEIGHT_DECAY,
                   "momentum": HyperParam(0.0, 0.0, 0.9999, "momentum μ")},
                  rmsprop_init, rmsprop_update,
                  "v ← αv + (1−α)g²;  θ ← θ − η g/(√v + ε)", short="RMSprop",
                  update_floats=rmsprop_floats),
        Optimizer("adam", "Adam",
                  {"lr": _lr(1e-3), "betas": HyperParam((0.9, 0.999), 0.0, 0.9999, "β₁, β₂"),
                   "eps": _EPS, "weight_decay": _WEIGHT_DECAY}, adam_init, adam_update,
                  "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η m̂/(√v̂ + ε)", short="Adam",
                  update_floats=adam_floats),
        Optimizer("adamw", "AdamW",
                  {"lr": _lr(1e-3), "betas": HyperParam((0.9, 0.999), 0.0, 0.9999, "β₁, β₂"),
                   "eps": _EPS, "weight_decay": HyperParam(1e-2, 0.0, 10.0,
                                                           "decoupled weight decay wd")},
                  adam_init, adamw_update,
                  "θ ← θ(1 − η·wd);  then Adam's step θ ← θ − η m̂/(√v̂ + ε)", short="AdamW",
                  update_floats=adamw_floats),
    ]
}


def get_optimizer(optimizer_id: str) -> Optimizer:
    return OPTIMIZERS[optimizer_id]


def defaults(optimizer_id: str) -> dict[str, float | tuple[float, float]]:
    return {k: p.default for k, p in OPTIMIZERS[optimizer_id].params.items()}


def hyper_arrays(rows: list[dict[str, Any]]) -> Hyper:
    """Stack per-run hyperparameter dicts into arrays: scalars (runs, 1), betas (runs, 2)."""
    names = rows[0].keys()
    out: Hyper = {}
    for name in names:
        values = np.asarray([r[name] for r in rows], dtype=float)
        out[name] = values.reshape(len(rows), -1)
    return out
