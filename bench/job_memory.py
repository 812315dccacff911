"""Each job's memory estimate against its real peak, at the largest sizes the API takes.

Runs each request in the job pool (gdviz/jobs/: a worker process, as the server does)
and reads the worker's peak RSS over the job (Linux: VmHWM, reset when the job starts)
minus its RSS when the job began; beside it, the estimate the pool admits the job
by (gdviz/jobs/memory.py) and the job's seconds in its worker. The estimate should be
at or above the peak.

    python bench/job_memory.py          # ~1–2 min
"""

from __future__ import annotations

import asyncio

import _common  # noqa: F401  (puts the repository on sys.path)
from _common import table
from gdviz.jobs import memory
from gdviz.jobs.outcome import WorkerLost
from gdviz.jobs.pool import MB, JobPool, LaneConfig
from gdviz.scenarios.landscape import BasinRequest, ScatterRequest, SweepRequest
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.trace import TraceRequest
from gdviz.scenarios.view import View

ADAM = {"optimizer": "adam", "lr": 0.01}
BIG_NET = {"kind": "mlp", "dataset": "spiral", "n": 2048, "hidden": [32, 32, 32, 32]}
RUNS = Scenario.model_validate({"surface": "rosenbrock", "runs": [ADAM] * 6, "steps": 10_000})
NET = Scenario.model_validate({"model": BIG_NET, "runs": [ADAM] * 6, "steps": 65})
BASINS = BasinRequest.model_validate({"surface": "himmelblau", "grid": {"n": 256},
                                      "steps": 2000, "run": {"optimizer": "gd", "lr": 0.01}})
MODEL_BASINS = BasinRequest.model_validate({"model": {"kind": "logreg2", "n": 2048},
                                            "grid": {"n": 128}, "steps": 20, "run": ADAM})
BIG_CNN = {"kind": "cnn", "dataset": "shapes", "size": 16, "n": 84, "kernels": [16, 16],
           "padding": "same"}
CNN = Scenario.model_validate({"model": BIG_CNN, "runs": [ADAM] * 6, "steps": 32})
CNN_DIGITS = Scenario.model_validate({"model": {"kind": "cnn", "n": 1797, "kernels": [16]},
                                      "runs": [ADAM] * 6, "steps": 40})
TRACE = TraceRequest.model_validate({"scenario": {"model": {"kind": "cnn", "n": 1797,
                                                            "kernels": [16]},
                                                  "runs": [ADAM]}, "sample": 3, "step": 9})
SWEEP = SweepRequest.model_validate({"surface": "rosenbrock", "steps": 5000,
                                     "run": {"optimizer": "adam", "start": [-1.5, 2]},
                                     "lrs": {"min": 1e-4, "max": 1, "count": 400}})
SCATTER = ScatterRequest.model_validate({"surface": "two_wells", "n": 64, "steps": 5000,
                                         "run": {"optimizer": "gd", "lr": 0.001}})

CASES = [  # (label, task, payload, estimate)
    ("POST /api/run: 6 × 10,000 Rosenbrock steps", "run", RUNS, memory.run(RUNS)),
    ("POST /api/run: 4 × 32 network, 65 steps (4 M numbers)", "run", NET, memory.run(NET)),
    ("POST /api/run: the largest CNN (84 shapes 16×16), 6 × 32 steps", "run", CNN,
     memory.run(CNN)),
    ("POST /api/run: CNN on 1,797 digits, 6 × 40 steps", "run", CNN_DIGITS,
     memory.run(CNN_DIGITS)),
    ("POST /api/trace: CNN on 1,797 digits", "trace", TRACE, memory.trace(TRACE.scenario)),
    ("export json: the largest CNN, 6 × 32 steps", "export",
     ("json", CNN, None, None, False, View()), memory.export(CNN, "json")),
    ("export html: 6 × 10,000 Rosenbrock steps", "export",
     ("html", RUNS, None, None, False, View()), memory.export(RUNS, "html")),
    ("basin map 256² × 2,000 (Himmelblau, GD)", "landscape", ("basins", BASINS),
     memory.landscape("basins", BASINS)),
    ("basin map 128² of logreg2 on 2,048 points", "landscape", ("basins", MODEL_BASINS),
     memory.landscape("basins", MODEL_BASINS)),
    ("sweep 400 lrs × 5,000 steps", "landscape", ("sweep", SWEEP),
     memory.landscape("sweep", SWEEP)),
    ("scatter 64 × 5,000 steps", "landscape", ("scatter", SCATTER),
     memory.landscape("scatter", SCATTER)),
    ("contour grid 400²", "surface_grid", ("rosenbrock", 400, None), memory.grid(400)),
]


async def measure() -> list[list]:
    pool = JobPool({"jobs": LaneConfig(1, 1, "computations", ("W", "Q"))}, 4096 * MB)
    rows = []
    try:
        await pool.run("jobs", "worker_pid", None, 1)  # the worker is up: its imports done
        for label, task, payload, estimate in CASES:
            job = pool.submit("jobs", task, payload, 1)
            try:
                await pool.wait(job)
            except WorkerLost as e:  # over GDVIZ_MAX_JOB_SECONDS on a loaded machine
                rows.append([label, "—", f"{estimate / MB:,.0f}", "—", str(e)[:40]])
                continue
            peak = job.stats["peak_rss"] - job.stats["rss_before"]
            rows.append([label, f"{peak / MB:,.0f}", f"{estimate / MB:,.0f}",
                         f"{estimate / peak:.2f}", f"{job.stats['seconds']:.1f}"])
    finally:
        await pool.close()
    return rows


def main() -> None:
    rows = asyncio.run(measure())
    table(["job", "peak RSS over the job (MB)", "estimate (MB)", "estimate ÷ peak", "seconds"],
          rows, title="the worker's peak RSS over each job, above what it held before, "
                      "against the pool's estimate")


if __name__ == "__main__":
    main()
