"""How much memory a job will take at its peak, estimated from its request before it runs.

The pool admits a job only when its estimate fits beside the running jobs' in the
server's budget (``GDVIZ_JOB_MEMORY_MB``). Each estimate is an upper bound fitted to the
peaks measured by ``bench/job_memory.py`` (the worker's peak RSS over the job) with a
margin, and tests check it against tracemalloc's peak for the largest requests:

* a whole run (``POST /api/run``): its JSON twice (the runs' texts, then the answer
  they are joined into), one run's frames as Python objects at a time (the task
  serialises run by run), and a network's workspaces; an export holds every run's
  frames at once, and its file;
* a sweep, basin map or scatter: the batch's state, history and labels per run
  (``LANDSCAPE_BYTES_PER_ROW``), the steps a batch takes in a block at once
  (``engine.blocks.MOST_BYTES``), a 2-weight model's chunks of (rows × data points)
  temporaries (gdviz/engine/nets/linear.py bounds them), and a scatter's recorded paths;
* a slice: the network's activations for one chunk of grid points; a trace: the
  model's buffers for one pass over its data;
* the small jobs a page needs: a fixed allowance plus their grid.
"""

from __future__ import annotations

from gdviz.engine import blocks
from gdviz.engine.nets.network import Network
from gdviz.scenarios.kinds import KINDS
from gdviz.scenarios.objectives import dimension, objective_of

MB = 1 << 20
BASE = 10 * MB  # what any job allocates besides its data, with first-use imports (~1 MB)
JSON_BYTES_PER_NUMBER = 22  # a weight, gradient or update entry in a frame's JSON
JSON_BYTES_PER_FRAME = 80  # a frame's step, loss, lr and keys
OBJECT_BYTES_PER_NUMBER = 200  # … as Python objects, with the trajectory and model fields
OBJECT_BYTES_PER_FRAME = 1300
NET_WORKSPACE_BYTES = 400  # a network's buffers: per data point × (units + classes)
HTML_EXPORT = 40 * MB  # the offline player: Plotly (4.8 MB) and the page, as text, twice
HTML_BYTES_PER_FRAME = 3000  # … and each frame's data for its panels, as objects and text
LANDSCAPE_BYTES_PER_ROW = 2600
MODEL_CHUNKS = 48 * MB  # a 2-weight model's temporaries: a few chunks of 8 MB at once
SCATTER_BYTES_PER_STEP = 40  # a recorded path point per run and step (x, y as floats)
EXPRESSION = 48 * MB  # building a custom f(x, y): its trees, programs and minima search
GRID_BYTES_PER_POINT = 200  # a contour point: f's value, a Python float, its JSON (~56 B measured)
EXPR_LIVE_ARRAYS = 64  # a custom f(x, y)'s intermediates alive at once over a grid, at most


def _sizes(scenario) -> tuple[int, int, int]:
    """(runs, frames of each run at most, numbers in each frame's vectors)."""
    return len(scenario.runs), scenario.steps + 1, dimension(scenario) * 3


def _json(runs: int, frames: int, numbers: int) -> int:
    return runs * frames * (numbers * JSON_BYTES_PER_NUMBER + JSON_BYTES_PER_FRAME)


def _objects(runs: int, frames: int, numbers: int) -> int:
    return runs * frames * (numbers * OBJECT_BYTES_PER_NUMBER + OBJECT_BYTES_PER_FRAME)


def _workspace(scenario) -> int:
    objective = objective_of(scenario)
    if not isinstance(objective, Network):
        return 0
    data = objective.data
    return (data.n_train + data.n_test) * objective.activations_per_sample * NET_WORKSPACE_BYTES


def run(scenario) -> int:
    """``POST /api/run``: the answer twice, one run's objects, the workspaces."""
    runs, frames, numbers = _sizes(scenario)
    return (BASE + 2 * _json(runs, frames, numbers) + _objects(1, frames, numbers)
            + _workspace(scenario))


def export(scenario, fmt: str) -> int:
    """An export: every run's objects at once, the file (JSON-sized, or the html page)."""
    runs, frames, numbers = _sizes(scenario)
    return (BASE + _objects(runs, frames, numbers) + 2 * _json(runs, frames, numbers)
            + _workspace(scenario)
            + (HTML_EXPORT + runs * frames * HTML_BYTES_PER_FRAME if fmt == "html" else 0))


def landscape(kind: str, request) -> int:
    """A sweep, basin map or scatter of ``request`` (gdviz/scenarios/landscape.py)."""
    if kind == "sweep":
        rows = len(request.lr_values())
    elif kind == "basins":
        rows = request.grid.n ** 2
    else:
        rows = request.n
    total = BASE + rows * LANDSCAPE_BYTES_PER_ROW + blocks.MOST_BYTES  # (steps in blocks)
    if request.model is not None:
        total += MODEL_CHUNKS
    if kind == "scatter":
        total += rows * (request.steps + 1) * SCATTER_BYTES_PER_STEP
    return total


def trace(scenario) -> int:
    """One point's trace: the model's buffers for a pass over its data (its step's
    mini-batch gradient and loss), and the layers' numbers for one point."""
    return BASE + _workspace(scenario)


def slice_(grid: int) -> int:
    """A loss-landscape slice: the network evaluated at grid² weight vectors, in chunks
    (gdviz/engine/nets/mlp.py bounds a chunk's activations) — plus the grid's JSON."""
    return BASE + 64 * MB + grid * grid * GRID_BYTES_PER_POINT


def grid(n: int) -> int:
    """A contour grid of n × n points (a named surface, or a built custom f(x, y))."""
    return BASE + n * n * GRID_BYTES_PER_POINT


def expression() -> int:
    return EXPRESSION


def expr_info(n: int) -> int:
    return EXPRESSION + grid(n) + n * n * 8 * EXPR_LIVE_ARRAYS


def model_info(spec, grid_n: int) -> int:
    """A model's description: its data, and a 2-weight model's loss over a grid."""
    # its data points (a kind without data — a 1D curve — has none); a typed f(x) is compiled
    total = BASE + getattr(spec, "n", 0) * 200 + (EXPRESSION if getattr(spec, "expr", None) else 0)
    if KINDS[spec.kind].capabilities.weights == "plane":
        total += grid(grid_n) + MODEL_CHUNKS
    return total
