"""One rule set, two ways to evaluate it: a single surface run is judged on Python floats
(``Batch._float_rules``: the rules of ``verdicts.py`` called with ``FLOATS``; only the
verdict near a minimum, ``_judge``, on arrays) and a batch on
arrays (the same functions with ``ARRAYS``). They must decide exactly alike: same statuses,
stalls, end steps and frames, on runs that converge, stall, oscillate, diverge or run out
of steps; and on random windows near every threshold the two give the same booleans."""

from __future__ import annotations

from itertools import accumulate

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.engine.ahead import Ahead
from gdviz.engine.curves import CURVES
from gdviz.engine.explain import explain
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine import verdicts as V
from gdviz.engine.runs import (Batch, Status, Tolerances, _FloatWindow, _RingWindow,
                               run_to_end)
from gdviz.engine.surfaces import SURFACES
from gdviz.engine.verdicts import ARRAYS, FLOATS, norms


class ArrayBatch(Batch):
    """The reference: every step is taken and judged by the array path."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._float_step = False

    def _float_rules(self) -> tuple[bool, bool, bool]:
        return True, False, False


def one_run(cls, surface, oid, start, lr, max_steps=600, tol=Tolerances()):
    hyper = hyper_arrays([{**defaults(oid), "lr": lr}])
    return cls(SURFACES[surface], OPTIMIZERS[oid], hyper, np.array([start], float),
               max_steps, tol)


CASES = [(s, oid, start, lr)
         for s, start in [("bowl", [1, 1]), ("rosenbrock", [-1.5, 2]), ("himmelblau", [-0.5, 0]),
                          ("two_wells", [2, 1]), ("saddle", [1.5, 0]), ("plateau", [1.5, 1.5]),
                          ("plateau", [4.0, 4.0]), ("ravine", [-1.5, 1]), ("ackley", [0.4, 0.3])]
         for oid in ["gd", "momentum", "adam"]
         for lr in [1e-6, 1e-3, 0.1, 1.0, 1.1, 1e300]]


@pytest.mark.parametrize("surface,oid,start,lr", CASES)
def test_one_run_ends_exactly_as_the_array_tests_say(surface, oid, start, lr):
    fast, ref = (one_run(cls, surface, oid, start, lr) for cls in (Batch, ArrayBatch))
    assert fast._floats
    tf, tr = run_to_end(fast), run_to_end(ref)
    assert fast.status.tolist() == ref.status.tolist()
    assert fast.stall.tolist() == ref.stall.tolist()
    assert fast.end_step.tolist() == ref.end_step.tolist()
    for a, b in [(tf.params, tr.params), (tf.loss, tr.loss), (tf.grad, tr.grad),
                 (tf.update, tr.update), (tf.lr, tr.lr)]:
        np.testing.assert_array_equal(a, b)
    assert explain(fast, 0) == explain(ref, 0)


def test_the_cases_cover_every_way_a_deterministic_run_ends():
    ends = set()
    for case in CASES:
        b = one_run(Batch, *case)
        b.run()
        ends.add(Status(int(b.status[0])))
    assert ends == {Status.CONVERGED, Status.OSCILLATING, Status.DIVERGED, Status.MAX_STEPS,
                    Status.STALLED}


def _window(rng, step, loss_scale, jitter, shrink, reach, first_zero=False):
    """A run's ring buffers filled with a random window near the thresholds."""
    b = one_run(Batch, "bowl", "gd", [1, 1], 1e-6, max_steps=10_000)
    n2 = 2 * b.tol.window
    b.step = step
    base = rng.choice([-1, 1]) * loss_scale
    b._loss_hist[:, 0] = base * (1 + jitter * rng.standard_normal(n2))
    # the loss changes the trend test reads: a drift plus jitter, near its threshold
    b._dloss_hist[:, 0] = base * (rng.choice([0.0, 1e-3, 0.05, 0.2]) + jitter
                                  * rng.standard_normal(n2))
    older = np.abs(rng.standard_normal(b.tol.window)) * 10.0 ** rng.integers(-12, 2)
    u = np.concatenate([older, older * shrink])
    if first_zero:  # the window's whole sum is its path: the bounce bound at its tightest
        u[0] = 0.0
    order = (np.arange(n2) + step + 1) % n2
    b._unorm_hist[order, 0] = u
    b._param_hist[:, 0] = rng.standard_normal((n2, 2))
    half = 0.5 * u[1:].sum() * reach
    b._param_hist[order[-1], 0] = b._param_hist[order[0], 0] + [half, 0.0]
    b.params[0] = b._param_hist[order[-1], 0]
    b.loss[0] = b._loss_hist[order[-1], 0]
    return b


