"""The one-run status tests in floats (``Batch._surely_running``) decide exactly as the
array tests: same statuses, same end steps, same frames, on runs that converge,
oscillate, diverge, stall on a plateau or run out of steps; and the oscillation
pre-test never says "surely not" where the array test says "oscillating"."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.engine.explain import explain
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status, Tolerances, run_to_end
from gdviz.engine.surfaces import SURFACES


class ArrayBatch(Batch):
    """The reference: every step's status comes from the array tests."""

    def _surely_running(self) -> bool:
        return False


def one_run(cls, surface, oid, start, lr, max_steps=600, tol=Tolerances()):
    hyper = hyper_arrays([{**defaults(oid), "lr": lr}])
    return cls(SURFACES[surface], OPTIMIZERS[oid], hyper, np.array([start], float),
               max_steps, tol)


CASES = [(s, oid, start, lr)
         for s, start in [("bowl", [1, 1]), ("rosenbrock", [-1.5, 2]), ("himmelblau", [-0.5, 0]),
                          ("two_wells", [2, 1]), ("saddle", [0, 0.5]), ("plateau", [1.5, 1.5]),
                          ("ravine", [-1.5, 1])]
         for oid in ["gd", "momentum", "adam"]
         for lr in [1e-6, 1e-3, 0.1, 1.0, 1.1, 1e300]]


@pytest.mark.parametrize("surface,oid,start,lr", CASES)
def test_one_run_ends_exactly_as_the_array_tests_say(surface, oid, start, lr):
    fast, ref = (one_run(cls, surface, oid, start, lr) for cls in (Batch, ArrayBatch))
    assert fast._scalar
    tf, tr = run_to_end(fast), run_to_end(ref)
    assert fast.status.tolist() == ref.status.tolist()
    assert fast.end_step.tolist() == ref.end_step.tolist()
    for a, b in [(tf.params, tr.params), (tf.loss, tr.loss), (tf.grad, tr.grad),
                 (tf.update, tr.update), (tf.lr, tr.lr)]:
        np.testing.assert_array_equal(a, b)
    assert explain(fast, 0) == explain(ref, 0)


def test_the_cases_cover_every_way_a_run_ends():
    ends = set()
    for case in CASES:
        b = one_run(Batch, *case)
        b.run()
        ends.add(Status(int(b.status[0])))
    assert ends == {Status.CONVERGED, Status.OSCILLATING, Status.DIVERGED, Status.MAX_STEPS}


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), step=st.integers(40, 500),
       loss_scale=st.sampled_from([1e-300, 1e-8, 1.0, 1e8, 1e300]),
       jitter=st.sampled_from([0.0, 1e-16, 1e-12, 1e-4, 1.0]),
       shrink=st.sampled_from([0.25, 0.5, 0.5 + 1e-15, 1.0]))
def test_surely_not_oscillating_is_never_wrong(seed, step, loss_scale, jitter, shrink):
    """Random windows near every threshold (stalled loss, half the path, halving steps):
    whenever the float pre-test rules oscillation out, the array test agrees."""
    rng = np.random.default_rng(seed)
    b = one_run(Batch, "bowl", "gd", [1, 1], 1e-6, max_steps=10_000)
    n2 = 2 * b.tol.window
    b.step = step
    base = rng.choice([-1, 1]) * loss_scale
    b._loss_hist[:, 0] = base * (1 + jitter * rng.standard_normal(n2))
    older = np.abs(rng.standard_normal(b.tol.window))
    u = np.concatenate([older, older * shrink])
    order = (np.arange(n2) + step + 1) % n2
    b._unorm_hist[order, 0] = u
    b._param_hist[:, 0] = rng.standard_normal((n2, 2))
    # the path's end points a chosen fraction of the path length apart
    half = 0.5 * u[1:].sum() * rng.choice([0.0, 0.5, 1.0 - 1e-15, 1.0, 1.0 + 1e-15, 2.0])
    b._param_hist[order[-1], 0] = b._param_hist[order[0], 0] + [half, 0.0]
    if not b._maybe_oscillating():
        assert not b._oscillating(np.arange(1))[0]
