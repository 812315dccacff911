"""A batch's steps taken in blocks (gdviz/engine/blocks.py) leave it exactly as stepping
it one step at a time does: every status, stall and end step, the step it stops at, its
weights, loss and gradient, its optimizer state, its rings, its looks ahead and its next
update — bit for bit — over the batch corpus, the chain corpus and a grid of every
surface × optimizer × rate."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import batch_corpus  # noqa: E402
import chain_corpus  # noqa: E402

from gdviz.engine import blocks  # noqa: E402
from gdviz.engine.landscape import run_in_chunks  # noqa: E402
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays  # noqa: E402
from gdviz.engine.runs import Batch  # noqa: E402
from gdviz.engine.surfaces import SURFACES  # noqa: E402


def _state_bytes(a) -> list[bytes]:
    if isinstance(a, tuple):
        return [x for part in a for x in _state_bytes(part)]
    return [np.ascontiguousarray(a).tobytes()]


def snapshot(b: Batch) -> dict:
    """Everything advancing leaves behind that a later step, a verdict or a reader sees."""
    with np.errstate(all="ignore"):
        nxt = b.propose()
    return {
        "step": b.step, "active": b._n_active,
        "status": b.status.tobytes(), "stall": b.stall.tobytes(), "end": b.end_step.tobytes(),
        "params": b.params.tobytes(), "loss": b.loss.tobytes(), "grad": b.grad.tobytes(),
        "state": _state_bytes(b.chain_state), "next": nxt.tobytes(),
        "rings": [r.tobytes() for r in (b._loss_hist, b._param_hist, b._unorm_hist,
                                        b._dloss_hist)],
        "ahead": b._ahead_until.tobytes(), "land": b._land_until.tobytes(),
    }


class Counted:
    """Counts the steps taken in blocks (``blocks.take``)."""

    def __init__(self, monkeypatch):
        self.steps = 0
        take = blocks.take

        def counted(b, most):
            n = take(b, most)
            self.steps += n
            return n

        monkeypatch.setattr(blocks, "take", counted)


def step_by_step(b: Batch) -> Batch:
    with np.errstate(all="ignore"):
        while not b.done:
            b.advance()
    return b


def in_blocks(b: Batch) -> Batch:
    with np.errstate(all="ignore"):
        b.run()
    return b


def assert_same(make, runner=in_blocks) -> None:
    a, b = step_by_step(make()), runner(make())
    sa, sb = snapshot(a), snapshot(b)
    assert [k for k in sa if sa[k] != sb[k]] == []


# the large batches: some runs oscillate, converge, stall, crawl, diverge or run out of
# steps while the rest go on (noisy scenarios step one at a time: checked all the same)
@pytest.mark.parametrize("name,make", list(batch_corpus.scenarios()),
                         ids=[n for n, _ in batch_corpus.scenarios()])
def test_batch_corpus_in_blocks(name, make, monkeypatch):
    counted = Counted(monkeypatch)
    assert_same(make)
    if "noise" not in name:
        assert counted.steps > 0  # blocks were taken
    else:
        assert counted.steps == 0


# every optimizer × schedule × option (weight decay, clipping, …) on small batches
@pytest.mark.parametrize("name,make", [(n, m) for n, m in chain_corpus.scenarios()
                                       if not n.startswith(("mlp", "cnn"))])
def test_chain_corpus_in_blocks(name, make):
    assert_same(make)


def _uniform(surface: str, optimizer: str, lr: float, n: int, steps: int) -> Batch:
    (x0, x1), (y0, y1) = SURFACES[surface].domain
    rng = np.random.default_rng(1)
    starts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    return Batch(SURFACES[surface], OPTIMIZERS[optimizer],
                 hyper_arrays([{**defaults(optimizer), "lr": lr}] * n), starts, steps)


@pytest.mark.parametrize("surface", sorted(SURFACES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("lr", [1e-3, 0.05])
def test_every_surface_and_optimizer_in_blocks(surface, optimizer, lr):
    assert_same(lambda: _uniform(surface, optimizer, lr, 64, 240))


def test_chunks_in_blocks_match_step_by_step(monkeypatch):
    """A sweep's or a basin map's job (``run_in_chunks``) takes its steps in blocks."""
    counted = Counted(monkeypatch)

    def chunked(b):
        with np.errstate(all="ignore"):
            for _ in run_in_chunks(b, chunk=13):
                pass
        return b

    assert_same(lambda: batch_corpus.basins("himmelblau", "momentum", 0.01, 24, 400), chunked)
    assert_same(lambda: batch_corpus.sweep("rosenbrock", "adam", 300), chunked)
    assert counted.steps > 0


def test_budget_mid_block_and_runs_ending_mid_block():
    """Blocks that reach the budget's last step, and batches whose every run ends inside a
    block (the batch stops at the step the last one ended, as step by step)."""
    for steps in (41, 47, 79, 80, 81):
        assert_same(lambda: _uniform("rosenbrock", "adam", 0.01, 32, steps))
    b = in_blocks(_uniform("bowl", "gd", 0.3, 32, 2000))
    assert b.done and b.step == int(b.end_step.max()) < 2000


def test_a_block_is_taken_whole_where_nothing_ends(monkeypatch):
    b = _uniform("rosenbrock", "adam", 0.001, 16, 400)
    with np.errstate(all="ignore"):
        while b.step < 2 * b.tol.window + 1:
            b.advance()
        b._block_pace.size = 30
        step = b.step
        assert blocks.take(b, 30) == 30 and b.step == step + 30
    ref = _uniform("rosenbrock", "adam", 0.001, 16, 400)
    with np.errstate(all="ignore"):
        while ref.step < b.step:
            ref.advance()
    assert snapshot(ref) == snapshot(b)


def test_what_cannot_be_taken_in_blocks():
    one = _uniform("bowl", "gd", 0.1, 1, 100)
    assert not blocks.can_block(one)  # one run: ahead.py
    noisy = batch_corpus.sweep("bowl", "gd", 100, noise=0.3, seed=7)
    assert not blocks.can_block(noisy)
    assert blocks.can_block(_uniform("bowl", "gd", 0.1, 2, 100))


def test_pace():
    p = blocks.Pace()
    assert p.due() and p.size == blocks.Pace.FIRST
    p.after(8, 100, 100)  # nothing ended: grows
    assert p.size == 16 and p.due()
    p.after(16, 100, 80)  # a fifth ended: a miss, wait, then a short block
    assert p.size == blocks.Pace.FIRST
    waits = 0
    while not p.due():
        waits += 1
    assert waits == blocks.Pace.FIRST
    p.after(8, 100, 50)  # another miss: the wait doubles
    waits = 0
    while not p.due():
        waits += 1
    assert waits == 2 * blocks.Pace.FIRST
    for _ in range(10):
        p.after(8, 100, 0)
    waits = 0
    while not p.due():
        waits += 1
    assert waits == blocks.Pace.LONGEST_WAIT
    p.after(8, 100, 99)  # one in a hundred ended: not a miss
    assert p.size == 16 and p.due()


@pytest.mark.parametrize("w", [1, 2, 3, 5, 8, 20, 21])
def test_window_sums(w):
    rng = np.random.default_rng(w)
    line = rng.exponential(size=(50, 7)) * 10.0 ** rng.integers(-8, 8, size=(50, 7))
    sums = blocks.window_sums(line, w)
    want = np.array([line[t:t + w].sum(axis=0) for t in range(50 - w + 1)])
    assert sums.shape == want.shape
    # any order of adding w numbers ≥ 0 lies within w ulps of the exact sum
    assert np.all(np.abs(sums - want) <= 2 * w * np.spacing(want))


@pytest.mark.parametrize("extra", sorted(chain_corpus.EXTRAS))
@pytest.mark.parametrize("schedule", sorted(chain_corpus.SCHEDULES))
@pytest.mark.parametrize("optimizer", ["momentum", "adam", "adamw", "rmsprop"])
def test_schedules_and_options_in_blocks(optimizer, schedule, extra):
    """The chain corpus's schedules and options over windows full of steps, many runs."""
    def make():
        options = dict(chain_corpus.EXTRAS[extra])
        h = defaults(optimizer)
        if "weight_decay" in options:
            h["weight_decay"] = options.pop("weight_decay")
        rng = np.random.default_rng(3)
        n = 48
        hyper = hyper_arrays([{**h, "lr": lr} for lr in np.geomspace(1e-3, 0.5, n)])
        starts = rng.uniform(-2, 2, size=(n, 2))
        return Batch(SURFACES["himmelblau"], OPTIMIZERS[optimizer], hyper, starts, 200,
                     schedule=chain_corpus.SCHEDULES[schedule], seed=2, **options)

    assert_same(make)