def _every_rule_everywhere(b):
    """(crawling, bouncing with no trend) of every run, each rule evaluated on all runs,
    composed straight from docs/status.md: the reference for the lazy evaluation."""
    tol, w, order = b.tol, b.tol.window, b._order()
    steps = [b._unorm_hist[k] for k in order]
    trace = list(accumulate([b._dloss_hist[k] for k in order][1:], initial=0.0))
    crawl = V.crawling(ARRAYS.fold(steps[1:], ARRAYS.maximum), 1 + norms(b.params), tol)
    disp = norms(b._param_hist[order[-1]] - b._param_hist[order[0]])
    bounce = V.bouncing(ARRAYS.fold(steps[:w]), ARRAYS.fold(steps[w:]),
                        ARRAYS.fold(steps[1:]), disp, tol)
    flat = V.no_trend(ARRAYS.fold(trace[:w]), ARRAYS.fold(trace[w:]),
                      ARRAYS.fold(trace, ARRAYS.minimum), ARRAYS.fold(trace, ARRAYS.maximum), w,
                      tol, ARRAYS)
    return crawl, flat & bounce


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), step=st.integers(40, 500),
       loss_scale=st.sampled_from([1e-300, 1e-8, 1.0, 1e8, 1e300]),
       jitter=st.sampled_from([0.0, 1e-16, 1e-12, 1e-4, 1.0]),
       shrink=st.sampled_from([0.25, 0.5, 0.5 + 1e-15, 1.0, 2.0, 2.0 + 1e-15]),
       reach=st.sampled_from([0.0, 0.5, 0.9, 1.0 - 1e-15, 1.0, 1.0 + 1e-15, 1.0 + 1e-9, 2.0]),
       first_zero=st.booleans())
def test_floats_and_arrays_give_the_same_booleans(seed, step, loss_scale, jitter, shrink, reach,
                                                  first_zero):
    """Random windows at every threshold (no trend, half the path, halving and doubling
    steps, crawling): the rules on floats and on arrays agree bit for bit, and both agree
    with every rule evaluated everywhere wherever the verdict reads it (crawling where the
    run is live and settled, the bounce where it is live) — the lazy evaluation and the
    arrays' bounce bound leave out no run they should judge."""
    b = _window(np.random.default_rng(seed), step, loss_scale, jitter, shrink, reach,
                first_zero)
    run = 0
    p, p0 = b.params[run].tolist(), b.start[run].tolist()
    flo = b._cheap_rules(
        FLOATS, float(b.loss[run]), 1 + FLOATS.norm(p), FLOATS.norm([a - c for a, c in zip(p, p0)]),
        float(b.loss0[run]), float(b._start_scale[run]), float(b._length0[run]),
        float(b._unorm_hist[b.step % 40, run]), True, _FloatWindow(b))
    idx = np.array([run])
    arr = b._cheap_rules(
        ARRAYS, b.loss[idx], 1 + norms(b.params[idx]), norms(b.params[idx] - b.start[idx]),
        b.loss0[idx], b._start_scale[idx], b._length0[idx], b._unorm_hist[b.step % 40, idx],
        np.array([True]), _RingWindow(b, idx))
    assert [bool(v) for v in flo] == [bool(np.asarray(v).ravel()[0]) for v in arr]
    div, settled, crawl, osc = flo
    crawl_ref, osc_ref = (bool(v[run]) for v in _every_rule_everywhere(b))
    if not div:
        assert osc == osc_ref
        if settled:
            assert crawl == crawl_ref


