"""Scale-free verdicts: f and a·f + b (a > 0) get the same status, stall and end step.

No rule compares a loss with |loss| (docs/status.md): losses meet only other loss
differences of the same run, everything else is in parameter space. Three proofs:

* the loss rules themselves (``no_trend``, ``diverged``), on windows where a·L + b is
  exact in floats (dyadic numbers, a a power of 2), give identical answers;
* whole runs on f and on a·f with η/a (GD's trajectory is then the same to the bit)
  end alike — and Adam's, whose steps do not depend on a at all;
* adding a constant b to f (the gradient is unchanged, so is the path) changes no
  verdict: the issue's Styblinski–Tang + 1000, typed as f(x, y), among them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.engine.expr import expr_surface
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch
from gdviz.engine.surfaces import SURFACES
from gdviz.engine.verdicts import ARRAYS, Tolerances, diverged, no_trend

TOL = Tolerances()


# --- the loss rules, exactly -------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(ints=st.lists(st.integers(-2**20, 2**20), min_size=40, max_size=40),
       k=st.integers(-20, 20), b=st.integers(-2**20, 2**20), s=st.integers(0, 10))
def test_no_trend_is_invariant_under_a_f_plus_b(ints, k, b, s):
    """Losses L = n·2⁻¹⁰ and L' = 2ᵏ·L + b·2^(k−10+s): every value, and every sum of 20 of
    them, is a multiple of 2^(k−10) below 2^(k+26) — exact doubles, so the rule sees the
    exact transform, and must answer the same."""
    loss = np.array(ints, float) * 2.0 ** -10
    shift = float(b) * 2.0 ** (k - 10 + s)
    moved = 2.0 ** k * loss + shift
    assert np.array_equal((moved - shift) / 2.0 ** k, loss)  # exact

    def verdict(v):
        w = TOL.window
        rows = [np.array([x]) for x in v]
        return bool(no_trend(ARRAYS.fold(rows[:w]), ARRAYS.fold(rows[w:]), v.min(), v.max(),
                             w, TOL, ARRAYS)[0])

    assert verdict(loss) == verdict(moved)


@settings(max_examples=400, deadline=None)
@given(rise=st.integers(-2**40, 2**40), scale=st.integers(0, 2**20), k=st.integers(-30, 30))
def test_the_explosion_test_is_invariant_under_a_f_plus_b(rise, scale, k):
    """The loss moved ``rise`` from its start against the start's first-order scale
    ‖d₀‖(1 + ‖θ₀‖): both scale with a, neither moves with b."""
    a = 2.0 ** k
    one = diverged(True, float(rise), float(scale), 0.0, 1.0, TOL)
    two = diverged(True, a * rise, a * scale, 0.0, 1.0, TOL)
    assert bool(one) == bool(two)


# --- whole runs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Scaled:
    """a·f + b for a surface f: gradient a·∇f, Hessian a·H, the same minima."""

    f: object
    a: float
    b: float

    @property
    def dim(self):
        return 2

    def loss_and_grad(self, params, step=0):
        loss, grad = self.f.loss_and_grad(params)
        return self.a * loss + self.b, self.a * grad

    def hessian(self, params):
        return self.a * self.f.hessian(params)

    def minima_array(self):
        return self.f.minima_array()


def _cases(n: int, optimizers: tuple[str, ...], seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        sid = str(rng.choice(sorted(SURFACES)))
        (x0, x1), (y0, y1) = SURFACES[sid].domain
        yield (sid, str(rng.choice(optimizers)), float(10 ** rng.uniform(-4, 0.5)),
               (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))))


def _run(objective, oid, lr, start, steps=400):
    b = Batch(objective, OPTIMIZERS[oid], hyper_arrays([{**defaults(oid), "lr": lr}]),
              np.array([start]), steps)
    b.run()
    return b


def _same(one, two):
    assert (int(one.status[0]), int(one.stall[0]), int(one.end_step[0])) == \
        (int(two.status[0]), int(two.stall[0]), int(two.end_step[0]))


@pytest.mark.parametrize("k", [-7, 5])
def test_gd_on_a_times_f_with_eta_over_a_ends_alike(k):
    """GD's step is η·∇f: on 2ᵏ·f with η/2ᵏ the trajectory is the same to the bit, and so
    must be every verdict (40 random surface runs of GD, momentum and Nesterov)."""
    a = 2.0 ** k
    for sid, oid, lr, start in _cases(40, ("gd", "momentum", "nesterov"), seed=k + 100):
        plain = _run(SURFACES[sid], oid, lr, start)
        scaled = _run(Scaled(SURFACES[sid], a, 0.0), oid, lr / a, start)
        np.testing.assert_array_equal(plain.params, scaled.params)
        _same(plain, scaled)


@pytest.mark.parametrize("b", [1000.0, -3.75, 1e6])
def test_adding_a_constant_to_f_changes_no_verdict(b):
    """f + b has the same gradient, hence the same path; only the loss values change (and
    their last bits round differently) — 40 random runs of every optimizer end alike."""
    for sid, oid, lr, start in _cases(40, tuple(sorted(OPTIMIZERS)), seed=int(abs(b)) % 97):
        plain = _run(SURFACES[sid], oid, lr, start)
        moved = _run(Scaled(SURFACES[sid], 1.0, b), oid, lr, start)
        np.testing.assert_array_equal(plain.params, moved.params)
        _same(plain, moved)


def test_adam_on_a_times_f_ends_alike():
    """Adam divides by the gradient's own size: on 2ᵏ·f with the same η its path is the
    same up to ε's share, and its verdicts are the same."""
    for sid, oid, lr, start in _cases(30, ("adam",), seed=7):
        plain = _run(SURFACES[sid], oid, lr, start)
        scaled = _run(Scaled(SURFACES[sid], 2.0 ** 6, 0.0), oid, lr, start)
        if np.array_equal(plain.params, scaled.params):
            _same(plain, scaled)


STYBLINSKI = "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)"


def test_styblinski_tang_plus_a_constant_typed_as_f():
    """The issue's case: 300 runs on Styblinski–Tang typed as f(x, y) and on f + 1000.
    The old "loss is stuck" test compared with 0.001·|loss| and called 9 of them
    oscillating; now all 300 end alike."""
    domain = ((-5, 5), (-5, 5))
    f, g = expr_surface(STYBLINSKI, domain), expr_surface(f"{STYBLINSKI} + 1000", domain)
    rng = np.random.default_rng(12)
    optimizers = sorted(OPTIMIZERS)
    rows = [(optimizers[i % len(optimizers)], float(10 ** rng.uniform(-4, 0)),
             tuple(rng.uniform(-5, 5, 2))) for i in range(300)]
    for oid in optimizers:
        mine = [r for r in rows if r[0] == oid]
        hyper = hyper_arrays([{**defaults(oid), "lr": lr} for _, lr, _ in mine])
        starts = np.array([s for *_, s in mine])
        one = Batch(f, OPTIMIZERS[oid], hyper, starts, 500)
        two = Batch(g, OPTIMIZERS[oid], hyper, starts, 500)
        one.run()
        two.run()
        np.testing.assert_array_equal(one.status, two.status)
        np.testing.assert_array_equal(one.stall, two.stall)
        np.testing.assert_array_equal(one.end_step, two.end_step)
