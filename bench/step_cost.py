"""What a step costs, per objective: the figures behind gdviz/scenarios/cost.py.

For each objective, the CPU seconds (``time.process_time``: less sensitive to the rest
of the machine than wall time) of

* one step of one whole run, as ``POST /api/run`` computes it (the job pool's ``run``
  task: the engine, every frame's fields and its JSON), per run and step;
* one step of one row of a basin map (the ``landscape`` task), per row and step;

beside the estimate ``cost.py`` makes. The estimate should be at or above the
measured figure (a request is refused on the estimate); the ratio shows the margin.
One BLAS thread, as the server uses.

    OPENBLAS_NUM_THREADS=1 python bench/step_cost.py      # ~1 min
"""

from __future__ import annotations

import time

import _common  # noqa: F401  (puts the repository on sys.path)
from _common import table
from gdviz.jobs.tasks import TASKS
from gdviz.scenarios.cost import row_step_seconds, run_step_seconds
from gdviz.scenarios.landscape import BasinRequest
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of

NEST = ("atan2(1*x,atan2(y,atan2(7*x,atan2(atan2(4*x,atan2(atan2(y,atan2(atan2(y*x,atan2("
        "1*x,atan2(y,atan2(y*x,atan2(y,atan2(atan2(y*x,atan2(8*x,atan2(x,atan2(x,y)))),"
        "y*x)))))),y*x)),x)),7*x))))")
ADAM = {"optimizer": "adam", "lr": 1e-4}
# Adam at η 0.01 circles Rosenbrock's (1, 1) from about step 2,000 until it is called
# oscillating at 6,428: every step there is a candidate for "converged", so the verdicts'
# curvature tests (Newton, the linear map's horizon, the exact continuation) run each step
NEAR_MINIMUM = {"optimizer": "adam", "lr": 0.01, "start": [-1.5, 2.0]}
# plain GD at η 1e-6 on the bowl crawls: every step is short, so every step is a candidate
# for the verdict near a minimum, far from one (bench/load.py's streams run this)
CRAWL = {"optimizer": "gd", "lr": 1e-6, "start": [-1.5, 1.0]}
RUN_CASES = [  # (label, objective fields, steps[, the run: default ADAM])
    ("surface: Rosenbrock", {"surface": "rosenbrock"}, 2000),
    ("surface: bowl, GD η 1e-6 crawling", {"surface": "bowl"}, 3000, CRAWL),
    ("surface: Rosenbrock, Adam η 0.01 circling (1, 1)", {"surface": "rosenbrock"}, 10_000,
     NEAR_MINIMUM),
    ("f(x, y): x² + 3 sin y", {"expr": "x**2 + 3*sin(y)"}, 1000),
    ("f(x, y): a 190-character atan2 nest", {"expr": NEST}, 300),
    ("linreg2, 2,048 points", {"model": {"kind": "linreg2", "n": 2048}}, 500),
    ("logreg2, 2,048 points", {"model": {"kind": "logreg2", "n": 2048}}, 500),
    ("mlp 2-16-16-2, 400 points", {"model": {"kind": "mlp", "dataset": "moons", "n": 400}}, 60),
    ("mlp 2-16-16-3, 2,048 points",
     {"model": {"kind": "mlp", "dataset": "spiral", "n": 2048, "hidden": [16, 16]}}, 40),
    ("mlp 2-32×4-3, 2,048 points",
     {"model": {"kind": "mlp", "dataset": "spiral", "n": 2048, "hidden": [32] * 4}}, 12),
    ("complex_linreg (one complex weight)", {"model": {"kind": "complex_linreg"}}, 2000),
    ("cnn: 320 digits 8×8, 8 kernels", {"model": {"kind": "cnn"}}, 40),
    ("cnn: 1,797 digits 8×8, 16 kernels",
     {"model": {"kind": "cnn", "n": 1797, "kernels": [16]}}, 10),
    ("cnn: 84 shapes 16×16, 16+16 kernels, same",
     {"model": {"kind": "cnn", "dataset": "shapes", "size": 16, "n": 84,
                "kernels": [16, 16], "padding": "same"}}, 10),
]
ROW_CASES = [  # (label, objective fields, grid n, steps)
    ("surface: Himmelblau", {"surface": "himmelblau"}, 64, 200),
    ("f(x, y): a 190-character atan2 nest", {"expr": NEST}, 64, 50),
    ("linreg2, 100 points", {"model": {"kind": "linreg2", "n": 100}}, 64, 40),
    ("linreg2, 2,048 points", {"model": {"kind": "linreg2", "n": 2048}}, 64, 10),
]


def cpu(fn) -> float:
    fn()  # warm: first-use imports, caches, workspaces
    began = time.process_time()
    fn()
    return time.process_time() - began


def main() -> None:
    rows = []
    for label, fields, steps, *run in RUN_CASES:
        s = Scenario.model_validate({**fields, "runs": [run[0] if run else ADAM], "steps": steps})
        # (per step of the budget, as the estimate is used: this run ends at 6,428 of 10,000)
        measured = cpu(lambda: TASKS["run"](s, lambda f: None)) / (steps + 1)
        estimate = run_step_seconds(objective_of(s))
        rows.append(["whole run", label, f"{measured * 1e6:,.0f}", f"{estimate * 1e6:,.0f}",
                     f"{estimate / measured:.2f}"])
    for label, fields, n, steps in ROW_CASES:
        r = BasinRequest.model_validate({**fields, "run": ADAM, "grid": {"n": n},
                                         "steps": steps})
        measured = cpu(lambda: TASKS["landscape"](("basins", r), lambda f: None)) / (n * n * steps)
        estimate = row_step_seconds(r.objective())
        rows.append(["basin map row", label, f"{measured * 1e6:,.3f}", f"{estimate * 1e6:,.3f}",
                     f"{estimate / measured:.2f}"])
    table(["regime", "objective", "measured µs/step", "estimate µs/step", "estimate ÷ measured"],
          rows, title="CPU per step (Adam), one BLAS thread")


if __name__ == "__main__":
    main()
