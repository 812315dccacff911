"""A fixed corpus of *large* batches — basin maps, learning-rate sweeps, many starts —
whose statuses, end steps and every frame are fingerprinted, to prove that a change to
how ``Batch`` judges its runs (which rules it evaluates for which rows, and when) leaves
every verdict and every number bit for bit as it was.

``chain_corpus.py`` covers every optimizer × schedule × option on three-run batches of
40 steps; it never reaches the window tests (oscillation, crawl) with many runs. Here
each scenario runs hundreds of steps on hundreds to thousands of runs, so that in one
batch some runs oscillate, converge, stall, crawl, diverge or run out of steps while
the rest go on (the batch steps a subset), with and without gradient noise.

The fingerprint of a scenario: how many runs ended with each status, and one SHA-256
(first 16 hex digits) over every run's status, stall and end step and over the raw
float64 bytes of params, loss and ∇L after every step (ended runs are frozen, so their
rows repeat), and of the next update of every run at the end.

``tests/engine/fixtures/batch_main.json`` holds them as main's code computed them.
Regenerate it from a checkout of main (not from your branch), only when main's numbers
change on purpose::

    git archive main | tar -x -C /tmp/gdviz-main
    PYTHONPATH=/tmp/gdviz-main python tests/engine/batch_corpus.py \\
        > tests/engine/fixtures/batch_main.json

Its ``_machine`` entry is ``chain_corpus.machine()``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from chain_corpus import assert_matches_fixture, machine  # noqa: E402,F401

from gdviz.engine.landscape import basin_batch, grid_starts, sweep_batch  # noqa: E402
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays  # noqa: E402
from gdviz.engine.runs import Batch, Stall, Status  # noqa: E402
from gdviz.engine.schedules import Schedule  # noqa: E402
from gdviz.engine.surfaces import SURFACES  # noqa: E402

LRS = np.geomspace(1e-6, 20.0, 48)  # crawl … converge … oscillate … diverge
SWEEP_STARTS = {"bowl": (1.5, -1.0), "ravine": (-1.5, 1.0), "saddle": (1.5, 0.0),
                "plateau": (2.5, 2.0), "two_wells": (2.0, 1.0), "rosenbrock": (-1.5, 2.0),
                "himmelblau": (-0.5, 0.0), "rastrigin": (2.2, -1.3), "ackley": (0.4, 0.3),
                "six_hump_camel": (1.0, 0.5)}


def _optimizer_hyper(optimizer: str, **changes) -> dict:
    return {**defaults(optimizer), **changes}


def sweep(surface: str, optimizer: str, steps: int, **options) -> Batch:
    return sweep_batch(SURFACES[surface], OPTIMIZERS[optimizer], _optimizer_hyper(optimizer),
                       SWEEP_STARTS[surface], LRS, steps, **options)


def basins(surface: str, optimizer: str, lr: float, n: int, steps: int, **options) -> Batch:
    s = SURFACES[surface]
    _, _, starts = grid_starts(n, s.domain)
    return basin_batch(s, OPTIMIZERS[optimizer], _optimizer_hyper(optimizer, lr=lr), starts,
                       steps, **options)


def many_starts(surface: str, optimizer: str, lr: float, n: int, steps: int) -> Batch:
    """``bench/engine_vectorised.py``'s case, smaller: uniform starts over the domain."""
    (x0, x1), (y0, y1) = SURFACES[surface].domain
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    hyper = hyper_arrays([_optimizer_hyper(optimizer, lr=lr)] * n)
    return Batch(SURFACES[surface], OPTIMIZERS[optimizer], hyper, starts, steps)


def scenarios():
    """(name, make_batch) for the whole corpus, in a fixed order."""
    yield "many/rosenbrock/adam", lambda: many_starts("rosenbrock", "adam", 0.01, 2048, 200)
    yield "many/himmelblau/adam", lambda: many_starts("himmelblau", "adam", 0.3, 1024, 300)
    yield "basins/himmelblau/momentum", lambda: basins("himmelblau", "momentum", 0.01, 40, 500)
    yield "basins/six_hump_camel/gd", lambda: basins("six_hump_camel", "gd", 0.05, 32, 400)
    yield "basins/rastrigin/nesterov", lambda: basins("rastrigin", "nesterov", 0.002, 32, 300)
    for surface in SWEEP_STARTS:
        for optimizer in ("gd", "momentum", "adam"):
            yield (f"sweep/{surface}/{optimizer}",
                   lambda s=surface, o=optimizer: sweep(s, o, 300))
    for surface, optimizer in (("bowl", "gd"), ("himmelblau", "momentum"), ("ravine", "adam")):
        yield (f"sweep/{surface}/{optimizer}/noise",
               lambda s=surface, o=optimizer: sweep(s, o, 300, noise=0.3, seed=7))
    yield ("sweep/ravine/momentum/step-schedule",
           lambda: sweep("ravine", "momentum", 300,
                         schedule=Schedule("step", step_size=60, gamma=0.5)))
    yield ("sweep/rosenbrock/rmsprop/clip",
           lambda: sweep("rosenbrock", "rmsprop", 300, clip_norm=1.0))


def fingerprint(batch: Batch) -> str:
    """``status:count …`` then one hash of every verdict and every frame (see above)."""
    h = hashlib.sha256()

    def frame() -> None:
        for a in (batch.params, batch.loss, batch.grad):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())

    frame()
    while not batch.done:
        batch.advance()
        frame()
    h.update(np.ascontiguousarray(batch.propose(), dtype=np.float64).tobytes())
    for a in (batch.status, batch.stall, batch.end_step):
        h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
    counts = Counter(Status(int(s)).label for s in batch.status)
    stalls = Counter(Stall(int(s)).label for s in batch.stall if s)
    words = [f"{k}:{counts[k]}" for k in sorted(counts)]
    words += [f"stall.{k}:{stalls[k]}" for k in sorted(stalls)]
    return " ".join(words + [h.hexdigest()[:16]])


def compute(names=None) -> dict[str, str]:
    with np.errstate(all="ignore"):
        out = {name: fingerprint(make()) for name, make in scenarios()
               if names is None or name in names}
    out["_machine"] = machine()
    return out


if __name__ == "__main__":
    json.dump(compute(sys.argv[1:] or None), sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")
