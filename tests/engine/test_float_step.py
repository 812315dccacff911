"""One run's float step (``Batch._advance_floats``) gives the arrays' bits.

A run of one or two weights steps on Python floats — the objective's
``loss_and_grad_floats`` and the chain's ``update_floats`` (the same kernels as the
arrays: optimizers.py, transforms.py) — and falls back to arrays where floats might not
agree. Each run here is taken both ways — every run of the chain corpus (every optimizer ×
schedule × clip, noise, weight decay, on four surfaces, each start and learning rate as a
run of its own), the named and typed curves, typed surfaces, ``ComplexLinReg``, and random
hyperparameters over each optimizer's whole range — and every frame, step term, status
and end step must be the same bytes. The objectives' float functions and the float norm
are also checked against their arrays point by point. (``test_runs_scalar`` compares
600-step runs with an all-array reference too.)"""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine import ahead
from gdviz.engine.ahead import run_ahead
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch
from gdviz.engine.surfaces import SURFACES
from gdviz.engine.transforms import state_of_row, state_row

from chain_corpus import BASE_LR, EXTRAS, SCHEDULES, STEPS, SURFACE_CASES, fields


class ArraysOnly(Batch):
    """The reference: every step on arrays (the rules still on floats, as before)."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._float_step = False


class Counted(Batch):
    """The float step, counting the steps it took on floats: one by one, and ahead of
    their verdicts (``run_to_end`` takes them ahead: ahead.py)."""

    def __init__(self, *a, **k):
        self.float_steps = 0
        super().__init__(*a, **k)

    def _advance_floats(self):
        idx = super()._advance_floats()
        self.float_steps += idx is not None
        return idx


@pytest.fixture(autouse=True)
def _count_steps_taken_ahead(monkeypatch):
    def counted(b, n):
        taken = run_ahead(b, n)
        if isinstance(b, Counted):
            b.float_steps += len(taken)
        return taken
    monkeypatch.setattr(ahead, "run_ahead", counted)


def lone(cls, objective, start, optimizer, schedule, extra, scale, seed, steps=STEPS):
    """One run of the chain corpus's kind: ``objective`` (a surface's id, or an objective)
    from ``start``, at the corpus's rate × ``scale``, with its schedule and options."""
    options = dict(EXTRAS[extra])
    h = defaults(optimizer)
    h["lr"] = BASE_LR[optimizer] * scale
    if "weight_decay" in options:
        h["weight_decay"] = options.pop("weight_decay")
    objective = SURFACES[objective] if isinstance(objective, str) else objective
    return cls(objective, OPTIMIZERS[optimizer], hyper_arrays([h]),
               np.array([start], float), steps, schedule=SCHEDULES[schedule], seed=seed,
               **options)


CASES = [(surface, optimizer, schedule, extra)
         for surface, _ in SURFACE_CASES for optimizer in OPTIMIZERS
         for schedule in SCHEDULES for extra in EXTRAS]


@pytest.mark.parametrize("surface,optimizer,schedule,extra", CASES)
def test_a_lone_run_on_floats_is_the_arrays_bit_for_bit(surface, optimizer, schedule, extra):
    starts = dict(SURFACE_CASES)[surface]
    took = 0
    for k, (start, scale) in enumerate(zip(starts, (0.3, 1.0, 3.0))):
        fast = lone(Counted, surface, start, optimizer, schedule, extra, scale, seed=k)
        ref = lone(ArraysOnly, surface, start, optimizer, schedule, extra, scale, seed=k)
        assert fast._float_step and not ref._float_step
        assert fields(fast) == fields(ref)
        took += fast.float_steps
    assert took > 0  # the float step was taken, not only the fallback


def test_the_state_row_round_trips_every_chain():
    for optimizer in OPTIMIZERS:
        b = lone(Batch, "bowl", (1.0, -0.5), optimizer, "step", "all", 1.0, seed=3)
        for _ in range(3):
            b.advance()
        state = b.chain_state
        again = state_of_row(state_row(state))
        for x, y in zip(np.concatenate([np.ravel(a) for a in _leaves(state)]),
                        np.concatenate([np.ravel(a) for a in _leaves(again)])):
            assert x == y
        assert [a.dtype for a in _leaves(state)] == [a.dtype for a in _leaves(again)]


def _leaves(state):
    if isinstance(state, tuple):
        return [leaf for s in state for leaf in _leaves(s)]
    return [state]


def test_a_step_that_leaves_the_floats_is_taken_on_arrays():
    """η 1e300 overflows at once: Python would raise (or the numbers turn inf), so that
    step is the arrays', and the run still ends as the arrays say."""
    fast = lone(Counted, "rosenbrock", (-1.5, 2.0), "gd", "none", "plain", 1e300 / 0.01, 0)
    ref = lone(ArraysOnly, "rosenbrock", (-1.5, 2.0), "gd", "none", "plain", 1e300 / 0.01, 0)
    assert fields(fast) == fields(ref)
    assert fast.float_steps == 0 and fast.status[0] != 0


