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

Weight decay is written wd, never λ: λ is a curvature (a Hessian eigenvalue) everywhere
else on the page and in the stability bounds.

Defaults are torch's (SGD lr 1e-3, Adagrad/RMSprop lr 1e-2, Adam lr 1e-3,
AdamW weight_decay 1e-2), except that ``momentum`` and ``nesterov`` default to
μ = 0.9: in torch they are SGD with a momentum you must pass.
"""

from __future__ import annotations

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


# --- SGD family ----------------------------------------------------------------

class SGDState(NamedTuple):
    step: Array  # (runs,) updates taken so far
    momentum_buffer: Array  # (runs, n)
    has_buffer: Array  # (runs,) bool: torch creates the buffer on the first step with μ ≠ 0


def sgd_init(params: Array, hyper: Hyper) -> SGDState:
    n = params.shape[0]
    return SGDState(np.zeros(n, dtype=np.int64), np.zeros_like(params), np.zeros(n, bool))


def _sgd_update(grads, state: SGDState, params, hyper: Hyper, nesterov: bool):
    g = grads + hyper["weight_decay"] * params
    mu = hyper.get("momentum")
    if mu is None:  # plain gradient descent: no buffer
        return -hyper["lr"] * g, state._replace(step=state.step + 1)
    damp = hyper.get("dampening", 0.0)
    on = (mu != 0)[:, 0]  # torch neither reads nor writes the buffer while μ = 0
    fresh = (~state.has_buffer)[:, None]
    buf = np.where(fresh, g, mu * state.momentum_buffer + (1 - damp) * g)
    direction = g + mu * buf if nesterov else buf
    direction = np.where(on[:, None], direction, g)
    buf = np.where(on[:, None], buf, state.momentum_buffer)
    return -hyper["lr"] * direction, SGDState(state.step + 1, buf, state.has_buffer | on)


def gd_update(grads, state, params, hyper):
    return _sgd_update(grads, state, params, hyper, nesterov=False)


def nesterov_update(grads, state, params, hyper):
    return _sgd_update(grads, state, params, hyper, nesterov=True)


# --- Adagrad -------------------------------------------------------------------

class AdagradState(NamedTuple):
    step: Array
    sum: Array


def adagrad_init(params: Array, hyper: Hyper) -> AdagradState:
    acc = hyper["initial_accumulator_value"] * np.ones_like(params)
    return AdagradState(np.zeros(params.shape[0], dtype=np.int64), acc)


def adagrad_update(grads, state: AdagradState, params, hyper):
    step = state.step + 1
    g = grads + hyper["weight_decay"] * params
    clr = hyper["lr"] / (1 + (step[:, None] - 1) * hyper["lr_decay"])
    s = state.sum + g * g
    return -clr * g / (np.sqrt(s) + hyper["eps"]), AdagradState(step, s)


# --- RMSprop -------------------------------------------------------------------

class RMSpropState(NamedTuple):
    step: Array
    square_avg: Array
    momentum_buffer: Array


def rmsprop_init(params: Array, hyper: Hyper) -> RMSpropState:
    z = np.zeros_like(params)
    return RMSpropState(np.zeros(params.shape[0], dtype=np.int64), z, z)


def rmsprop_update(grads, state: RMSpropState, params, hyper):
    g = grads + hyper["weight_decay"] * params
    alpha, mu = hyper["alpha"], hyper["momentum"]
    v = alpha * state.square_avg + (1 - alpha) * g * g
    scaled = g / (np.sqrt(v) + hyper["eps"])
    buf = mu * state.momentum_buffer + scaled
    direction = np.where(mu > 0, buf, scaled)
    buf = np.where(mu > 0, buf, state.momentum_buffer)
    return -hyper["lr"] * direction, RMSpropState(state.step + 1, v, buf)


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
    if beta.min() == beta.max() and t.min() == t.max():
        return float(beta.flat[0]) ** int(t.flat[0])
    pairs, inverse = np.unique(np.stack([beta.ravel(), t.ravel().astype(float)], axis=1),
                               axis=0, return_inverse=True)
    values = np.array([float(b) ** int(k) for b, k in pairs])
    return values[inverse.ravel()].reshape(beta.shape)


def _adam_direction(g, state: AdamState, hyper):
    """Adam's step (before −lr) and new state, from gradient g (torch's order)."""
    step = state.step + 1
    b1, b2 = hyper["betas"][:, 0:1], hyper["betas"][:, 1:2]
    m = b1 * state.exp_avg + (1 - b1) * g
    v = b2 * state.exp_avg_sq + (1 - b2) * g * g
    t = step[:, None]
    bc1 = 1 - _power(b1, t)
    bc2_sqrt = np.sqrt(1 - _power(b2, t))
    direction = (m / bc1) / (np.sqrt(v) / bc2_sqrt + hyper["eps"])
    return direction, AdamState(step, m, v)


def adam_update(grads, state: AdamState, params, hyper):
    g = grads + hyper["weight_decay"] * params
    direction, new = _adam_direction(g, state, hyper)
    return -hyper["lr"] * direction, new


def adamw_update(grads, state: AdamState, params, hyper):
    lr = hyper["lr"]
    decayed = params * (1 - lr * hyper["weight_decay"])
    direction, new = _adam_direction(grads, state, hyper)
    return (decayed - params) - lr * direction, new


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
                  "θ ← θ − η g", short="GD"),
        Optimizer("momentum", "SGD with momentum",
                  {"lr": _lr(1e-3), "momentum": _MOMENTUM,
                   "dampening": HyperParam(0.0, 0.0, 0.9999, "dampening τ"),
                   "weight_decay": _WEIGHT_DECAY}, sgd_init, gd_update,
                  "b ← μb + (1−τ)g;  θ ← θ − η b", short="Momentum"),
        Optimizer("nesterov", "SGD with Nesterov momentum",
                  {"lr": _lr(1e-3), "momentum": _MOMENTUM, "weight_decay": _WEIGHT_DECAY},
                  sgd_init, nesterov_update, "b ← μb + g;  θ ← θ − η(g + μb)", short="Nesterov"),
        Optimizer("adagrad", "Adagrad",
                  {"lr": _lr(1e-2), "lr_decay": HyperParam(0.0, 0.0, 10.0, "learning-rate decay"),
                   "weight_decay": _WEIGHT_DECAY,
                   "initial_accumulator_value": HyperParam(0.0, 0.0, 1e3, "initial sum of g²"),
                   "eps": HyperParam(1e-10, 1e-12, 1.0, "ε added to the denominator")},
                  adagrad_init, adagrad_update, "s ← s + g²;  θ ← θ − η g/(√s + ε)", short="Adagrad"),
        Optimizer("rmsprop", "RMSprop",
                  {"lr": _lr(1e-2), "alpha": HyperParam(0.99, 0.0, 0.9999, "smoothing α"),
                   "eps": _EPS, "weight_decay": _WEIGHT_DECAY,
                   "momentum": HyperParam(0.0, 0.0, 0.9999, "momentum μ")},
                  rmsprop_init, rmsprop_update,
                  "v ← αv + (1−α)g²;  θ ← θ − η g/(√v + ε)", short="RMSprop"),
        Optimizer("adam", "Adam",
                  {"lr": _lr(1e-3), "betas": HyperParam((0.9, 0.999), 0.0, 0.9999, "β₁, β₂"),
                   "eps": _EPS, "weight_decay": _WEIGHT_DECAY}, adam_init, adam_update,
                  "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η m̂/(√v̂ + ε)", short="Adam"),
        Optimizer("adamw", "AdamW",
                  {"lr": _lr(1e-3), "betas": HyperParam((0.9, 0.999), 0.0, 0.9999, "β₁, β₂"),
                   "eps": _EPS, "weight_decay": HyperParam(1e-2, 0.0, 10.0,
                                                           "decoupled weight decay wd")},
                  adam_init, adamw_update,
                  "θ ← θ(1 − η·wd);  then Adam's step θ ← θ − η m̂/(√v̂ + ε)", short="AdamW"),
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
