"""Each job's memory estimate (gdviz/jobs/memory.py) is an upper bound: the peak that
tracemalloc sees while the task runs (NumPy's arrays included) stays under it. The
sizes are moderate so the test is quick; the estimates are linear in what they count,
and bench/job_memory.py compares them with real peaks at the largest sizes."""

from __future__ import annotations

import tracemalloc

import pytest

from gdviz.jobs import memory
from gdviz.jobs.tasks import TASKS
from gdviz.scenarios.landscape import BasinRequest, ScatterRequest, SweepRequest
from gdviz.scenarios.kinds import Linreg2Spec
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.view import View

RUN = Scenario.model_validate({"surface": "rosenbrock", "steps": 2000,
                               "runs": [{"optimizer": "adam", "lr": 1e-4}] * 6})
NET = Scenario.model_validate({"model": {"kind": "mlp", "dataset": "moons", "n": 640},
                               "steps": 100, "runs": [{"optimizer": "adam", "lr": 0.01}] * 6})
BASINS = BasinRequest.model_validate({"surface": "himmelblau", "grid": {"n": 64}, "steps": 200,
                                      "run": {"optimizer": "momentum", "lr": 0.001}})
MODEL_BASINS = BasinRequest.model_validate({"model": {"kind": "linreg2", "n": 2048},
                                            "grid": {"n": 64}, "steps": 5,
                                            "run": {"optimizer": "gd", "lr": 1e-4}})
SWEEP = SweepRequest.model_validate({"surface": "rosenbrock", "steps": 200,
                                     "run": {"optimizer": "adam", "start": [-1.5, 2]},
                                     "lrs": {"min": 1e-4, "max": 1, "count": 400}})
SCATTER = ScatterRequest.model_validate({"surface": "two_wells", "n": 64, "steps": 1000,
                                         "run": {"optimizer": "gd", "lr": 0.001}})
LINREG = Linreg2Spec(kind="linreg2", n=2048)

CASES = {
    "run": ("run", RUN, memory.run(RUN)),
    "network run": ("run", NET, memory.run(NET)),
    "export html": ("export", ("html", RUN, None, None, False, View()), memory.export(RUN, "html")),
    "basins": ("landscape", ("basins", BASINS), memory.landscape("basins", BASINS)),
    "model basins": ("landscape", ("basins", MODEL_BASINS),
                     memory.landscape("basins", MODEL_BASINS)),
    "sweep": ("landscape", ("sweep", SWEEP), memory.landscape("sweep", SWEEP)),
    "scatter": ("landscape", ("scatter", SCATTER), memory.landscape("scatter", SCATTER)),
    "expression": ("expression", ("sin(x)*cos(y) + x**2", ((-3.0, 3.0), (-3.0, 3.0))),
                   memory.expression()),
    "expression info": ("expr_info", ("sin(x*y) + y**2", None, 200), memory.expr_info(200)),
    "grid": ("surface_grid", ("rosenbrock", 400, None), memory.grid(400)),
    "model info": ("model_info", (LINREG, 200), memory.model_info(LINREG, 200)),
}


@pytest.mark.parametrize("name", CASES)
def test_the_estimate_is_above_the_peak(name):
    task, payload, estimate = CASES[name]
    tracemalloc.start()
    try:
        TASKS[task](payload, lambda fraction: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= estimate, f"{name}: peak {peak / memory.MB:.1f} MB > {estimate / memory.MB:.1f} MB"
