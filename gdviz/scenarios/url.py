"""The scenario in a query string, human-readable and versioned (``v=1``).

    /?v=1&surface=rosenbrock&steps=500&seed=0&speed=30
      &r0=adam&r0.lr=0.01&r0.start=-1.5,2&r0.betas=0.9,0.999
      &r1=gd&r1.lr=0.001
    /?v=1&model=mlp&model.dataset=moons&model.hidden=16,16&r0=adam&r0.lr=0.01

Reading is forgiving: a bad or unknown parameter produces a warning naming it
(``LinkWarning``: key, problem, fallback) and falls back to the default for that field
only. The objective keys (``surface``, ``expr``, ``domain``, ``model``, ``model.*``) are
read by ``objective_from_query``, which ``GET /api/stability`` uses too. The page writes
links with the same keys, order and spelling from ``GET /api/schema`` (schema.py).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, get_origin

from pydantic import TypeAdapter, ValidationError

from gdviz.engine.surfaces import SURFACES

from .kinds import KINDS, MODEL_KINDS, ModelSpec, kind_of
from .link_warnings import LinkWarning
from .models import MAX_RUNS, RunSpec, Scenario
from .objectives import objective_of
from .view import is_view_key

VERSION = "1"
_RUN_KEY = re.compile(r"^r(\d+)(?:\.(\w+))?$")
_LISTS = {"start", "betas"}
TOP_KEYS = ("steps", "seed", "speed")
"""The scenario's own numbers, written after the objective and before the runs."""
_MODEL_KEY = re.compile(r"^model\.(\w+)$")
_MODEL_LISTS = {name for k in KINDS.values() if k.spec is not None
                for name, f in k.spec.model_fields.items() if get_origin(f.annotation) is list}
"""Model fields that are lists of whole numbers (``model.hidden=16,16``, ``model.kernels=4,8``)."""
_MODEL = TypeAdapter(ModelSpec)
# fields that others are checked against first (the data set, an image's geometry), so a
# link's order does not matter
_FIELD_ORDER = {"dataset": 0, "size": 1, "padding": 2, "n": 3, "test_fraction": 4, "classes": 5}
_DEFAULT_SHOWN = {"expr": "surface", "domain": "[[-3, 3], [-3, 3]]"}


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    return err["msg"].removeprefix("Value error, ").removeprefix("domain: ")


def _message(e: Exception) -> str:
    return _first_error(e) if isinstance(e, ValidationError) else str(e)


def parse_domain(raw: str) -> list[list[float]]:
    """``xmin,xmax,ymin,ymax`` → [[xmin, xmax], [ymin, ymax]]."""
    parts = [float(p) for p in raw.split(",")]
    if len(parts) != 4:
        raise ValueError(f"give four numbers xmin,xmax,ymin,ymax (got {len(parts)})")
    return [parts[:2], parts[2:]]


def _parse_value(name: str, raw: str):
    if name in _LISTS:
        return [float(p) for p in raw.split(",")]
    if name in ("optimizer", "schedule", "init", "grad_rule"):
        return raw
    if name in ("step_size", "T_max", "warmup_steps"):
        return int(raw)
    return float(raw)


def is_objective_key(key: str) -> bool:
    """``surface``, ``expr``, ``domain``, ``model`` or ``model.<field>``."""
    return key in ("surface", "expr", "domain", "model") or bool(_MODEL_KEY.match(key))


def scenario_of_link(query: Mapping[str, str], presets: Mapping[str, Any]) -> tuple[Scenario, list[LinkWarning]]:
    """The scenario a link describes (``scenario_from_query``) — except that a link that
    names a known preset and no scenario key at all (``/?preset=ravine-momentum``, perhaps
    with view keys such as ``theme=dark``) opens that preset's scenario, as ``/s/ID`` does:
    the lesson beside the plots must be about the runs in them. ``presets``: id → preset
    (anything with a ``scenario``; the CLI passes what it could load)."""
    own = [k for k in query if k != "v" and not is_view_key(k)]
    pid = query.get("preset")
    if own or pid not in presets:
        return scenario_from_query(query)
    _, warnings = scenario_from_query({k: v for k, v in query.items() if k == "v"})
    found = presets[pid].scenario
    return with_suggestions(found if isinstance(found, Scenario) else Scenario.model_validate(found)), warnings