def _end_alike(checked: Batch, ref: Batch) -> None:
    """Run both to their end: the same statuses, end steps, stalls and last weights."""
    tc, tr = run_to_end(checked), run_to_end(ref)
    assert checked.status.tolist() == ref.status.tolist()
    assert checked.end_step.tolist() == ref.end_step.tolist()
    assert checked.stall.tolist() == ref.stall.tolist()
    np.testing.assert_array_equal(tc.params, tr.params)


class CheckedBatch(Batch):
    """Every time the pre-test says ``_judge`` would end nothing for a run (on floats, or
    for rows of a batch on arrays), ``_judge`` is run on that run anyway: it must end
    nothing and change nothing; and the point must indeed be not stationary, or a minimum
    that ``_stays`` says the run leaves again (``leaving`` counts those)."""

    skipped = 0
    leaving = 0

    def _surely_nothing_to_judge(self, ops, runs, crawl):
        out = super()._surely_nothing_to_judge(ops, runs, crawl)
        crawls = np.broadcast_to(np.asarray(crawl, bool), np.shape(runs))
        for k in np.flatnonzero(np.broadcast_to(np.asarray(out, bool), np.shape(runs))):
            run = runs[k:k + 1]
            status, stall = np.zeros(1, np.int8), np.zeros(1, np.int8)
            ahead, land = self._ahead_until.copy(), self._land_until.copy()
            self._judge(run, np.zeros(1, np.intp), status, stall, crawls[k:k + 1])
            assert status[0] == 0 and stall[0] == 0, (self.step, status, stall)
            assert (self._ahead_until == ahead).all() and (self._land_until == land).all()
            point = self._read_point(run, self.params[run])
            assert not point.flat[0]
            if point.stationary[0]:
                assert point.minimum[0], self.step
                assert not self._stays(run, self.params[run], point.newton)[0], self.step
                assert (self._land_until == land).all()
                type(self).leaving += 1
            type(self).skipped += 1
        return out


class NeverSkipBatch(Batch):
    """The reference for a batch: every settled run goes to ``_judge``."""

    def _surely_nothing_to_judge(self, ops, runs, crawl):
        return False if ops is FLOATS else np.zeros(len(runs), bool)


NEAR_CASES = [(s, oid, start, lr)
              for s, start in [("bowl", [3e-6, -2e-6]), ("bowl", [1e-5, 1e-5]),
                               ("ravine", [4e-6, 1e-6]), ("rosenbrock", [1 + 1e-5, 1 + 2e-5]),
                               ("himmelblau", [3 + 2e-6, 2 - 3e-6]), ("saddle", [1e-5, 1e-5]),
                               ("plateau", [6.0, 6.0]), ("two_wells", [1e-3, 0.5])]
              for oid in ["gd", "adam"]
              for lr in [1e-9, 1e-6, 1e-3]]


@pytest.mark.parametrize("surface,oid,start,lr", CASES[::3] + NEAR_CASES)
def test_a_run_skips_the_verdict_near_a_minimum_only_when_it_would_end_nothing(surface, oid,
                                                                                start, lr):
    checked, ref = (one_run(cls, surface, oid, start, lr, max_steps=300)
                    for cls in (CheckedBatch, ArrayBatch))
    _end_alike(checked, ref)


def test_a_crawling_run_skips_the_verdict_on_most_steps(monkeypatch):
    # step by step (``run_to_end`` would take the crawl's steps ahead of their verdicts,
    # ahead.py, with the same pre-test on arrays; test_ahead.py holds it to these steps)
    monkeypatch.setattr(Ahead, "take", lambda self, b, most: [])
    CheckedBatch.skipped = 0
    b = one_run(CheckedBatch, "bowl", "gd", [-1.5, 1.0], 1e-6, max_steps=200)
    run_to_end(b)
    assert b.status[0] == Status.MAX_STEPS
    assert CheckedBatch.skipped >= 190  # (the fast path is taken: not a dead branch)


_SPECIAL = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 1e300, -1e300,
                            float("inf"), float("-inf"), float("nan"), 2.5, 2.5])
_ROWS = st.lists(st.one_of(_SPECIAL, st.floats(allow_nan=True, allow_infinity=True)),
                 min_size=1, max_size=41)


