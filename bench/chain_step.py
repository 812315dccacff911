"""What making each update through a chain of transforms costs (gdviz/engine/transforms.py).

Times ``Batch.advance`` + ``propose`` per step for this source tree and, with
``--before DIR``, another checkout (e.g. ``git archive main | tar -x -C DIR``), side by
side in one run: each repeat runs every case in a fresh subprocess per tree, the trees
interleaved, so a busy machine slows both alike. Cases: one Rosenbrock run (what a
stream pays a step) with plain Adam and with a cosine schedule + clipping + noise; and
4,096 runs at once (a basin map's batch) with the same two. The last column:
how many runs were still going at the end (ended runs cost nothing).

Times are the child's CPU time (``time.process_time``), which other processes on a
busy machine disturb less than wall time. Medians of ``--repeats``; no assertions. Run: ``python bench/chain_step.py [--before DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import _common
from _common import median, table

CASES = {  # name: (runs, steps, Batch options)
    "R=1, Adam": (1, 2000, {}),
    "R=1, Adam + cosine + clip + noise": (1, 2000, {"schedule": "cosine", "clip_norm": 5.0,
                                                     "noise": 0.01}),
    "R=4096, Adam": (4096, 100, {}),
    "R=4096, Adam + cosine + clip + noise": (4096, 100, {"schedule": "cosine",
                                                          "clip_norm": 5.0, "noise": 0.01}),
}

CHILD = r"""
import json, sys, time
import numpy as np
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch
from gdviz.engine.schedules import Schedule
from gdviz.engine.surfaces import SURFACES
runs, steps, options = json.loads(sys.argv[1])
if options.get("schedule"):
    options["schedule"] = Schedule(options["schedule"], T_max=steps)
h = defaults("adam"); h["lr"] = 0.01
starts = np.random.default_rng(0).uniform(-2, 2, (runs, 2)) if runs > 1 else [[-1.5, 2.0]]
b = Batch(SURFACES["rosenbrock"], OPTIMIZERS["adam"], hyper_arrays([h] * runs),
          np.array(starts), steps + 10, **options)
t = time.process_time()
for _ in range(steps):
    b.propose()
    b.advance()
print(json.dumps([(time.process_time() - t) / steps, int(b.active.sum())]))
"""


def seconds_per_step(root: str, case) -> float:
    env = {**os.environ, "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(case)], env=env, cwd=root,
                         capture_output=True, text=True, check=True)
    seconds, active = json.loads(out.stdout)
    return seconds, active


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", metavar="DIR", help="another source tree to time beside this one")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    trees = ([("before", os.path.abspath(args.before))] if args.before else []) + [
        ("this tree", _common.ROOT)]
    times = {(t, c): [] for t, _ in trees for c in CASES}
    active = {}
    for _ in range(args.repeats):
        for case, spec in CASES.items():
            for name, root in trees:
                seconds, active[name, case] = seconds_per_step(root, spec)
                times[name, case].append(seconds)
    rows = [[case] + [median(times[name, case]) * 1e6 for name, _ in trees]
            + [" / ".join(str(active[name, case]) for name, _ in trees)] for case in CASES]
    table(["case"] + [f"{name} µs/step" for name, _ in trees] + ["runs still going"], rows,
          f"Batch.propose + advance, CPU µs per step, medians of {args.repeats}")


if __name__ == "__main__":
    main()
