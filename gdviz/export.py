"""A scenario's runs as files: JSON (``POST /api/run``'s body plus the scenario), CSV, and
a standalone offline HTML player (``gdviz.export_html``).

* JSON: ``{"scenario": …, "runs": [{status, stall, reason, frames, …}]}`` — ``runs`` is
  exactly what ``POST /api/run`` returns for the scenario; non-finite numbers are
  ``null``.
* CSV: one row per (run, step): ``run, optimizer, status, stall, reason, step, loss, lr``
  (the run's final status, where a stalled run stopped, and the reason sentence, repeated
  on each of its rows; docs/status.md), then the
  weights, gradient and update — ``x, y, gx, gy, ux, uy`` on a 2-weight objective,
  else ``p0…, g0…, u0…`` — then a model's frame fields when present (``grad_norm,
  rel_update, accuracy, test_loss, test_accuracy, grad_norms0…, epoch, …``; a list
  field is numbered). A null is an empty cell; numbers are written so that they
  read back as the same floats.

``simulate_with_progress`` is ``gdviz.scenarios.simulate.simulate`` with a progress
callback, for a progress bar; ``render(fmt, …)`` is the file's text in any format, for
``gdviz export`` and ``GET /export/{fmt}`` alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import IO


from gdviz.export_html import OFFLINE_VIEWS
from gdviz.scenarios.jsonsafe import dumps
from gdviz.scenarios.kinds import kind_of
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import dimension
from gdviz.scenarios.simulate import CannotBranch, TooLarge, check_result_size, result_size, simulate  # noqa: F401 (re-exported)

FORMATS = ("csv", "json", "html")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "html": "text/html; charset=utf-8"}
BASE_COLUMNS = ("run", "optimizer", "status", "stall", "reason", "step", "loss", "lr")
_FRAME_KEYS = {"step", "params", "loss", "grad", "update", "lr"}

Progress = Callable[[int], None]


PLAYER_VIEWS = ("contour", "boundary", *OFFLINE_VIEWS)
"""The main views the offline page draws (static/offline/player.js): its own, and the
plug-in views it links in (export_html.OFFLINE_VIEWS)."""


class CannotExport(ValueError):
    """The scenario cannot be written in this format; the message says which can."""


def check_format(scenario: Scenario, fmt: str) -> None:
    """Refuse an html export of a kind the offline page cannot draw (its own main view)."""
    kind = kind_of(scenario)
    if fmt == "html" and kind.page.main not in PLAYER_VIEWS:
        raise CannotExport(f"format: the offline page draws contours, decision boundaries and "
                           f"{', '.join(PLAYER_VIEWS[2:])} views; {kind.title} is drawn by "
                           f"its own view — export csv or json")


def check_size(scenario: Scenario) -> None:
    """Refuse what ``POST /api/run`` refuses (the same bound), naming the numbers."""
    check_result_size(scenario, "an export (the same as POST /api/run)")


def total_steps(scenario: Scenario) -> int:
    """The progress total: every run's step budget."""
    return len(scenario.runs) * scenario.steps


def simulate_with_progress(scenario: Scenario, progress: Progress | None = None) -> list[dict]:
    """Every run of the scenario to its end, exactly as ``POST /api/run`` gives them, with
    ``progress(n)`` called as steps are taken (``total_steps(scenario)`` in all)."""
    return simulate(scenario, progress)


def scenario_json(scenario: Scenario) -> dict:
    """The scenario as ``POST /api/run`` takes it (defaults left out)."""
    return scenario.model_dump(mode="json", exclude_none=True)


def to_json(scenario: Scenario, runs: list[dict]) -> str:
    """``{"scenario", "runs"}`` as strict JSON (no NaN or Infinity)."""
    return dumps({"scenario": scenario_json(scenario), "runs": runs})


def _vector_columns(dim: int) -> tuple[list[str], list[str], list[str]]:
    if dim == 2:
        return ["x", "y"], ["gx", "gy"], ["ux", "uy"]
    return [f"p{i}" for i in range(dim)], [f"g{i}" for i in range(dim)], \
        [f"u{i}" for i in range(dim)]


def _extra_fields(runs: list[dict]) -> dict[str, int | None]:
    """The model fields the frames carry beyond the API's six, in order of first
    appearance: name → list length (None for a single number)."""
    out: dict[str, int | None] = {}
    for run in runs:
        for frame in run["frames"]:
            for name, value in frame.items():
                if name in _FRAME_KEYS:
                    continue
                if isinstance(value, list):
                    out[name] = max(out.get(name) or 0, len(value))
                else:
                    out.setdefault(name, None)
    return out


def csv_columns(scenario: Scenario, runs: list[dict]) -> list[str]:
    """The CSV header for these runs of the scenario."""
    p, g, u = _vector_columns(dimension(scenario))
    extra = []
    for name, width in _extra_fields(runs).items():
        extra += [name] if width is None else [f"{name}{i}" for i in range(width)]
    return [*BASE_COLUMNS, *p, *g, *u, *extra]


def _cells(values: list | None, width: int) -> list:
    values = list(values or [])
    return values + [None] * (width - len(values))


def write_csv(scenario: Scenario, runs: list[dict], out: IO[str]) -> None:
    """One row per (run, step); a null (non-finite or absent) is an empty cell."""
    dim = dimension(scenario)
    extra = _extra_fields(runs)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_columns(scenario, runs))
    for r, (spec, run) in enumerate(zip(scenario.runs, runs)):
        for f in run["frames"]:
            row = [r, spec.optimizer, run["status"], run.get("stall"), run["reason"], f["step"],
                   f["loss"], f["lr"],
                   *_cells(f["params"], dim), *_cells(f["grad"], dim),
                   *_cells(f["update"], dim)]
            for name, width in extra.items():
                value = f.get(name)
                row += [value] if width is None else _cells(value, width)
            writer.writerow(row)


def filename(scenario: Scenario, fmt: str) -> str:
    """``gdviz-<surface id or model kind>.<fmt>`` (``gdviz-expr.csv`` for a typed f(x, y)):
    what a download is saved as."""
    kind = kind_of(scenario)
    name = scenario.surface if kind.named_by == "surface" else kind.id
    return f"gdviz-{name}.{fmt}"


def render(fmt: str, scenario: Scenario, runs: list[dict], *, title: str | None = None,
           lesson: str | None = None, lesson_changed: bool = False, theme: str = "light",
           scale: float = 1.0, view=None) -> str:
    """The whole file in ``fmt`` (csv, json or html); ``title``/``lesson`` head an html page
    (``lesson_changed``: the runs are not the lesson's own, and the page says so first),
    ``theme``/``scale`` (the link's) dress it and ``view`` (the link's View) opens its tab;
    the other formats ignore them."""
    if fmt == "json":
        return to_json(scenario, runs) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        write_csv(scenario, runs, out)
        return out.getvalue()
    if fmt == "html":
        from gdviz.export_html import to_html  # reads Plotly (4.8 MB) only when asked
        return to_html(scenario, runs, title=title, lesson=lesson,
                       lesson_changed=lesson_changed, theme=theme, scale=scale, view=view)
    raise ValueError(f"format: choose one of {', '.join(FORMATS)} (got {fmt!r})")
