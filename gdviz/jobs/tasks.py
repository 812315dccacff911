"""What a worker process can run (``TASKS``), by name.

Each task takes its payload (validated on the server, then pickled) and a
``progress(fraction)`` callable to call between chunks of work — which also raises
``Cancelled`` once the server has cancelled the job — and returns what the server sends
on: JSON text (serialised here, off the event loop: a whole run's frames can be tens of
MB), an export's file, or a built expression surface. A task raises ``Refused`` only for
what the server could not check cheaply before (a custom f(x, y) that derives too large).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Callable

from gdviz import export as ex
from gdviz.engine.expr import ExprError
from gdviz.engine.expr.surface import build_outcome, remember
from gdviz.engine.surfaces import SURFACES, grid
from gdviz.scenarios.jsonsafe import dumps, grid_json
from gdviz.scenarios.kinds import Source, describe
from gdviz.scenarios.landscape import JOBS
from gdviz.scenarios.objectives import build_model
from gdviz.scenarios.simulate import CannotBranch, results
from gdviz.scenarios.slice import compute_slice
from gdviz.scenarios.trace import trace_json

from .outcome import Refused

Progress = Callable[[float], None]


def _steps(total: int, progress: Progress) -> Callable[[int], None]:
    """A ``progress(n steps)`` counter (simulate's) reporting fractions of ``total``."""
    done = 0

    def step(n: int = 1) -> None:
        nonlocal done
        done += n
        progress(min(1.0, done / max(total, 1)))
    return step


def run(scenario, progress: Progress) -> bytes:
    """``POST /api/run``: every run of the scenario to its end — ``{"runs": simulate(…)}``
    as UTF-8, serialised run by run, so only one run's frames are Python objects at a
    time (and its text is held once, as bytes: a str with one "λ" takes 2 bytes a
    character). A branch whose parent ends before its step: 422."""
    step = _steps(len(scenario.runs) * scenario.steps, progress)
    parts = [b'{"runs":[']
    with _branch_refused():
        for i, result in enumerate(results(scenario, step)):
            if i:
                parts.append(b",")
            parts.append(dumps(result).encode())
    parts.append(b"]}")
    return b"".join(parts)


@contextmanager
def _branch_refused():
    """CannotBranch (a branch's parent ended before its step) is the request's fault: 422
    naming ``runs.N.branch_at``."""
    try:
        yield
    except CannotBranch as e:
        raise Refused(422, str(e)) from None


def landscape(payload: tuple[str, Any], progress: Progress) -> str:
    """A sweep, basin map or scatter (gdviz/scenarios/landscape.py): its result."""
    kind, request = payload
    for item in JOBS[kind][1](request):
        if isinstance(item, dict):
            return dumps(item)
        progress(item)
    raise RuntimeError(f"the {kind} job ended without a result")


def export(payload: tuple, progress: Progress) -> str:
    """``GET /export/{fmt}``: the scenario's runs as a csv, json or html file."""
    fmt, scenario, title, lesson, lesson_changed, view = payload
    with _branch_refused():
        runs = ex.simulate_with_progress(scenario, _steps(ex.total_steps(scenario), progress))
    return ex.render(fmt, scenario, runs, title=title, lesson=lesson,
                     lesson_changed=lesson_changed, theme=view.theme,
                     scale=view.scale, view=view)


def expr_info(payload: tuple, progress: Progress) -> str:
    """``POST /api/expr``: the custom f(x, y) described (its kind's ``describe``), with its
    n×n grid's ``x``, ``y``, ``z`` beside the other fields."""
    text, domain, n = payload
    try:
        d = describe(Source(expr=text, domain=domain), n)
    except ExprError as e:  # only if the server did not build it first
        raise Refused(422, f"expr: {e.message}") from None
    return dumps({**{k: v for k, v in d.items() if k != "grid"}, **d["grid"]})


def surface_grid(payload: tuple[str, int, int | None], progress: Progress) -> str:
    """``GET /api/surfaces/{id}/grid``: f on an n×n grid (to ``digits`` significant digits
    when given)."""
    surface_id, n, digits = payload
    return dumps(grid_json(*grid(SURFACES[surface_id], n), digits=digits))


def model_info(payload: tuple, progress: Progress) -> str:
    """``POST /api/model``: a model's data, layout and (2-weight models) loss surface."""
    spec, grid_n = payload
    return dumps(describe(Source(model=spec), grid_n))


def trace(request, progress: Progress) -> str:
    """``POST /api/trace``: one training point's forward and backward pass, and its step's
    mini-batch gradient (a pass over the data)."""
    return dumps(trace_json(request))


def loss_slice(payload: tuple, progress: Progress) -> str:
    """A stream's ``slice``: the network's loss on a plane through its weights."""
    spec, shuffle_seed, request, step, centre, path_steps, path_points = payload
    net = build_model(spec, shuffle_seed)
    try:
        return dumps(compute_slice(net, request, step, centre, path_steps, path_points))
    except ValueError as e:  # e.g. a PCA plane of a path that stays on a line
        return dumps({"type": "error", "message": f"plane: {e}; use the random plane or take "
                                                  "more steps"})


def expression(payload: tuple, progress: Progress):
    """An ExprSurface built — or the ExprError refusing it — for the server's cache (and
    this worker's: the request that named it comes next, e.g. POST /api/expr's grid)."""
    outcome = build_outcome(*payload)
    remember(*payload, outcome)
    return outcome


def worker_pid(payload, progress: Progress) -> int:
    """Which process runs the jobs (for tests and benchmarks: never the server's)."""
    return os.getpid()


TASKS: dict[str, Callable[[Any, Progress], Any]] = {
    "run": run, "landscape": landscape, "export": export, "expr_info": expr_info,
    "surface_grid": surface_grid, "model_info": model_info, "slice": loss_slice,
    "trace": trace, "expression": expression, "worker_pid": worker_pid,
}
