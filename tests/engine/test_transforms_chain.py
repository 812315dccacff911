"""Noise, clipping and the schedule as transforms chained with the optimizer
(gdviz/engine/transforms.py): each alone, composed, and inside a Batch whose runs end
at different steps."""

import numpy as np
import pytest

from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, Status
from gdviz.engine.schedules import Schedule
from gdviz.engine.surfaces import SURFACES
from gdviz.engine.transforms import (AddNoise, Chain, ClipByNorm, NoiseStream, Scheduled,
                                     optimizer_chain, put_runs, take_runs)

ADAM = OPTIMIZERS["adam"]


def hyper(n, opt="adam", **changes):
    return hyper_arrays([{**defaults(opt), **changes}] * n)


def test_a_chain_of_the_optimizer_alone_is_the_optimizer():
    params = np.array([[1.0, -2.0], [0.5, 3.0]])
    grads = np.array([[0.3, -0.1], [2.0, 1.0]])
    h = hyper(2, lr=0.1)
    chain = Chain(ADAM)
    (u1, s1), (u2, s2) = (chain.update(grads, chain.init(params, h), params, h),
                          ADAM.update(grads, ADAM.init(params, h), params, h))
    assert np.array_equal(u1, u2)
    assert all(np.array_equal(a, b) for a, b in zip(s1[0], s2))


def test_each_transform_in_order_noise_then_clip_then_the_scheduled_optimizer():
    params, grads = np.zeros((1, 2)), np.array([[3.0, 4.0]])
    h = hyper(1, "gd", lr=0.5)
    sched = Schedule("step", step_size=1, gamma=0.1)
    chain = optimizer_chain(OPTIMIZERS["gd"], params.shape, schedule=sched, clip_norm=1.0,
                            noise=0.2, seed=3)
    assert [type(t) for t in chain.transforms] == [AddNoise, ClipByNorm, Scheduled]
    state = chain.init(params, h)
    xi0 = np.random.default_rng(3).standard_normal((1, 2))
    noisy = grads + 0.2 * xi0
    clipped = noisy * min(1.0, 1.0 / (np.linalg.norm(noisy) + 1e-6))
    updates, state, seen = chain.update_seen(grads, state, params, h)
    assert np.array_equal(seen, clipped)  # what the optimizer was given
    assert np.array_equal(updates, -0.5 * clipped)
    assert chain.lr(state, h)[0] == pytest.approx(0.05)  # the schedule's next η
    assert state[0].count[0] == 1 and state[2].count[0] == 1


def test_noise_draws_are_a_pure_function_of_the_seed_and_the_step():
    s = NoiseStream(7, (3, 2))
    ref = np.random.default_rng(7)
    draws = [ref.standard_normal((3, 2)) for _ in range(6)]
    assert np.array_equal(s.draw(5), draws[5])
    assert np.array_equal(s.draw(2), draws[2])  # an older draw: replayed from the seed
    assert np.array_equal(s.draw(5), draws[5])
    mixed = s.rows(np.array([5, 2, 5]), np.array([0, 1, 2]))
    assert np.array_equal(mixed, [draws[5][0], draws[2][1], draws[5][2]])


def test_take_and_put_runs_reach_into_nested_states():
    params = np.zeros((3, 2))
    chain = optimizer_chain(ADAM, params.shape, schedule=Schedule("cosine"), noise=0.1)
    state = chain.init(params, hyper(3))
    part = take_runs(state, np.array([0, 2]))
    assert part[1].inner.exp_avg.shape == (2, 2) and part[0].row.tolist() == [0, 2]
    bumped = (part[0]._replace(count=part[0].count + 5), part[1])
    whole = put_runs(state, np.array([0, 2]), bumped)
    assert whole[0].count.tolist() == [5, 0, 5] and state[0].count.tolist() == [0, 0, 0]


def test_an_ended_run_is_frozen_whole_its_schedule_and_noise_too():
    """Two runs, one ends first: its lr and proposed step stay those of its last frame
    while the other run goes on; the running one steps as it would have."""
    h = hyper(2, "gd", lr=0.1)
    h["lr"][1] = 0.02  # the second run is slower: still going when the first converges
    sched = Schedule("exponential", gamma=0.999)
    b = Batch(SURFACES["bowl"], OPTIMIZERS["gd"], h, np.array([[0.5, 0.5], [0.5, 0.5]]), 400,
              schedule=sched, noise=1e-9, seed=4)
    while b.status[0] == Status.RUNNING:
        b.advance()
    end = int(b.end_step[0])
    assert b.status[1] == Status.RUNNING
    lr_at_end, step_at_end = b.lr_now()[0], b.propose()[0].copy()
    assert lr_at_end == sched.lr(np.array([0.1]), end)[0]
    for _ in range(5):
        b.advance()
    assert b.lr_now()[0] == lr_at_end and np.array_equal(b.propose()[0], step_at_end)
    assert b.status[1] == Status.RUNNING
    assert b.lr_now()[1] == sched.lr(np.array([0.02]), b.step)[0]
    assert b.noise.sigma == 1e-9 and b.schedule is sched and b.clip_norm is None


def test_the_optimizer_state_of_a_scheduled_run_is_torchs():
    b = Batch(SURFACES["bowl"], ADAM, hyper(1, lr=0.1), np.array([[1.0, 1.0]]), 10,
              schedule=Schedule("cosine", T_max=10), clip_norm=3.0)
    b.advance()
    assert b.opt_state._fields == ("step", "exp_avg", "exp_avg_sq")
    assert b.opt_state.step[0] == 1
    terms = b.step_terms(0)
    assert set(terms.after) == {"step", "exp_avg", "exp_avg_sq"} and terms.after["step"] == 2