def _same(a: float, b: float) -> bool:
    return (a != a and b != b) or (a == b and np.signbit(a) == np.signbit(b))


@settings(max_examples=400, deadline=None)
@given(_ROWS)
def test_the_float_fast_paths_give_the_generic_folds_bit_for_bit(rows):
    """``FLOATS``' fold (sum, max, min) and norm, in C where no row is NaN, equal the
    generic ``Ops`` ones — ties of ±0, infinities and NaNs included."""
    from gdviz.engine.verdicts import Ops
    for op in (None, FLOATS.maximum, FLOATS.minimum):
        assert _same(FLOATS.fold(rows, op), Ops.fold(FLOATS, rows, op)), op
    assert _same(FLOATS.norm(rows), Ops.norm(FLOATS, rows))


@pytest.mark.parametrize("surface,start", sorted({(c[0], tuple(c[2])) for c in NEAR_CASES}
                                                 | {(c[0], tuple(c[2])) for c in CASES[::9]}))
@pytest.mark.parametrize("oid", ["gd", "momentum", "adam"])
def test_a_batch_skips_the_verdict_near_a_minimum_only_for_runs_it_would_end_nothing(
        surface, start, oid):
    """The same pre-test on arrays, for the rows of a batch (a sweep over η: some crawl,
    some converge, some bounce or diverge): every verdict as if every settled run were
    judged, and each skipped run checked by ``_judge`` itself."""
    lrs = [1e-9, 1e-6, 1e-3, 0.1, 1.0]
    def batch(cls):  # noqa: E306
        hyper = hyper_arrays([{**defaults(oid), "lr": lr} for lr in lrs])
        return cls(SURFACES[surface], OPTIMIZERS[oid], hyper,
                   np.array([start] * len(lrs), float), 300)
    CheckedBatch.skipped = 0
    checked, ref = batch(CheckedBatch), batch(NeverSkipBatch)
    assert not checked._floats
    _end_alike(checked, ref)


def test_a_batch_of_crawling_runs_skips_the_verdict_on_most_of_their_steps():
    CheckedBatch.skipped = 0
    hyper = hyper_arrays([{**defaults("gd"), "lr": lr} for lr in (1e-6, 2e-6, 3e-6)])
    b = CheckedBatch(SURFACES["bowl"], OPTIMIZERS["gd"], hyper, np.array([[-1.5, 1.0]] * 3), 200)
    run_to_end(b)
    assert (b.status == Status.MAX_STEPS).all()
    assert CheckedBatch.skipped >= 3 * 190  # (the pre-test is taken: not a dead branch)


@pytest.mark.parametrize("curve", sorted(CURVES))
@pytest.mark.parametrize("oid", ["gd", "momentum", "adam"])
def test_a_batch_of_one_weight_runs_skips_the_verdict_only_where_it_would_end_nothing(curve,
                                                                                       oid):
    """One weight (a curve f(x)): the pre-test reads its 1 × 1 Hessian a as diag(a, a) and
    x as (x, 0); every verdict as if every settled run were judged."""
    lrs = np.geomspace(1e-6, 5, 12)
    starts = np.linspace(-2.5, 2.5, len(lrs))[:, None]
    hyper = hyper_arrays([{**defaults(oid), "lr": lr} for lr in lrs])
    CheckedBatch.skipped = 0
    checked, ref = (cls(CURVES[curve], OPTIMIZERS[oid], hyper, starts, 300)
                    for cls in (CheckedBatch, NeverSkipBatch))
    _end_alike(checked, ref)
    assert CheckedBatch.skipped > 0


# minima with a double of exactly 0 gradient, where the exact continuation is asked every W
# steps (``_land_until``), and minima with none (Himmelblau's (−2.81, 3.13), two_wells'
# (0.96, 0)), where Newton's point is looked at every W steps
CIRCLING = [("rosenbrock", "adam", [-1.5, 2], 0.01, 7000), ("bowl", "rmsprop", [1, 1], 0.01, 900),
            ("bowl", "adam", [1, 1], 0.05, 1200), ("beale", "adam", [1, 1], 0.01, 3000),
            ("ravine", "adam", [-1.5, 1], 0.05, 1200),
            ("himmelblau", "adam", [-0.5, 0], 0.05, 1500),
            ("two_wells", "adam", [2, 1], 0.05, 1500)]