@pytest.mark.parametrize("explode,runaway", [(np.inf, np.inf), (np.inf, 1e3), (1e4, np.inf)])
def test_each_way_to_diverge_in_blocks(explode, runaway):
    """Runs that diverge by each test alone — a weight, loss or gradient not finite, the
    weights run away, the loss moved too far — end at the same step in blocks."""
    from gdviz.engine.verdicts import Tolerances

    def make():
        n = 64
        lrs = np.geomspace(0.9, 1.6, n)  # GD on the bowl: |1 − η·2| > 1 grows geometrically
        hyper = hyper_arrays([{**defaults("gd"), "lr": lr} for lr in lrs])
        starts = np.tile([1.5, -1.0], (n, 1))
        return Batch(SURFACES["bowl"], OPTIMIZERS["gd"], hyper, starts, 3000,
                     Tolerances(explode=explode, runaway=runaway))

    assert_same(make)
    b = in_blocks(make())
    assert (b.status == 3).sum() > 10  # (Status.DIVERGED)


def test_a_block_stays_within_its_memory():
    """A block holds at most MOST_BYTES (gdviz/jobs/memory.py counts it in every sweep's
    and basin map's estimate); a batch too large for a block of FEWEST steps takes none."""
    from gdviz.jobs import memory
    from gdviz.scenarios.landscape import BasinRequest

    w2 = 2 * 20
    for n_runs in (2, 500, 4096, 9000):
        b = _uniform("rosenbrock", "adam", 0.01, n_runs, 400)
        b.step = w2  # (only the room is asked)
        b._block_pace.size = 10_000
        n = blocks.room(b, 10_000)
        assert n_runs * (n * blocks.ROW_BYTES + (w2 - 1 + n) * blocks.LINE_BYTES) \
            <= blocks.MOST_BYTES
    big = _uniform("rosenbrock", "adam", 0.01, 40_000, 400)
    assert blocks.room(big, 10_000) < blocks.FEWEST and blocks.take(big, 10_000) == 0
    request = BasinRequest.model_validate({"surface": "himmelblau", "grid": {"n": 32},
                                           "steps": 200, "run": {"optimizer": "gd"}})
    assert memory.landscape("basins", request) >= blocks.MOST_BYTES + 32 ** 2 * memory.LANDSCAPE_BYTES_PER_ROW


