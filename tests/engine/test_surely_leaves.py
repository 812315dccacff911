"""``verdicts.surely_leaves``: the pre-test that lets a run circling a minimum skip the
verdict there must never say "leaves" where ``steps_to_leave`` would not find it leaving —
from the horizon's last slice alone (a run frozen in floats until then), for the smallest
deviation ``_stays`` seeds (1e-16 (1 + ‖θ‖))."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.engine import verdicts as V
from gdviz.engine.verdicts import ARRAYS, FLOATS, Tolerances

TOL = Tolerances()


def _leave_from_last_slice(kind, h, gain, mu, length):
    """``steps_to_leave`` with every gain ``gain`` and nothing moving before the last slice."""
    gains = np.broadcast_to(gain, (64, 1, len(gain)))
    return V.steps_to_leave(kind, h[None], gains, np.array([mu]),
                            np.array([1e-16 * length]), np.array([TOL.xtol * length]),
                            frozen_until=np.array([V.SLICE_ENDS[-2]]))[0]


@settings(max_examples=600, deadline=None, derandomize=True)
@given(kind=st.sampled_from(["plain", "heavy", "nesterov"]),
       a=st.floats(1e-3, 1e6), c=st.floats(1e-3, 1e6), corr=st.floats(-0.999, 0.999),
       g0=st.floats(1e-4, 10), g1=st.floats(1e-4, 10), mu=st.floats(0, 0.99),
       length=st.floats(1, 1e3))
def test_it_says_leaves_only_where_the_last_slice_alone_throws_the_run_out(kind, a, c, corr, g0,
                                                                           g1, mu, length):
    b = corr * (a * c) ** 0.5
    h = np.array([[a, b], [b, c]])
    diagonal = [g0 * a, g1 * c]
    says = V.surely_leaves(FLOATS, kind, diagonal, mu, TOL)
    on_arrays = V.surely_leaves(ARRAYS, kind, [np.array([v]) for v in diagonal],
                                np.array([mu]), TOL)
    assert bool(on_arrays[0]) == bool(says)
    if says:
        assert np.isfinite(_leave_from_last_slice(kind, h, np.array([g0, g1]), mu, length))


def test_it_says_leaves_for_adam_circling_and_not_for_a_stable_minimum():
    """Not vacuous: Adam near Rosenbrock's minimum, its gain grown to ~η(1 − β₁)/ε at the
    horizon's end, surely leaves; GD with η·λ < 2 (stable) does not."""
    rosenbrock = np.array([[802.0, -400.0], [-400.0, 200.0]])
    assert V.surely_leaves(FLOATS, "heavy", [1e3 * 802.0, 1e3 * 200.0], 0.9, TOL)
    assert not V.surely_leaves(FLOATS, "plain", [1e-3 * 802.0, 1e-3 * 200.0], 0.0, TOL)
    assert not V.surely_leaves(FLOATS, "plain", [1.9, 1.0], 0.0, TOL)
    assert not V.surely_leaves(FLOATS, "plain", [float("nan"), 1.0], 0.0, TOL)
    assert np.isinf(_leave_from_last_slice("plain", rosenbrock, np.array([1e-3, 1e-3]), 0.0, 2))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(a=st.floats(-1e6, 1e6), c=st.floats(-1e6, 1e6), b=st.floats(-1e6, 1e6))
def test_positive_definite_with_room_is_what_eigh_calls_a_minimum(a, c, b):
    h = np.array([[[a, b], [b, c]]])
    says = V.surely_positive_definite(FLOATS, (a, b, c))
    assert bool(V.surely_positive_definite(ARRAYS, (np.array([a]), np.array([b]),
                                                    np.array([c])))[0]) == bool(says)
    if says:
        lam = np.linalg.eigvalsh(h)
        assert lam[0, 0] > 0 and V.minimum_type(lam, TOL)[0]


def test_near_its_threshold_for_every_kind_and_momentum():
    """Where the bound is tight (λmax = a: a diagonal Hessian), over a fine grid of a."""
    for kind in ("plain", "heavy", "nesterov"):
        for mu in (0.0, 0.5, 0.9, 0.99):
            for a in np.geomspace(1.0, 50.0, 400):
                h = np.diag([a, 1e-3])
                if V.surely_leaves(FLOATS, kind, [a, 1e-3], mu, TOL):
                    leave = _leave_from_last_slice(kind, h, np.array([1.0, 1.0]), mu, 1.0)
                    assert np.isfinite(leave), (kind, mu, a)


def test_the_gain_model_on_floats_is_the_one_on_arrays():
    """``_gain_model_floats`` (one run, the circling pre-test) reads the same optimizer, η,
    hyperparameters and state as ``_gain_model`` (the verdict's linear map), every optimizer."""
    from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
    from gdviz.engine.runs import Batch
    from gdviz.engine.surfaces import SURFACES

    for oid in OPTIMIZERS:
        hyper = {**defaults(oid), "lr": 0.01}
        if "momentum" in hyper:
            hyper["momentum"] = 0.9
        b = Batch(SURFACES["rosenbrock"], OPTIMIZERS[oid], hyper_arrays([hyper]),
                  np.array([[0.8, 0.6]]), 100)
        for _ in range(30):
            b.propose(), b.advance()
        kind, mu, gain_at = b._gain_model(np.zeros(1, np.intp))
        fkind, fmu, fgain_at = b._gain_model_floats()
        assert (fkind, fmu) == (kind, float(mu[0])), oid
        for t in (0.0, 1000.0, float(V.SLICE_ENDS[-2])):
            want = np.broadcast_to(gain_at(t), (1, 2))[0]
            np.testing.assert_allclose(fgain_at(t), want, rtol=1e-13, err_msg=oid)