@pytest.mark.parametrize("surface,oid,start,lr,steps", CIRCLING)
def test_a_run_circling_a_minimum_skips_the_verdict_it_would_not_end_there(surface, oid, start,
                                                                          lr, steps):
    """Adam and RMSprop circle a minimum for thousands of steps (their gain grows as v forgets,
    so ``_stays`` says each time that they leave again). The pre-test that skips ``_judge``
    there (``_surely_leaves``) is taken — and every time it is, ``CheckedBatch`` runs the
    whole verdict anyway — and the run ends as the all-array run does."""
    CheckedBatch.leaving = 0
    checked, ref = (one_run(cls, surface, oid, start, lr, max_steps=steps)
                    for cls in (CheckedBatch, ArrayBatch))
    _end_alike(checked, ref)
    assert CheckedBatch.leaving >= 100, CheckedBatch.leaving


@pytest.mark.parametrize("surface,oid,start,steps", [("rosenbrock", "adam", [-1.5, 2], 2500),
                                                     ("bowl", "rmsprop", [1, 1], 1200),
                                                     ("beale", "adam", [1, 1], 1500)])
def test_a_batch_circling_minima_skips_the_verdict_only_where_it_would_end_nothing(surface, oid,
                                                                                   start, steps):
    """The same pre-test on arrays, for the rows of a batch (a lesson's runs side by side):
    four rates, and two rows with weight decay (which the pre-test leaves to ``_judge``);
    every verdict as if every settled row were judged."""
    rows = [{**defaults(oid), "lr": lr} for lr in (3e-3, 0.01, 0.05, 0.2)]
    rows += [{**defaults(oid), "lr": 0.01, "weight_decay": wd} for wd in (1e-3, 0.1)]
    hyper = hyper_arrays(rows)
    CheckedBatch.leaving = 0
    checked, ref = (cls(SURFACES[surface], OPTIMIZERS[oid], hyper,
                        np.array([start] * len(rows), float), steps)
                    for cls in (CheckedBatch, NeverSkipBatch))
    assert not checked._floats
    _end_alike(checked, ref)
    assert CheckedBatch.leaving >= 500, CheckedBatch.leaving


def test_a_minimum_with_no_double_at_rest_is_looked_for_every_w_steps():
    """Where Newton's point near a minimum has a gradient that is not exactly 0 (most minima:
    Himmelblau's (−2.81, 3.13)), no double there comes to rest; that is looked at again W
    steps later, as the exact continuation is where one exists — not every step."""
    b = one_run(Batch, "himmelblau", "adam", [-0.5, 0], 0.05, max_steps=1500)
    asked = []
    stays = b._stays

    def counting(runs, pts, deviation):
        asked.append((b.step, int(b._land_until[0])))
        return stays(runs, pts, deviation)

    b._stays = counting
    run_to_end(b)
    assert b.status[0] == Status.MAX_STEPS and np.allclose(b.params[0], [-2.805118, 3.131312])
    looked = [k for k, until in asked if until < k]  # the steps the look was due
    assert 10 <= len(looked) <= 1500 // b.tol.window + 5, len(looked)
    assert all(later - k >= b.tol.window for k, later in zip(looked, looked[1:]))


def test_one_run_that_steps_on_arrays_skips_the_verdict_it_would_not_end_there():
    """linreg2 (two weights, an exact Hessian, no float step): the pre-test on the run's
    floats with its state and update read from the arrays; RMSprop circles its minimum."""
    from gdviz.engine.nets.linear import make_linreg2
    m = make_linreg2()
    hyper = hyper_arrays([{**defaults("rmsprop"), "lr": 0.01}])
    CheckedBatch.leaving = 0
    checked, ref = (cls(m, OPTIMIZERS["rmsprop"], hyper, np.array([m.start]), 2000)
                    for cls in (CheckedBatch, ArrayBatch))
    assert not checked._float_step and checked._floats
    _end_alike(checked, ref)
    assert CheckedBatch.leaving >= 100, CheckedBatch.leaving