def with_suggestions(scenario: Scenario) -> Scenario:
    """``scenario`` with each run's missing ``start`` and ``lr`` set to its objective's
    suggested ones — a plane kind's (a named surface's, a typed f(x, y)'s, a 2-weight
    model's) ``start`` and ``lr``: a stable, visible plain-GD rate (gdviz/engine/surfaces.py).
    A kind of many weights has neither (its runs start from their init; a run without
    ``lr`` keeps the optimizer's default). Every link is read through it, so
    ``/?surface=rosenbrock`` runs at Rosenbrock's η, not at another surface's."""
    if kind_of(scenario).capabilities.weights != "plane":
        return scenario
    objective = objective_of(scenario)
    start, lr = [float(v) for v in objective.start], float(objective.lr)
    # no runs given: the default run (plain GD), at this objective's η
    given = scenario.runs if "runs" in scenario.model_fields_set else [RunSpec()]
    runs = [run.model_copy(update={"start": start if run.start is None else run.start,
                                   "lr": lr if run.lr is None else run.lr})
            for run in given]
    return scenario.model_copy(update={"runs": runs})


def objective_from_query(query: Mapping[str, str]) -> tuple[dict, list[LinkWarning]]:
    """The objective a link names, as a Scenario's fields — ``{"surface": id}``,
    ``{"expr": text, "domain"?: box}``, ``{"model": spec}`` or ``{}`` (none) — and a warning
    per key it could not use. Other keys are left alone. Each objective key is checked on
    its own and falls back to its default; a link that names several objectives shows one
    (a model, else an expr) and says so."""
    warnings: list[LinkWarning] = []
    found: dict = {}
    model_fields: dict[str, str] = {}
    for key, raw in query.items():
        if key == "model" or _MODEL_KEY.match(key):
            model_fields[key.removeprefix("model").removeprefix(".") or "kind"] = raw
        elif key in ("surface", "expr", "domain"):
            try:
                value = parse_domain(raw) if key == "domain" else raw
                candidate = {key: value}
                if key == "domain":
                    candidate["expr"] = found.get("expr", "x")
                Scenario.model_validate(candidate)
                found[key] = value
            except (ValueError, ValidationError) as e:
                shown = _DEFAULT_SHOWN.get(key) or repr(Scenario().surface)
                warnings.append(LinkWarning(key, _message(e), f"using the default {shown}",
                                            unknown=key == "surface" and raw not in SURFACES))
    if "domain" in found and "expr" not in found:
        del found["domain"]
        warnings.append(LinkWarning("domain", "only a custom expr takes a domain", "ignored"))
    if model_fields:
        model = _model_from_query(model_fields, warnings)
        if model is not None:
            found["model"] = model
            for other in ("surface", "expr"):
                if found.pop(other, None) is not None:
                    warnings.append(LinkWarning(other, "the link also names a model",
                                                "showing the model"))
            found.pop("domain", None)
    if "expr" in found and found.pop("surface", None) is not None:
        warnings.append(LinkWarning("surface", "the link also gives an expr", "showing the expr"))
    return found, warnings


def scenario_from_query(query: Mapping[str, str]) -> tuple[Scenario, list[LinkWarning]]:
    """The scenario a query string describes, and a warning per ignored parameter. A run
    the link gives without a start or a learning rate (or a link with no runs at all)
    takes the objective's suggested ones (``with_suggestions``)."""
    scenario, warnings = _scenario_as_written(query)
    return with_suggestions(scenario), warnings


