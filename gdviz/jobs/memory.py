"""How much memory a job will take at its peak, estimated from its request before it runs.

The pool admits a job only when its estimate fits beside the running jobs' in the
server's budget (``GDVIZ_JOB_MEMORY_MB``). Each estimate is an upper bound fitted to the
peaks measured by ``bench/job_memory.py`` (the worker's peak RSS over the job) with a
margin, and tests check it against tracemalloc's peak for the largest requests:

* a whole run (``POST /api/run``, exports): every frame is a dict of Python floats and
  then JSON text — about ``RUN_BYTES_PER_NUMBER`` per number of params/grad/update and
  ``RUN_BYTES_PER_FRAME`` per frame besides;
* a sweep, basin map or scatter: the batch's state, history and labels per run
  (``LANDSCAPE_BYTES_PER_ROW``), a model's data per row when the objective is a 2-weight
  model (its loss is evaluated over every data point for every row at once), and a
  scatter's recorded paths;
* a slice: the MLP's activations for one chunk of grid points;
* the small jobs a page needs: a fixed allowance plus their grid.
"""

from __future__ import annotations

from gdviz.scenarios.objectives import dimension

MB = 1 << 20
BASE = 8 * MB  # what any job allocates besides its data (imports are the worker's own)
RUN_BYTES_PER_NUMBER = 100
RUN_BYTES_PER_FRAME = 1500
HTML_EXPORT = 40 * MB  # the offline player: Plotly (4.8 MB) and the page, as text, twice
LANDSCAPE_BYTES_PER_ROW = 2600
MODEL_BYTES_PER_ROW_POINT = 40  # a 2-weight model's residuals: rows × points × 8 B, ×5 temporaries
SCATTER_BYTES_PER_STEP = 40  # a recorded path point per run and step (x, y as floats)
EXPRESSION = 48 * MB  # building a custom f(x, y): its trees, programs and minima search
GRID_BYTES_PER_POINT = 2000  # a contour point: f's intermediates, a Python float, its JSON


def run(scenario) -> int:
    """``POST /api/run`` (and the JSON/CSV export): every frame of every run."""
    runs, frames = len(scenario.runs), scenario.steps + 1
    numbers = runs * frames * dimension(scenario) * 3
    return BASE + numbers * RUN_BYTES_PER_NUMBER + runs * frames * RUN_BYTES_PER_FRAME


def export(scenario, fmt: str) -> int:
    return run(scenario) + (HTML_EXPORT if fmt == "html" else 0)


def landscape(kind: str, request) -> int:
    """A sweep, basin map or scatter of ``request`` (gdviz/scenarios/landscape.py)."""
    if kind == "sweep":
        rows = len(request.lr_values())
    elif kind == "basins":
        rows = request.grid.n ** 2
    else:
        rows = request.n
    per_row = LANDSCAPE_BYTES_PER_ROW
    if request.model is not None:
        per_row += request.model.n * MODEL_BYTES_PER_ROW_POINT
    total = BASE + rows * per_row
    if kind == "scatter":
        total += rows * (request.steps + 1) * SCATTER_BYTES_PER_STEP
    return total


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
    return EXPRESSION + grid(n)


def model_info(spec, grid_n: int) -> int:
    """A model's description: its data, and a 2-weight model's loss over a grid."""
    total = BASE + spec.n * 200
    if spec.kind in ("linreg2", "logreg2"):
        total += grid(grid_n) + grid_n * grid_n * spec.n * MODEL_BYTES_PER_ROW_POINT
    return total
