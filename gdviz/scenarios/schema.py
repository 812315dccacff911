"""The link schema: what the page needs to know to read and write links and to check its
forms, published once (``GET /api/schema``, and on every page beside the scenario and the view:
``<main id="app" data-schema="{json}">``).

One source of truth: Python owns the link format and the limits; the page reads them here
and hand-copies none (docs/url.md). It holds

* ``scenario``: the objective keys (the one that wins first when a link names several),
  ``steps``/``seed``/``speed`` with their bounds, the run keys (``r0``…, each run's fields
  in the order links write them), how booleans are spelled and the default scenario;
* ``view``: every view key in link order with its field, default and bounds, and the
  defaults of ``controls``/``show`` by route;
* ``limits``: the bounds the page checks before it asks (runs, learning rate, speed, the
  landscape tools' work, grids);
* ``kinds``: every objective kind's registry entry as the page may know it (capabilities,
  views, readouts, options; a model kind's fields as ``GET /api/models`` gives them).
"""

from __future__ import annotations

from functools import lru_cache
from typing import get_args
from urllib.parse import quote

from dataclasses import fields as dataclass_fields

from gdviz.engine.expr.limits import MAX_EXPR_CHARS
from gdviz.engine.expr.surface import DEFAULT_DOMAIN
from gdviz.engine.optimizers import LR_MAX, LR_MIN
from gdviz.engine.schedules import Schedule

from .jsonsafe import dumps
from .kinds import KINDS, NAMED_BY, catalog
from .kinds.spec import choices, field_info
from .landscape import (MAX_BASIN_GRID, MAX_BASIN_WORK, MAX_LANDSCAPE_STEPS, MAX_SCATTER,
                        MAX_SWEEP_POINTS)
from .models import BRANCH_INHERITS, MAX_RUNS, RunSpec, Scenario
from .url import TOP_KEYS, VERSION
from .view import MAX_PANELS, ROUTE_DEFAULTS, VIEW_KEYS, View

CONTOUR_GRID = 120
"""Points per axis of the contour grid the page (and the offline export) draws."""
CONTOUR_DIGITS = 9
"""Significant digits the page asks its contour grid in: an error below 10⁻⁸ of each value,
far finer than a contour line or its 3-digit hover shows, in a reply 40 % smaller (a
class's Wi-Fi) than 17 digits."""


def contour_grid_path(surface_id: str) -> str:
    """The URL the page fetches a named surface's contour grid from (the page's HTML
    preloads it, static/js/api.js asks for it: both must be this one URL)."""
    return (f"/api/surfaces/{quote(surface_id, safe='')}/grid"
            f"?n={CONTOUR_GRID}&digits={CONTOUR_DIGITS}")
LANDSCAPE_RUN_FIELDS = tuple(f for f in RunSpec.model_fields if f != "init")
"""A run's fields a landscape request takes (``init`` is a network's; the tools take planes)."""


def _bounds(info: dict) -> dict:
    return {k: info[k] for k in ("min", "max", "choices", "max_items") if k in info}


def _run_bounds() -> dict:
    """Each run field's bounds (``min`` — or ``above``, exclusive — ``max``, ``int``) and,
    for a schedule's fields, the value the engine uses when the run leaves it out."""
    defaults = {f.name: f.default for f in dataclass_fields(Schedule) if f.name != "kind"}
    out = {}
    for name, field in RunSpec.model_fields.items():
        info = _bounds(field_info(field))
        for m in field.metadata:
            if getattr(m, "gt", None) is not None:
                info["above"] = m.gt
        if not {"min", "max", "above"} & set(info):
            continue
        if int in choices_of_types(field.annotation) and float not in choices_of_types(field.annotation):
            info["int"] = True
        if name in defaults:
            info["default"] = defaults[name]
        out[name] = info
    return out


def choices_of_types(annotation) -> set:
    """The plain types an annotation allows (through Optional)."""
    return {a for a in (get_args(annotation) or (annotation,)) if isinstance(a, type)}


def _view_key(key: str, name: str) -> dict:
    field = View.model_fields[name]
    info = field_info(field)
    allowed = choices(field.annotation)
    default = info["default"]
    if isinstance(default, bool):
        kind = "bool"
    elif isinstance(default, list) or name in ("hide", "show"):
        kind = "list"
    elif isinstance(default, float) or (allowed and all(isinstance(c, float) for c in allowed)):
        kind = "float"
    elif isinstance(default, int) or (allowed and all(isinstance(c, int) for c in allowed)):
        kind = "int"
    else:
        kind = "str"
    out = {"key": key, "field": name, "type": kind, "default": default, **_bounds(info)}
    if allowed:
        out["choices"] = allowed
    return out


@lru_cache(maxsize=1)
def link_schema() -> dict:
    """The schema (see the module docstring), as JSON-ready data."""
    models = {entry["kind"]: entry for entry in catalog()}
    return {
        "version": VERSION,
        "scenario": {
            "named_by": list(NAMED_BY), "model_key": "model", "companions": {"expr": "domain"},
            "default_domain": [list(axis) for axis in DEFAULT_DOMAIN],
            "top": [{"key": k, **_bounds(field_info(Scenario.model_fields[k])),
                     "default": Scenario.model_fields[k].default} for k in TOP_KEYS],
            "run": {"prefix": "r", "max": MAX_RUNS, "first": "optimizer",
                    "fields": [f for f in RunSpec.model_fields if f != "optimizer"],
                    "bounds": _run_bounds(), "branch_inherits": list(BRANCH_INHERITS)},
            "true": "true", "false": "false",
            "default": Scenario().model_dump(mode="json", exclude_none=True),
        },
        "view": {"keys": [_view_key(key, name) for key, name in VIEW_KEYS.items()],
                 "routes": ROUTE_DEFAULTS, "max_panels": MAX_PANELS,
                 "true": "1", "false": "0"},
        "limits": {
            "runs": MAX_RUNS, "lr": [LR_MIN, LR_MAX],
            "speed": [Scenario.model_fields["speed"].metadata[0].ge,
                      Scenario.model_fields["speed"].metadata[1].le],
            "contour_grid": CONTOUR_GRID, "contour_digits": CONTOUR_DIGITS, "expr_chars": MAX_EXPR_CHARS,
            "landscape": {"steps": MAX_LANDSCAPE_STEPS, "basin_work": MAX_BASIN_WORK,
                          "basin_grid": MAX_BASIN_GRID, "sweep_points": MAX_SWEEP_POINTS,
                          "scatter": MAX_SCATTER, "run_fields": list(LANDSCAPE_RUN_FIELDS)},
        },
        "kinds": [{**k.public(), **({"model": models[k.id]} if k.id in models else {})}
                  for k in KINDS.values()],
    }


@lru_cache(maxsize=1)
def link_schema_json() -> str:
    """The schema as strict JSON text."""
    return dumps(link_schema())