def test_the_float_norm_of_two_numbers_is_the_arrays():
    """``FLOATS.norm`` of a surface's two numbers (written out) against ``ARRAYS.norm``:
    random magnitudes, zeros of both signs, equal magnitudes, subnormals, inf and NaN."""
    rng = np.random.default_rng(7)
    special = [0.0, -0.0, 5e-324, -5e-324, 1e-310, 1.0, -1.0, 3.0, 1e308, -1e308,
               np.inf, -np.inf, np.nan]
    pairs = [(a, b) for a in special for b in special]
    scale = 10.0 ** rng.integers(-300, 300, (4000, 2))
    pairs += [tuple(r) for r in (rng.standard_normal((4000, 2)) * scale).tolist()]
    pairs += [(a, -a) for a, _ in pairs[-100:]]
    from gdviz.engine.verdicts import ARRAYS, FLOATS
    cols = np.array(pairs, float)
    with np.errstate(all="ignore"):
        want = ARRAYS.norm([cols[:, 0], cols[:, 1]])
    got = np.array([FLOATS.norm([a, b]) for a, b in pairs])
    assert got.tobytes() == want.tobytes()


def test_the_float_surfaces_are_the_arrays_bit_for_bit():
    """Each surface's loss, gradient and Hessian on one run's floats against its arrays,
    wherever the floats do not raise and the result is finite (else the step is taken on
    arrays): random points over the domain, near 0, large and huge."""
    rng = np.random.default_rng(11)
    pts = np.concatenate([rng.uniform(-6, 6, (800, 2)), rng.standard_normal((200, 2)) * 1e-3,
                          rng.standard_normal((200, 2)) * 1e3, rng.standard_normal((50, 2)) * 1e80])
    checked = 0
    for sid, s in SURFACES.items():
        with np.errstate(all="ignore"):
            loss, grad = s.loss_and_grad(pts)
            hess = s.hessian(pts)
        for i, p in enumerate(pts.tolist()):
            try:
                with np.errstate(all="ignore"):
                    lf, gf = s.loss_and_grad_floats(p)
                    hf = s.hessian_floats(p)
            except (ArithmeticError, ValueError):
                continue
            if not np.isfinite([lf, *gf]).all():
                continue
            assert np.array([lf, *gf]).tobytes() == np.array([loss[i], *grad[i]]).tobytes(), (sid, p)
            h = hess[i]
            assert np.array(hf).tobytes() == np.array([h[0, 0], h[0, 1], h[1, 1]]).tobytes(), (sid, p)
            checked += 1
    assert checked > 10_000


TYPED_MORE = ["sin(x)*cos(y)", "tanh(x*y) + x^2/10", "log(1 + x^2) + sqrt(1 + y^2)",
              "sigmoid(x) - softplus(y) + 0.1*(x^2+y^2)", "abs(x) + relu(y) + max(x, y)^2",
              "x^3 - 3*x*y^2", "atan2(y, x + 5) + cosh(x/3) + arctan(y)", "exp(x) - x + y^4",
              "x^2.5 + y^0.5", "cbrt(x) + log2(2 + y^2)"]


def _typed():
    from test_expr_surface import TYPED
    return list(TYPED.values()) + TYPED_MORE


def test_typed_surfaces_on_floats_are_their_arrays():
    """A typed f(x, y) (``ExprSurface``) on one run's floats: its compiled program on 0-d
    arrays, against the same program on a (1, 2) array — loss, ∇ and Hessian."""
    from gdviz.engine.expr import expr_surface
    rng = np.random.default_rng(3)
    pts = np.concatenate([rng.uniform(-3, 3, (120, 2)), rng.standard_normal((30, 2)) * 1e-3,
                          rng.standard_normal((20, 2)) * 100])
    checked = 0
    for text in _typed():
        s = expr_surface(text)
        for p in pts:
            with np.errstate(all="ignore"):
                loss, grad = s.loss_and_grad(p[None])
                h = s.hessian(p[None])[0]
                lf, gf = s.loss_and_grad_floats(p.tolist())
                hf = s.hessian_floats(p.tolist())
            if not np.isfinite([lf, *gf]).all():
                continue
            assert np.array([lf, *gf]).tobytes() == np.array([loss[0], *grad[0]]).tobytes(), text
            assert np.array(hf).tobytes() == np.array([h[0, 0], h[0, 1], h[1, 1]]).tobytes(), text
            checked += 1
    assert checked > 2_500


@pytest.mark.parametrize("text", _typed())
def test_a_typed_surface_run_on_floats_is_the_arrays(text):
    from gdviz.engine.expr import expr_surface
    s = expr_surface(text)
    took = 0
    for optimizer, lr in (("momentum", 0.003), ("adam", 0.05), ("adamw", 0.05)):
        h = hyper_arrays([{**defaults(optimizer), "lr": lr}])
        fast, ref = (cls(s, OPTIMIZERS[optimizer], h, np.array([[0.7, 0.6]]), 120)
                     for cls in (Counted, ArraysOnly))
        assert fields(fast) == fields(ref)
        took += fast.float_steps
    assert took > 0