def _job_batch(kind: str, request: dict) -> Batch:
    """The batch a sweep's or basin map's job builds (gdviz/scenarios/landscape.py)."""
    from gdviz.engine import landscape
    from gdviz.engine.optimizers import OPTIMIZERS as OPT
    from gdviz.scenarios import landscape as jobs

    if kind == "sweep":
        req = jobs.SweepRequest.model_validate(request)
        return landscape.sweep_batch(req.objective(), OPT[req.run.optimizer], req.run.hyper(),
                                     jobs._start(req), req.lr_values(), req.steps,
                                     **jobs._options(req))
    req = jobs.BasinRequest.model_validate(request)
    s = req.objective()
    _, _, starts = landscape.grid_starts(req.grid.n, req.grid.box or s.domain)
    return landscape.basin_batch(s, OPT[req.run.optimizer], req.run.hyper(), starts, req.steps,
                                 **jobs._options(req))


JOBS = {
    "typed f(x, y) basins": ("basins", {"expr": "(x**2 - 1)**2 + (y - x)**2 + 0.2*sin(3*x)",
                                        "grid": {"n": 24}, "steps": 300,
                                        "run": {"optimizer": "adam", "lr": 0.05}}),
    "typed f(x, y) sweep": ("sweep", {"expr": "x**4 - 2*x**2 + y**2", "steps": 300,
                                      "run": {"optimizer": "momentum", "start": [1.7, 1]},
                                      "lrs": {"min": 1e-4, "max": 0.5, "count": 60}}),
    "curve sweep": ("sweep", {"model": {"kind": "f1d", "f": "two_wells"}, "steps": 300,
                              "run": {"optimizer": "gd", "start": [1.8]},
                              "lrs": {"min": 1e-3, "max": 2, "count": 80}}),
    "curve sweep, Adam": ("sweep", {"model": {"kind": "f1d", "f": "quadratic"}, "steps": 300,
                                    "run": {"optimizer": "adam", "start": [1.5]},
                                    "lrs": {"min": 1e-3, "max": 1, "count": 40}}),
    "linreg2 basins": ("basins", {"model": {"kind": "linreg2", "n": 64}, "grid": {"n": 16},
                                  "steps": 200, "run": {"optimizer": "gd", "lr": 0.05}}),
    "logreg2 sweep": ("sweep", {"model": {"kind": "logreg2", "n": 64}, "steps": 200,
                                "run": {"optimizer": "adam"},
                                "lrs": {"min": 1e-3, "max": 3, "count": 40}}),
}


@pytest.mark.parametrize("name", JOBS)
def test_jobs_of_every_kind_in_blocks(name):
    """Typed f(x, y), a curve f(x) (one weight) and 2-weight models, as their jobs build
    them; those that can take blocks do, the same bits."""
    kind, request = JOBS[name]
    assert_same(lambda: _job_batch(kind, request))
