"""Steps taken ahead of their verdicts (gdviz/engine/ahead.py) leave a run exactly as
advancing it one step at a time does: every frame, step term, status and end step of
``run_to_end``, and the batch's whole state after each run ahead (its rings, its optimizer
state, the verdict's own bookkeeping). ``test_float_step`` holds the same runs to the
all-array reference as well (its runs go through ``run_to_end``, and so ahead)."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine import ahead
from gdviz.engine.ahead import Ahead, can_run_ahead, run_ahead
from gdviz.engine.curves import CURVES
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, run_to_end
from gdviz.engine.surfaces import SURFACES

FIELDS = ("params", "loss", "grad", "update", "lr", "status", "end_step")


def lone(objective, optimizer: str, lr: float, start, steps: int, **hyper) -> Batch:
    h = {**defaults(optimizer), "lr": lr, **hyper}
    return Batch(objective, OPTIMIZERS[optimizer], hyper_arrays([h]), [start], steps)


def step_by_step(monkeypatch, make, terms: bool):
    """``run_to_end`` of a fresh batch with nothing taken ahead."""
    with monkeypatch.context() as m:
        m.setattr(Ahead, "take", lambda self, b, most: [])
        return run_to_end(make(), terms=terms)


def same(a, b, terms: bool) -> None:
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), f
    if terms:
        assert repr(a.terms) == repr(b.terms)


@pytest.fixture
def counted(monkeypatch):
    """How many steps were taken ahead."""
    taken = []

    def counting(b, n):
        out = run_ahead(b, n)
        taken.append(len(out))
        return out
    monkeypatch.setattr(ahead, "run_ahead", counting)
    return taken


SURFACE_RUNS = [(s, o, lr) for s in ("rosenbrock", "bowl", "himmelblau", "two_wells", "saddle",
                                     "ravine")
                for o in OPTIMIZERS for lr in (1e-6, 1e-3, 3e-2)]


@pytest.mark.parametrize("surface,optimizer,lr", SURFACE_RUNS)
def test_a_run_taken_ahead_is_the_run_step_by_step(monkeypatch, counted, surface, optimizer, lr):
    s = SURFACES[surface]
    (x0, x1), (y0, y1) = s.domain
    rng = np.random.default_rng(abs(hash((surface, optimizer, lr))) % 2**32)
    start = [float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))]
    hyper = {"weight_decay": 0.01} if optimizer == "adamw" else {}
    terms = optimizer in ("adam", "momentum")

    def make():
        return lone(s, optimizer, lr, start, 1200, **hyper)
    fast = run_to_end(make(), terms=terms)
    same(fast, step_by_step(monkeypatch, make, terms), terms)
    if fast.end_step[0] > 200:  # a long run goes mostly ahead (crawls and descents)
        assert sum(counted) > 0


@pytest.mark.parametrize("cid", ["quadratic", "two_wells", "cubic", "plateau", "ripples"])
@pytest.mark.parametrize("optimizer,lr", [("gd", 1e-4), ("momentum", 1e-2), ("adam", 1e-2),
                                          ("rmsprop", 1e-3), ("gd", 1e-7)])
def test_a_curve_taken_ahead_is_the_curve_step_by_step(monkeypatch, counted, cid, optimizer, lr):
    c = CURVES[cid]

    def make():
        return lone(c, optimizer, lr, [float(np.ravel(c.start)[0])], 1500)
    fast = run_to_end(make(), terms=True)
    same(fast, step_by_step(monkeypatch, make, True), True)


def state(b: Batch) -> dict:
    """Everything a step leaves that a later step or verdict reads, as bytes."""
    out = {name: np.asarray(getattr(b, name)).tobytes() for name in (
        "params", "loss", "grad", "status", "stall", "end_step", "_loss_hist", "_param_hist",
        "_unorm_hist", "_dloss_hist", "_ahead_until", "_land_until")}
    out["step"], out["active"] = b.step, b._n_active
    out["chain"] = repr(b.chain_state)
    out["lr"] = b.lr_now().tobytes()
    out["next"] = b.propose().tobytes()
    return out


@pytest.mark.parametrize("surface,optimizer,lr", [
    ("rosenbrock", "adam", 1e-2), ("bowl", "gd", 1e-6), ("himmelblau", "momentum", 1e-3),
    ("ravine", "rmsprop", 1e-3), ("two_wells", "nesterov", 1e-3), ("saddle", "adagrad", 0.1)])
def test_a_run_ahead_leaves_the_batch_as_its_steps_one_by_one(surface, optimizer, lr):
    s = SURFACES[surface]
    a, b = (lone(s, optimizer, lr, [-1.2, 0.7], 3000) for _ in range(2))
    rng = np.random.default_rng(7)
    went = 0
    while not a.done and a.step < 2500:
        assert can_run_ahead(a)
        taken = run_ahead(a, int(rng.integers(1, 90)))
        for _ in taken:
            b._advance()
        assert state(a) == state(b)
        went += len(taken)
        if a.done or b.done:
            break
        a._advance(), b._advance()  # the step that was not quiet, taken in full by both
        assert state(a) == state(b)
    assert went > 0


def test_nothing_is_taken_ahead_where_a_step_could_end_the_run():
    # η far too large: the run diverges within a few steps, and the step it ends at is
    # ``advance``'s
    ref = lone(SURFACES["rosenbrock"], "gd", 0.1, [-1.5, 2.0], 100)
    ref.run()
    b = lone(SURFACES["rosenbrock"], "gd", 0.1, [-1.5, 2.0], 100)
    assert ref.status[0] == 3 and len(run_ahead(b, 50)) < ref.end_step[0]
    assert not b.done
    # the budget's last step ends the run: it is ``advance``'s
    b = lone(SURFACES["bowl"], "gd", 1e-6, [-1.5, 1.0], 30)
    assert len(run_ahead(b, 100)) == 29 and b.step == 29
    b.advance()
    assert b.done and b.step == 30
    # … and the first step judged with a full window (2W) is taken alone too
    b = lone(SURFACES["bowl"], "gd", 1e-6, [-1.5, 1.0], 300)
    assert len(run_ahead(b, 100)) == 2 * b.tol.window - 1


def test_steps_with_noise_or_without_a_hessian_are_not_taken_ahead():
    noisy = Batch(SURFACES["bowl"], OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"),
                                                                      "lr": 1e-3}]),
                  [[-1.5, 1.0]], 100, noise=0.1)
    assert not can_run_ahead(noisy)
    many = Batch(SURFACES["bowl"], OPTIMIZERS["gd"], hyper_arrays([{**defaults("gd"),
                                                                     "lr": 1e-3}] * 2),
                 [[-1.5, 1.0], [1.0, 1.0]], 100)
    assert not can_run_ahead(many)


def test_a_run_that_keeps_being_judged_stops_trying_for_a_while(counted):
    # Adam circles Himmelblau's (−2.81, 3.13) from about step 300: the verdict near a
    # minimum is in question every step from there on, so nothing there is quiet
    b = lone(SURFACES["himmelblau"], "adam", 0.05, [-0.5, 0.0], 2500)
    run_to_end(b)
    tries_after_300 = counted[next(i for i, k in enumerate(counted) if k == 0):]
    assert len(tries_after_300) < 120  # not one try per step (~2,000 of them)


@pytest.mark.parametrize("surface,optimizer,lr", [("rosenbrock", "adam", 1e-2),
                                                  ("himmelblau", "momentum", 1e-3)])
def test_the_windows_ahead_are_the_rings_windows_step_by_step(surface, optimizer, lr):
    """The windows a batch's block reads (``blocks._Lines``) over one run's steps ahead,
    more of them than 2W: each is the rings' window at that step."""
    from gdviz.engine.ahead import _dry, block_of
    from gdviz.engine.blocks import _Lines
    from gdviz.engine.runs import _bounces, _FloatWindow
    from gdviz.engine.verdicts import FLOATS
    a, b = (lone(SURFACES[surface], optimizer, lr, [-1.2, 0.7], 3000) for _ in range(2))
    for _ in range(57):
        a._advance(), b._advance()
    steps = _dry(a, 70)
    window = _Lines(a, np.zeros(1, np.intp), block_of(steps))
    rows = [window.steps(), window.losses()]
    disp, might = window.disp(), window.might_bounce()
    older, newer, oldest = window.halves_by_step()
    oldest = oldest(slice(0, len(steps)))[:, 0]
    for i in range(len(steps)):
        b._advance()
        ring = _FloatWindow(b)
        assert [r[i] for r in rows[0]] == ring.steps()
        assert [r[i] for r in rows[1]] == ring.losses()
        assert disp[i] == ring.disp()
        assert oldest[i].tolist() == b._param_hist[(b.step + 1) % 40, 0].tolist()
        w = b.tol.window
        assert older[i, 0] == pytest.approx(sum(ring.steps()[:w]), rel=1e-13, abs=1e-300)
        assert newer[i, 0] == pytest.approx(sum(ring.steps()[w:]), rel=1e-13, abs=1e-300)
        assert might[i] or not _bounces(FLOATS, ring.steps(), ring.disp(), b.tol)
    assert not might.all()  # (the bound rules something out here)
    sub = np.array([3, 17, 40])
    assert window.disp(sub).tolist() == disp[sub].tolist()
    assert [r.tolist() for r in window.steps(sub)] == [r[sub].tolist() for r in rows[0]]