CURVE_CASES = [(cid, optimizer, schedule, extra)
               for cid in ("quadratic", "two_wells", "cubic", "plateau", "ripples")
               for optimizer in OPTIMIZERS for schedule in ("none", "step", "cosine")
               for extra in EXTRAS]


@pytest.mark.parametrize("cid,optimizer,schedule,extra", CURVE_CASES)
def test_a_curve_run_on_floats_is_the_arrays(cid, optimizer, schedule, extra):
    """One weight (a named f(x)): x read as (x, 0) by the verdict's pre-test, the norm of
    one number, clipping one number — each run on floats and on arrays, every frame."""
    from gdviz.engine.curves import CURVES
    curve = CURVES[cid]
    took = 0
    for k, scale in enumerate((0.3, 3.0, 30.0)):
        fast, ref = (lone(cls, curve, [curve.start], optimizer, schedule, extra, scale, k)
                     for cls in (Counted, ArraysOnly))
        assert fields(fast) == fields(ref)
        took += fast.float_steps
    assert took > 0


@pytest.mark.parametrize("text", ["x^2", "(x^2 - 1)^2 + 0.3*x", "sin(3*x) + 0.1*x^2",
                                  "x^4 - 3*x^3 + 2", "log(1 + x^2) + abs(x)/10", "tanh(x)^2"])
def test_a_typed_curve_run_on_floats_is_the_arrays(text):
    from gdviz.engine.expr.curve import expr_curve
    curve = expr_curve(text)
    took = 0
    for optimizer, lr in (("gd", 0.05), ("momentum", 0.02), ("adam", 0.1)):
        h = hyper_arrays([{**defaults(optimizer), "lr": lr}])
        fast, ref = (cls(curve, OPTIMIZERS[optimizer], h, np.array([[1.3]]), 150)
                     for cls in (Counted, ArraysOnly))
        assert fields(fast) == fields(ref)
        took += fast.float_steps
    assert took > 0


def _hyper_strategy(optimizer):
    """Every hyperparameter of ``optimizer`` drawn from its range, its ends and 0 included."""
    from hypothesis import strategies as st
    fields_ = {}
    for name, spec in OPTIMIZERS[optimizer].params.items():
        lo, hi = spec.min, spec.max
        if name == "lr":
            hi = 10.0
        ends = st.sampled_from([lo, hi] if name != "lr" else [1e-8, 1e-3, 0.1, 1.0, 10.0])
        value = st.one_of(ends, st.floats(lo, hi, allow_nan=False))
        fields_[name] = st.tuples(value, value) if name == "betas" else value
    return st.fixed_dictionaries(fields_)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_any_hyperparameters_on_floats_are_the_arrays(optimizer):
    """Random hyperparameters across each optimizer's whole range (μ = 0 for momentum,
    dampening, RMSprop's momentum, Adagrad's decay and first sum, β's near 1, weight
    decay up to 10), random surfaces and starts, with and without clipping: 30 steps of
    one run on floats and on arrays, every frame the same bytes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(_hyper_strategy(optimizer), st.sampled_from(sorted(SURFACES)),
           st.tuples(st.floats(-3, 3), st.floats(-3, 3)), st.sampled_from([None, 0.5]))
    def check(hyper, surface, start, clip):
        h = hyper_arrays([hyper])
        fast, ref = (cls(SURFACES[surface], OPTIMIZERS[optimizer], h, np.array([start]), 30,
                         clip_norm=clip) for cls in (Counted, ArraysOnly))
        assert fields(fast) == fields(ref)
        took.append(fast.float_steps)

    took: list[int] = []
    check()
    assert sum(took) > 0  # (η up to 10 ends many runs at once: some steps on floats)


def test_a_model_that_computes_its_loss_its_own_way_stays_on_arrays():
    """``LinReg2``/``LogReg2`` compute their loss from their data in ``loss_and_grad``;
    ``Surface``'s float functions would compute it another way, so they step on arrays.
    ``ComplexLinReg`` keeps ``Surface``'s functions and steps on floats: both gradient
    rules, every frame the arrays'."""
    from gdviz.engine.nets.complex_linreg import make_complex_linreg
    from gdviz.engine.nets.linear import make_linreg2, make_logreg2
    h = hyper_arrays([{**defaults("adam"), "lr": 0.05}])
    for own in (make_linreg2(), make_logreg2()):
        assert not Batch(own, OPTIMIZERS["adam"], h, np.array([[0.5, -0.5]]), 10)._float_step
    complex_ = make_complex_linreg()
    took = 0
    for model in (complex_, complex_.with_rule("no_conjugate")):
        for optimizer, lr in (("gd", 0.05), ("adam", 0.05)):
            hh = hyper_arrays([{**defaults(optimizer), "lr": lr}])
            fast, ref = (cls(model, OPTIMIZERS[optimizer], hh, np.array([model.start]), 200)
                         for cls in (Counted, ArraysOnly))
            assert fields(fast) == fields(ref)
            took += fast.float_steps
    assert took > 0
