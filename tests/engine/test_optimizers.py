"""Optimizers: first steps vs torch.optim's documented update rules, computed by hand.

Every reference value below is computed in this file with plain Python floats,
one coordinate at a time, straight from the pseudo-code in torch's docs
(https://pytorch.org/docs/stable/optim.html) — never by calling the engine.
The tiny example is θ₀ = (1, −2) with made-up gradients per step.

At the end, an optional cross-check against real PyTorch (skipped if torch is
not installed): 20 steps of every optimizer on Rosenbrock from (−1.5, 2).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays

THETA0 = [1.0, -2.0]
GRADS = [[0.5, -1.0], [-0.25, 2.0], [1.5, 0.5]]
RTOL = 1e-13

IDS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]


# --- driving the engine ----------------------------------------------------------

def engine_path(opt_id, hypers, theta0=THETA0, grads=GRADS):
    """Params after each step; ``hypers`` is one dict, or one dict per step."""
    opt = OPTIMIZERS[opt_id]
    steps = len(grads)
    if isinstance(hypers, dict):
        hypers = [hypers] * steps
    hypers = [{**defaults(opt_id), **h} for h in hypers]
    p = np.array([theta0], dtype=float)
    state = opt.init(p, hyper_arrays([hypers[0]]))
    out = []
    for g, h in zip(grads, hypers):
        upd, state = opt.update(np.array([g], dtype=float), state, p, hyper_arrays([h]))
        p = p + upd
        out.append(p[0].tolist())
    return out


def assert_path(actual, expected, rtol=RTOL):
    assert len(actual) == len(expected)
    for k, (a, e) in enumerate(zip(actual, expected), start=1):
        for c in range(len(e)):
            assert a[c] == pytest.approx(e[c], rel=rtol, abs=1e-15), (
                f"step {k}, coordinate {c}: engine {a[c]!r}, by hand {e[c]!r}")


def per_step(h, steps=3):
    return [h] * steps if isinstance(h, dict) else h


# --- references from torch's documented pseudo-code (plain floats) ----------------

def ref_sgd(hps, theta0=THETA0, grads=GRADS, nesterov=False):
    """torch.optim.SGD: g ← g + λθ; if μ≠0: b ← g (t=1) or μb + (1−τ)g;
    g ← g + μb (nesterov) or b;  θ ← θ − ηg."""
    hps = per_step(hps, len(grads))
    theta = list(theta0)
    buf = [None] * len(theta)
    out = []
    for t, (g_t, hp) in enumerate(zip(grads, hps), start=1):
        lr, wd = hp["lr"], hp.get("weight_decay", 0.0)
        mu, tau = hp.get("momentum", 0.0), hp.get("dampening", 0.0)
        for i in range(len(theta)):
            g = g_t[i] + wd * theta[i]
            if mu != 0:
                if buf[i] is None:
                    buf[i] = g
                else:
                    buf[i] = mu * buf[i] + (1 - tau) * g
                g = g + mu * buf[i] if nesterov else buf[i]
            theta[i] = theta[i] - lr * g
        out.append(list(theta))
    return out


def ref_adagrad(hps, theta0=THETA0, grads=GRADS):
    """torch.optim.Adagrad: η̃ = η/(1+(t−1)·lr_decay); g ← g + λθ; s ← s + g²;
    θ ← θ − η̃ g/(√s + ε),  s₀ = initial_accumulator_value."""
    hps = per_step(hps, len(grads))
    theta = list(theta0)
    s = [hps[0].get("initial_accumulator_value", 0.0)] * len(theta)
    out = []
    for t, (g_t, hp) in enumerate(zip(grads, hps), start=1):
        clr = hp["lr"] / (1 + (t - 1) * hp.get("lr_decay", 0.0))
        for i in range(len(theta)):
            g = g_t[i] + hp.get("weight_decay", 0.0) * theta[i]
            s[i] = s[i] + g * g
            theta[i] = theta[i] - clr * g / (math.sqrt(s[i]) + hp.get("eps", 1e-10))
        out.append(list(theta))
    return out


def ref_rmsprop(hps, theta0=THETA0, grads=GRADS):
    """torch.optim.RMSprop (not centered): g ← g + λθ; v ← αv + (1−α)g²; ṽ = √v + ε;
    μ>0: b ← μb + g/ṽ, θ ← θ − ηb;  else θ ← θ − ηg/ṽ."""
    hps = per_step(hps, len(grads))
    theta = list(theta0)
    v = [0.0] * len(theta)
    b = [0.0] * len(theta)
    out = []
    for g_t, hp in zip(grads, hps):
        alpha, mu, eps = hp.get("alpha", 0.99), hp.get("momentum", 0.0), hp.get("eps", 1e-8)
        for i in range(len(theta)):
            g = g_t[i] + hp.get("weight_decay", 0.0) * theta[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            denom = math.sqrt(v[i]) + eps
            if mu > 0:
                b[i] = mu * b[i] + g / denom
                theta[i] = theta[i] - hp["lr"] * b[i]
            else:
                theta[i] = theta[i] - hp["lr"] * g / denom
        out.append(list(theta))
    return out


def ref_adam(hps, theta0=THETA0, grads=GRADS, decoupled=False):
    """torch.optim.Adam / AdamW: (AdamW: θ ← θ(1 − ηλ); Adam: g ← g + λθ);
    m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ); v̂ = v/(1−β₂ᵗ);
    θ ← θ − η m̂/(√v̂ + ε)."""
    hps = per_step(hps, len(grads))
    theta = list(theta0)
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    out = []
    for t, (g_t, hp) in enumerate(zip(grads, hps), start=1):
        lr, wd, eps = hp["lr"], hp.get("weight_decay", 0.0), hp.get("eps", 1e-8)
        b1, b2 = hp.get("betas", (0.9, 0.999))
        for i in range(len(theta)):
            g = g_t[i]
            if decoupled:
                theta[i] = theta[i] * (1 - lr * wd)
            else:
                g = g + wd * theta[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(list(theta))
    return out


# --- registry and defaults --------------------------------------------------------

def test_registry_ids():
    assert sorted(OPTIMIZERS) == sorted(IDS)
    for oid in IDS:
        assert OPTIMIZERS[oid].id == oid


@pytest.mark.parametrize("oid,expected", [
    ("gd", {"lr": 1e-3, "weight_decay": 0.0}),
    ("momentum", {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0}),
    ("nesterov", {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0}),
    ("adagrad", {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0,
                 "initial_accumulator_value": 0.0, "eps": 1e-10}),
    ("rmsprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}),
    ("adam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}),
    ("adamw", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2}),
])
def test_defaults_are_torchs(oid, expected):
    got = defaults(oid)
    assert got == expected
    for name, hp in OPTIMIZERS[oid].params.items():
        lo = hp.default if not isinstance(hp.default, tuple) else min(hp.default)
        hi = hp.default if not isinstance(hp.default, tuple) else max(hp.default)
        assert hp.min <= lo and hi <= hp.max, (oid, name)


def test_hyper_arrays_shapes():
    h = hyper_arrays([defaults("adam"), {**defaults("adam"), "lr": 0.5}])
    assert h["lr"].shape == (2, 1) and h["eps"].shape == (2, 1)
    assert h["betas"].shape == (2, 2)
    assert h["lr"][:, 0].tolist() == [1e-3, 0.5]
    assert h["betas"][1].tolist() == [0.9, 0.999]


# --- gd -----------------------------------------------------------------------------

def test_gd_literal_steps():
    # θ ← θ − η g with η = 0.1
    # step 1: (1 − 0.1·0.5, −2 − 0.1·(−1)) = (0.95, −1.9)
    # step 2: (0.95 − 0.1·(−0.25), −1.9 − 0.1·2) = (0.975, −2.1)
    # step 3: (0.975 − 0.1·1.5, −2.1 − 0.1·0.5) = (0.825, −2.15)
    assert_path(engine_path("gd", {"lr": 0.1}), [[0.95, -1.9], [0.975, -2.1], [0.825, -2.15]])
    assert_path(ref_sgd({"lr": 0.1}), [[0.95, -1.9], [0.975, -2.1], [0.825, -2.15]])


def test_gd_weight_decay_literal_steps():
    # g ← g + λθ with λ = 0.1, η = 0.1
    # step 1: g = (0.5 + 0.1, −1 − 0.2) = (0.6, −1.2);  θ = (0.94, −1.88)
    # step 2: g = (−0.25 + 0.094, 2 − 0.188) = (−0.156, 1.812);  θ = (0.9556, −2.0612)
    # step 3: g = (1.5 + 0.09556, 0.5 − 0.20612) = (1.59556, 0.29388);  θ = (0.796044, −2.090588)
    expected = [[0.94, -1.88], [0.9556, -2.0612], [0.796044, -2.090588]]
    hp = {"lr": 0.1, "weight_decay": 0.1}
    assert_path(engine_path("gd", hp), expected, rtol=1e-12)
    assert_path(ref_sgd(hp), expected, rtol=1e-12)


# --- momentum / nesterov ------------------------------------------------------------

def test_momentum_first_buffer_is_the_gradient():
    # step 1: b₁ = g₁ (no dampening on the first step), θ₁ = θ₀ − η g₁
    # step 2: b₂ = 0.9·g₁ + g₂ = (0.45 − 0.25, −0.9 + 2) = (0.2, 1.1);  θ₂ = θ₁ − 0.1·b₂
    expected = [[0.95, -1.9], [0.93, -2.01]]
    assert_path(engine_path("momentum", {"lr": 0.1, "momentum": 0.9}, grads=GRADS[:2]),
                expected, rtol=1e-12)


@pytest.mark.parametrize("hp", [
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.5, "dampening": 0.25, "weight_decay": 0.2},
])
def test_momentum_matches_torch_rule(hp):
    assert_path(engine_path("momentum", hp), ref_sgd(hp))


def test_momentum_dampening_literal():
    # τ = 0.5: b₁ = g₁ = (0.5, −1) (undamped);  θ₁ = (0.95, −1.9)
    # b₂ = 0.9·(0.5, −1) + 0.5·(−0.25, 2) = (0.325, 0.1);  θ₂ = (0.9175, −1.91)
    assert_path(engine_path("momentum", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
                            grads=GRADS[:2]),
                [[0.95, -1.9], [0.9175, -1.91]], rtol=1e-12)


@pytest.mark.parametrize("hp", [
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.02, "momentum": 0.6, "weight_decay": 0.3},
])
def test_nesterov_matches_torch_rule(hp):
    assert_path(engine_path("nesterov", hp), ref_sgd(hp, nesterov=True))


def test_nesterov_literal():
    # b₁ = g₁;  θ₁ = θ₀ − η(g₁ + μb₁) = (1 − 0.1·0.95, −2 − 0.1·(−1.9)) = (0.905, −1.81)
    # b₂ = 0.9·g₁ + g₂ = (0.2, 1.1);  g₂ + μb₂ = (−0.07, 2.99);  θ₂ = (0.912, −2.109)
    assert_path(engine_path("nesterov", {"lr": 0.1, "momentum": 0.9}, grads=GRADS[:2]),
                [[0.905, -1.81], [0.912, -2.109]], rtol=1e-12)


def test_momentum_zero_is_plain_gd():
    assert_path(engine_path("momentum", {"lr": 0.1, "momentum": 0.0}),
                [[0.95, -1.9], [0.975, -2.1], [0.825, -2.15]], rtol=1e-12)


def test_momentum_buffer_survives_lr_and_momentum_changes():
    hps = [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.3, "momentum": 0.9},
           {"lr": 0.3, "momentum": 0.5}]
    # step 2 with the new lr uses b₂ = 0.9·g₁ + g₂ = (0.2, 1.1): θ₂ = (0.95 − 0.06, −1.9 − 0.33)
    path = engine_path("momentum", hps)
    assert path[1] == pytest.approx([0.89, -2.23], rel=1e-12)
    assert_path(path, ref_sgd(hps))


def test_momentum_switched_on_mid_run_starts_a_fresh_buffer_like_torch():
    # torch.optim.SGD keeps no momentum buffer while momentum == 0; when momentum is
    # raised later, the buffer starts as the current gradient: b₂ = g₂, not μ·g₁ + g₂.
    # step 1 (μ = 0): θ₁ = (0.95, −1.9);  step 2 (μ = 0.9): b₂ = g₂ = (−0.25, 2),
    # θ₂ = (0.975, −2.1);  step 3: b₃ = 0.9·b₂ + g₃ = (1.275, 2.3), θ₃ = (0.8475, −2.33)
    hps = [{"lr": 0.1, "momentum": 0.0}, {"lr": 0.1, "momentum": 0.9},
           {"lr": 0.1, "momentum": 0.9}]
    expected = [[0.95, -1.9], [0.975, -2.1], [0.8475, -2.33]]
    assert_path(ref_sgd(hps), expected, rtol=1e-12)
    assert_path(engine_path("momentum", hps), expected, rtol=1e-12)


# --- adagrad -------------------------------------------------------------------------

def test_adagrad_literal_first_step():
    # s₁ = g₁² → θ₁ = θ₀ − η g/(|g| + 1e-10): a step of almost exactly η against sign(g)
    path = engine_path("adagrad", {"lr": 0.1}, grads=GRADS[:1])
    assert path[0] == pytest.approx([1 - 0.1 * 0.5 / (0.5 + 1e-10),
                                     -2 + 0.1 * 1.0 / (1.0 + 1e-10)], rel=1e-15)


@pytest.mark.parametrize("hp", [
    {"lr": 0.1},
    {"lr": 0.1, "lr_decay": 0.5},
    {"lr": 0.1, "initial_accumulator_value": 0.3},
    {"lr": 0.2, "lr_decay": 0.1, "initial_accumulator_value": 0.05, "weight_decay": 0.1,
     "eps": 1e-3},
])
def test_adagrad_matches_torch_rule(hp):
    assert_path(engine_path("adagrad", hp), ref_adagrad(hp))


def test_adagrad_lr_decay_literal():
    # t = 2, lr_decay 0.5: η̃ = 0.1/(1 + 0.5) ;  s₂ = g₁² + g₂²
    path = engine_path("adagrad", {"lr": 0.1, "lr_decay": 0.5}, grads=GRADS[:2])
    x1 = 1 - 0.1 * 0.5 / (math.sqrt(0.25) + 1e-10)
    x2 = x1 - (0.1 / 1.5) * (-0.25) / (math.sqrt(0.25 + 0.0625) + 1e-10)
    assert path[1][0] == pytest.approx(x2, rel=1e-14)


def test_adagrad_state_survives_lr_change():
    hps = [{"lr": 0.1, "lr_decay": 0.1}, {"lr": 0.5, "lr_decay": 0.1},
           {"lr": 0.5, "lr_decay": 0.0}]
    assert_path(engine_path("adagrad", hps), ref_adagrad(hps))


# --- rmsprop --------------------------------------------------------------------------

def test_rmsprop_literal_first_step():
    # v₁ = 0.01·g²;  θ₁ = θ₀ − η g/(0.1|g| + 1e-8)
    path = engine_path("rmsprop", {"lr": 0.01}, grads=GRADS[:1])
    assert path[0] == pytest.approx([1 - 0.01 * 0.5 / (math.sqrt(0.01 * 0.25) + 1e-8),
                                     -2 + 0.01 * 1.0 / (math.sqrt(0.01) + 1e-8)], rel=1e-14)


@pytest.mark.parametrize("hp", [
    {"lr": 0.01},
    {"lr": 0.01, "momentum": 0.9},
    {"lr": 0.05, "alpha": 0.9, "eps": 1e-3, "weight_decay": 0.1},
    {"lr": 0.05, "alpha": 0.5, "momentum": 0.5, "weight_decay": 0.1},
])
def test_rmsprop_matches_torch_rule(hp):
    assert_path(engine_path("rmsprop", hp), ref_rmsprop(hp))


def test_rmsprop_momentum_buffer_survives_lr_change():
    hps = [{"lr": 0.01, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9},
           {"lr": 0.1, "momentum": 0.9, "alpha": 0.5}]
    assert_path(engine_path("rmsprop", hps), ref_rmsprop(hps))


# --- adam / adamw -----------------------------------------------------------------------

def test_adam_first_step_is_lr_times_sign():
    # m̂₁ = g, v̂₁ = g²: θ₁ = θ₀ − η g/(|g| + ε)
    path = engine_path("adam", {"lr": 0.001}, grads=GRADS[:1])
    assert path[0] == pytest.approx([1 - 0.001 * 0.5 / (0.5 + 1e-8),
                                     -2 + 0.001 * 1.0 / (1.0 + 1e-8)], rel=1e-14)


def test_adam_second_step_bias_correction_literal():
    # t = 2, β = (0.9, 0.999), coordinate x: g = 0.5 then −0.25
    lr = 0.1
    m = 0.1 * 0.5
    v = 0.001 * 0.25
    x1 = 1 - lr * (m / 0.1) / (math.sqrt(v / 0.001) + 1e-8)
    m = 0.9 * m + 0.1 * (-0.25)
    v = 0.999 * v + 0.001 * 0.0625
    x2 = x1 - lr * (m / (1 - 0.9**2)) / (math.sqrt(v / (1 - 0.999**2)) + 1e-8)
    path = engine_path("adam", {"lr": lr}, grads=GRADS[:2])
    assert path[0][0] == pytest.approx(x1, rel=1e-14)
    assert path[1][0] == pytest.approx(x2, rel=1e-13)


@pytest.mark.parametrize("hp", [
    {"lr": 0.1},
    {"lr": 0.1, "betas": (0.5, 0.9)},
    {"lr": 0.1, "weight_decay": 0.2, "eps": 1e-3},
])
def test_adam_matches_torch_rule(hp):
    assert_path(engine_path("adam", hp), ref_adam(hp))


@pytest.mark.parametrize("hp", [
    {"lr": 0.1},  # default weight_decay 1e-2
    {"lr": 0.1, "weight_decay": 0.5},
    {"lr": 0.05, "weight_decay": 0.3, "betas": (0.8, 0.99), "eps": 1e-4},
])
def test_adamw_matches_torch_rule(hp):
    assert_path(engine_path("adamw", hp), ref_adam({**defaults("adamw"), **hp}, decoupled=True))


def test_adamw_decay_is_decoupled_literal():
    # step 1, wd 0.5, lr 0.1: θ ← θ(1 − 0.05) = (0.95, −1.9), then Adam's step on g alone
    path = engine_path("adamw", {"lr": 0.1, "weight_decay": 0.5}, grads=GRADS[:1])
    assert path[0] == pytest.approx([0.95 - 0.1 * 0.5 / (0.5 + 1e-8),
                                     -1.9 + 0.1 * 1.0 / (1.0 + 1e-8)], rel=1e-14)
    # …which is not Adam with L2 (whose first step ignores the size of g + λθ)
    l2 = engine_path("adam", {"lr": 0.1, "weight_decay": 0.5}, grads=GRADS[:1])
    assert abs(l2[0][0] - path[0][0]) > 1e-3


@pytest.mark.parametrize("oid", ["adam", "adamw"])
def test_adam_state_survives_lr_and_beta_changes(oid):
    hps = [{"lr": 0.1}, {"lr": 0.02, "betas": (0.5, 0.9)}, {"lr": 0.3, "betas": (0.5, 0.9)}]
    full = [{**defaults(oid), **h} for h in hps]
    assert_path(engine_path(oid, hps), ref_adam(full, decoupled=(oid == "adamw")))


# --- vectorised and pure ------------------------------------------------------------------

HYPER_3 = {
    "gd": [{"lr": 0.1}, {"lr": 0.01, "weight_decay": 0.3}, {"lr": 0.5}],
    "momentum": [{"lr": 0.1}, {"lr": 0.01, "momentum": 0.5}, {"lr": 0.5, "dampening": 0.3}],
    "nesterov": [{"lr": 0.1}, {"lr": 0.01, "momentum": 0.5}, {"lr": 0.5}],
    "adagrad": [{"lr": 0.1}, {"lr": 0.01, "lr_decay": 0.2}, {"lr": 0.5,
                                                               "initial_accumulator_value": 1}],
    "rmsprop": [{"lr": 0.1}, {"lr": 0.01, "momentum": 0.9}, {"lr": 0.5, "alpha": 0.5}],
    "adam": [{"lr": 0.1}, {"lr": 0.01, "betas": (0.5, 0.6)}, {"lr": 0.5, "weight_decay": 1}],
    "adamw": [{"lr": 0.1}, {"lr": 0.01, "betas": (0.5, 0.6)}, {"lr": 0.5, "weight_decay": 1}],
}
P3 = np.array([[1.0, -2.0], [0.3, 0.7], [-4.0, 2.5]])
G3 = [np.array([[0.5, -1.0], [2.0, 0.1], [-3.0, 1e-3]]),
      np.array([[-0.25, 2.0], [0.0, -0.4], [1.0, 7.0]]),
      np.array([[1.5, 0.5], [-1.0, 0.0], [0.2, -0.2]])]


def _run(opt, hyper, params, grads):
    state = opt.init(params, hyper)
    out = []
    for g in grads:
        upd, state = opt.update(g, state, params, hyper)
        params = params + upd
        out.append(params)
    return np.array(out), state


@pytest.mark.parametrize("oid", IDS)
def test_three_runs_in_one_call_equal_three_calls(oid):
    opt = OPTIMIZERS[oid]
    rows = [{**defaults(oid), **h} for h in HYPER_3[oid]]
    together, state = _run(opt, hyper_arrays(rows), P3.copy(), G3)
    for r in range(3):
        alone, st1 = _run(opt, hyper_arrays([rows[r]]), P3[r:r + 1].copy(),
                          [g[r:r + 1] for g in G3])
        np.testing.assert_array_equal(together[:, r], alone[:, 0])
        for a, b in zip(state, st1):
            np.testing.assert_array_equal(a[r], b[0])


@pytest.mark.parametrize("oid", IDS)
def test_update_does_not_mutate_its_inputs(oid):
    opt = OPTIMIZERS[oid]
    rows = [{**defaults(oid), **h} for h in HYPER_3[oid]]
    hyper = hyper_arrays(rows)
    params = P3.copy()
    state = opt.init(params, hyper)
    # take one step so that buffers are non-trivial
    upd, state = opt.update(G3[0], state, params, hyper)
    params = params + upd
    keep_state = copy.deepcopy(state)
    keep_params, keep_grads = params.copy(), G3[1].copy()
    keep_hyper = copy.deepcopy(hyper)
    upd2, state2 = opt.update(G3[1], state, params, hyper)
    for a, b in zip(state, keep_state):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(params, keep_params)
    np.testing.assert_array_equal(G3[1], keep_grads)
    assert hyper.keys() == keep_hyper.keys()
    for k in hyper:
        np.testing.assert_array_equal(hyper[k], keep_hyper[k])
    # replaying the same step from the kept state gives the same result (pure)
    upd3, state3 = opt.update(keep_grads, keep_state, keep_params, keep_hyper)
    np.testing.assert_array_equal(upd2, upd3)
    for a, b in zip(state2, state3):
        np.testing.assert_array_equal(a, b)
    # the step counter advanced in the new state only
    assert (state2.step == keep_state.step + 1).all()


@pytest.mark.parametrize("oid", IDS)
def test_init_state_is_zero_step(oid):
    opt = OPTIMIZERS[oid]
    state = opt.init(P3, hyper_arrays([defaults(oid)] * 3))
    assert (state.step == 0).all() and state.step.shape == (3,)


# --- optional: the real PyTorch ---------------------------------------------------------

TORCH_CASES = [
    ("gd", {"lr": 1e-4}),
    ("gd", {"lr": 5e-4, "weight_decay": 0.1}),
    ("momentum", {"lr": 1e-4, "momentum": 0.9}),
    ("momentum", {"lr": 1e-4, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05}),
    ("nesterov", {"lr": 1e-4, "momentum": 0.9}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1,
                 "weight_decay": 0.01}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "alpha": 0.9, "weight_decay": 0.01}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.5}),
]


def _torch_optimizer(torch, oid, p, hp):
    hp = dict(hp)
    if oid in ("gd", "momentum", "nesterov"):
        if oid == "gd":
            hp["momentum"] = 0.0
        return torch.optim.SGD([p], nesterov=(oid == "nesterov"), **hp)
    cls = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[oid]
    return cls([p], **hp)


def _torch_rosenbrock_path(torch, oid, hps, start, steps):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = _torch_optimizer(torch, oid, p, hps[0])
    out = [p.detach().numpy().copy()]
    for k in range(steps):
        for name, value in hps[k].items():
            opt.param_groups[0][name] = value
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def _engine_rosenbrock_path(oid, hps, start, steps):
    from gdviz.engine.runs import Batch, Status
    from gdviz.engine.surfaces import SURFACES
    rows = [{**defaults(oid), **hps[0]}]
    b = Batch(SURFACES["rosenbrock"], OPTIMIZERS[oid], hyper_arrays(rows),
              np.array([start]), max_steps=steps)
    out = [b.params[0].copy()]
    for k in range(steps):
        if k:
            b.set_hyper(0, hps[k])
        b.advance()
        out.append(b.params[0].copy())
        if k < steps - 1:
            assert b.status[0] == Status.RUNNING, f"engine run ended early at step {k + 1}"
    return np.array(out)


@pytest.mark.parametrize("oid,hp", TORCH_CASES,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(TORCH_CASES)])
def test_matches_real_pytorch_on_rosenbrock(oid, hp):
    torch = pytest.importorskip("torch")
    steps = 20
    hps = [hp] * steps
    want = _torch_rosenbrock_path(torch, oid, hps, [-1.5, 2.0], steps)
    got = _engine_rosenbrock_path(oid, hps, [-1.5, 2.0], steps)
    assert np.abs(want[-1] - want[0]).max() > 1e-3  # the runs actually move
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("oid,changes", [
    ("momentum", {"lr": 3e-4}),
    ("nesterov", {"lr": 3e-4, "momentum": 0.5}),
    ("adagrad", {"lr": 0.3, "lr_decay": 0.1}),
    ("rmsprop", {"lr": 0.003, "alpha": 0.5}),
    ("adam", {"lr": 0.03, "betas": (0.5, 0.9)}),
    ("adamw", {"lr": 0.03, "weight_decay": 0.2}),
])
def test_hyper_change_mid_run_matches_real_pytorch(oid, changes):
    torch = pytest.importorskip("torch")
    base = dict(TORCH_CASES[[o for o, _ in TORCH_CASES].index(oid)][1])
    hps = [base] * 10 + [{**base, **changes}] * 10
    want = _torch_rosenbrock_path(torch, oid, hps, [-1.5, 2.0], 20)
    got = _engine_rosenbrock_path(oid, hps, [-1.5, 2.0], 20)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_momentum_switched_on_mid_run_matches_real_pytorch():
    torch = pytest.importorskip("torch")
    hps = [{"lr": 1e-4, "momentum": 0.0}] * 5 + [{"lr": 1e-4, "momentum": 0.9}] * 15
    want = _torch_rosenbrock_path(torch, "momentum", hps, [-1.5, 2.0], 20)
    got = _engine_rosenbrock_path("momentum", hps, [-1.5, 2.0], 20)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_defaults_match_real_pytorch():
    torch = pytest.importorskip("torch")
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    classes = {"gd": torch.optim.SGD, "adagrad": torch.optim.Adagrad,
               "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
               "adamw": torch.optim.AdamW}
    for oid, cls in classes.items():
        tdef = cls([p]).defaults
        for name, value in defaults(oid).items():
            assert tdef[name] == value, (oid, name, tdef[name], value)