def light(b: Batch) -> tuple:
    """What a stream's frame and verdict read after each step, as bytes."""
    return (b.step, b.params.tobytes(), b.loss.tobytes(), b.grad.tobytes(), b.status.tobytes(),
            b.end_step.tobytes(), b.lr_now().tobytes(), b.propose().tobytes())


@pytest.mark.parametrize("surface,optimizer,lr", [
    ("rosenbrock", "adam", 1e-2), ("bowl", "gd", 1e-6), ("himmelblau", "adam", 0.05),
    ("ravine", "momentum", 1e-3), ("two_wells", "rmsprop", 1e-3), ("saddle", "gd", 1e-3),
    ("rosenbrock", "adamw", 1e-3)])
def test_advance_drawing_on_steps_found_ahead_is_each_step_as_before(surface, optimizer, lr):
    """``advance`` (a stream's steps) takes quiet steps from those found ahead: after every
    step the run is the run judged step by step, through η edits, a schedule swapped and
    a fork taken along the way."""
    from gdviz.engine.history import fork
    from gdviz.engine.schedules import Schedule
    hyper = {"weight_decay": 0.01} if optimizer == "adamw" else {}
    a, b = (lone(SURFACES[surface], optimizer, lr, [-1.2, 0.7], 2500, **hyper) for _ in range(2))
    found = []
    real = Ahead.step

    def counting(self, batch):
        took = real(self, batch)
        found.append(took)
        return took
    forks = []
    k = 0
    while not a.done:
        k += 1
        if k == 300:  # the student drags η
            a.set_hyper(0, {"lr": lr * 0.5}), b.set_hyper(0, {"lr": lr * 0.5})
        if k == 700:
            sched = Schedule("step", step_size=100, gamma=0.5)
            a.set_schedule(sched), b.set_schedule(sched)
        if k == 900:
            forks.append((fork(a), fork(b)))
        Ahead.step = counting
        try:
            a.advance()
        finally:
            Ahead.step = real
        b._advance()
        assert light(a) == light(b), k
        if k % 97 == 0:
            assert state(a) == state(b), k
    assert state(a) == state(b)
    for fa, fb in forks:  # a fork goes on as its run would, found steps and all
        while not fa.done and fa.step < 1500:
            fa.advance(), fb._advance()
            assert light(fa) == light(fb)
    if b.end_step[0] > 400:
        assert sum(found) > b.end_step[0] / 4  # most steps were found ahead