def _scenario_as_written(query: Mapping[str, str]) -> tuple[Scenario, list[LinkWarning]]:
    top, warnings = objective_from_query(query)
    default = Scenario()
    runs: dict[int, dict] = {}
    for key, raw in query.items():
        if key == "v":
            if raw != VERSION:
                warnings.append(LinkWarning("v", f"unknown link version {raw!r}",
                                            f"reading it as v={VERSION}"))
            continue
        if is_view_key(key) or is_objective_key(key):
            continue  # what the page shows (view.py), or read above
        m = _RUN_KEY.match(key)
        if key in TOP_KEYS:
            try:
                Scenario.model_validate({key: raw})
                top[key] = raw
            except ValidationError as e:
                warnings.append(LinkWarning(key, _message(e),
                                            f"using the default {getattr(default, key)!r}"))
        elif m and int(m.group(1)) < MAX_RUNS:
            runs.setdefault(int(m.group(1)), {})[m.group(2) or "optimizer"] = raw
        elif m:
            warnings.append(LinkWarning(key, f"at most {MAX_RUNS} runs (r0…r{MAX_RUNS - 1})",
                                        "ignored"))
        else:
            warnings.append(LinkWarning(key, "unknown parameter", "ignored"))
    specs = []
    for i in sorted(runs):
        fields = runs[i]
        spec: dict = {"optimizer": fields.pop("optimizer", "gd")}
        try:
            RunSpec.model_validate(spec)
        except ValidationError as e:
            warnings.append(LinkWarning(f"r{i}", _first_error(e), "using gd", unknown=True))
            spec = {"optimizer": "gd"}
        for name, raw in fields.items():
            try:
                candidate = {**spec, name: _parse_value(name, raw)}
                RunSpec.model_validate(candidate)
                spec = candidate
            except (ValueError, ValidationError) as e:
                warnings.append(LinkWarning(f"r{i}.{name}", _message(e), "using the default"))
        specs.append(spec)
    if specs:
        top["runs"] = specs
    try:
        return Scenario.model_validate(top), warnings
    except ValidationError as e:  # e.g. a network start of the wrong length, or init on a surface
        key, problem = _blamed(e)
        warnings.append(LinkWarning(key, problem, "using each run's default start, init "
                                                  "and gradient rule"))
        for spec in specs:
            for name in ("start", "init", "grad_rule"):
                spec.pop(name, None)
        return Scenario.model_validate(top), warnings


def _blamed(e: ValidationError) -> tuple[str, str]:
    """The field a cross-field check blames (``runs.0.start``) and what it says."""
    key, _, problem = _first_error(e).partition(": ")
    return (key, problem) if problem else ("runs", key)


def _model_from_query(fields: dict[str, str], warnings: list[LinkWarning]) -> dict | None:
    """The ``model`` a link's ``model=…&model.field=…`` describe, each bad field dropped
    with a warning (None, with a warning, when the kind itself is unknown)."""
    kind = fields.pop("kind", None)
    if kind not in MODEL_KINDS:
        warnings.append(LinkWarning(
            "model", f"unknown kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}",
            "showing the default surface", unknown=True))
        return None
    spec: dict = {"kind": kind}
    # fields that others depend on (classes, head and batch_size on the data set) first,
    # so a link's order does not matter
    for name, raw in sorted(fields.items(), key=lambda kv: _FIELD_ORDER.get(kv[0], 99)):
        try:
            value = _int_list(raw) if name in _MODEL_LISTS else raw
            candidate = {**spec, name: value}
            _MODEL.validate_python(candidate)
            spec = candidate
        except (ValueError, ValidationError) as e:
            warnings.append(LinkWarning(f"model.{name}", _message(e), "using the default"))
    return spec


def _int_list(raw: str) -> list[int]:
    """``16,16`` → [16, 16]."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"give whole numbers separated by commas, e.g. 16,16 (got {raw[:40]!r})")
    return [int(p) for p in parts]


def fmt_number(v: float) -> str:
    """A number as links spell it: Python's ``repr(float(v))``, ``.0`` dropped (``1e-05``,
    ``0.5``, ``3``) — the page spells them the same (static/js/link.js)."""
    return repr(float(v)).removesuffix(".0") if float(v).is_integer() else repr(float(v))


def fmt_value(value) -> str:
    """One scenario value as a link spells it: lists ``a,b``, booleans ``true``/``false``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(fmt_value(v) for v in value)
    if isinstance(value, int):
        return str(value)
    return fmt_number(value)


def scenario_to_query(s: Scenario) -> dict[str, str]:
    """The query parameters that ``scenario_from_query`` reads back as ``s``."""
    q = {"v": VERSION}
    if s.model is not None:
        q["model"] = s.model.kind
        for name, value in s.model.model_dump(exclude={"kind"}, exclude_none=True).items():
            q[f"model.{name}"] = fmt_value(value)
    elif s.expr is not None:
        q["expr"] = s.expr
        if s.domain is not None:
            q["domain"] = ",".join(fmt_number(v) for axis in s.domain for v in axis)
    else:
        q["surface"] = s.surface
    q.update(steps=str(s.steps), seed=str(s.seed), speed=fmt_number(s.speed))
    for i, r in enumerate(s.runs):
        q[f"r{i}"] = r.optimizer
        for name, value in r.model_dump(exclude={"optimizer"}, exclude_none=True).items():
            q[f"r{i}.{name}"] = fmt_value(value)
    return q