def test_a_fork_keeps_no_steps_found_ahead():
    """A run's snapshots (``history.fork``) do not each keep the steps found ahead (up to
    64 of ~0.9 kB); a fork finds its own, and goes on as the run does."""
    from gdviz.engine.history import fork
    b = lone(SURFACES["bowl"], "gd", 1e-6, [-1.5, 1.0], 3000)
    for _ in range(45):
        b.advance()
    assert b._pace._found  # (the crawl's steps are found ahead)
    f = fork(b)
    assert f._pace._found == [] and b._pace._found
    for _ in range(300):
        f.advance(), b.advance()
        assert light(f) == light(b)


def test_the_pace_follows_the_stretches_of_quiet_steps():
    """A look ahead costs about ten steps judged one by one: stretches under ``FEWEST`` are
    misses, waited out ever longer (2, 8, 32, 128, 256 steps); after a step that was not
    quiet the next look goes as far as the last stretch; a stretch found whole grows."""
    pace = Ahead()
    assert pace._size == Ahead.FIRST
    pace._paced(16, 16)  # all quiet: look twice as far next time, no wait
    assert (pace._size, pace._waiting) == (32, 0)
    pace._paced(4, 32)  # the stretch was 16 + 4 = 20 steps (a loud step every W + 1)
    assert (pace._size, pace._waiting) == (21, 1)
    pace._paced(20, 21)
    assert (pace._size, pace._waiting) == (21, 1)
    waits = []
    for _ in range(6):  # misses: nothing quiet
        pace._paced(0, 21)
        waits.append(pace._waiting)
        assert pace._size == Ahead.FIRST
    assert waits == [2, 8, 32, 128, 256, 256]
    pace._paced(3, 16)  # a stretch under FEWEST is a miss too (its steps are taken)
    assert pace._waiting == 256
    pace._paced(16, 16)
    assert pace._wait == 0 and pace._size == 32
