"""The scenario in a query string, human-readable and versioned (``v=1``).

    /?v=1&surface=rosenbrock&steps=500&seed=0&speed=30
      &r0=adam&r0.lr=0.01&r0.start=-1.5,2&r0.betas=0.9,0.999
      &r1=gd&r1.lr=0.001
    /?v=1&model=mlp&model.dataset=moons&model.hidden=16,16&r0=adam&r0.lr=0.01

Reading is forgiving: a bad or unknown parameter produces a warning naming it
and falls back to the default for that field only.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from pydantic import TypeAdapter, ValidationError

from .model_spec import KINDS, ModelSpec
from .models import MAX_RUNS, RunSpec, Scenario
from .objectives import with_suggestions
from .view import is_view_key

VERSION = "1"
_RUN_KEY = re.compile(r"^r(\d+)(?:\.(\w+))?$")
_LISTS = {"start", "betas"}
_TOP = ("surface", "expr", "domain", "steps", "seed", "speed")
_OBJECTIVE_KEYS = ("surface", "expr", "domain")
_MODEL_KEY = re.compile(r"^model\.(\w+)$")
_MODEL_LISTS = {"hidden"}
_MODEL = TypeAdapter(ModelSpec)
_FIELD_ORDER = {"dataset": 0, "n": 1, "test_fraction": 2, "classes": 3}


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
    if name in ("optimizer", "schedule", "init"):
        return raw
    if name in ("step_size", "T_max", "warmup_steps"):
        return int(raw)
    return float(raw)


def scenario_of_link(query: Mapping[str, str], presets: Mapping[str, Any]) -> tuple[Scenario, list[str]]:
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


def scenario_from_query(query: Mapping[str, str]) -> tuple[Scenario, list[str]]:
    """The scenario a query string describes, and a warning per ignored parameter. A run
    the link gives without a start or a learning rate (or a link with no runs at all)
    takes the objective's suggested ones (``with_suggestions``)."""
    scenario, warnings = _scenario_as_written(query)
    return with_suggestions(scenario), warnings


def _scenario_as_written(query: Mapping[str, str]) -> tuple[Scenario, list[str]]:
    warnings: list[str] = []
    default = Scenario()
    top: dict = {}
    runs: dict[int, dict] = {}
    model_fields: dict[str, str] = {}
    for key, raw in query.items():
        if key == "v":
            if raw != VERSION:
                warnings.append(f"v: unknown link version {raw!r}; reading it as v={VERSION}")
            continue
        if is_view_key(key):
            continue  # what the page shows, not the scenario (view.py)
        m = _RUN_KEY.match(key)
        if key == "model" or _MODEL_KEY.match(key):
            model_fields[key.removeprefix("model").removeprefix(".") or "kind"] = raw
        elif key in _TOP:
            # each objective key is checked on its own (a link naming two is settled below)
            candidate = {k: v for k, v in top.items() if k not in _OBJECTIVE_KEYS}
            try:
                value = parse_domain(raw) if key == "domain" else raw
                candidate[key] = value
                if key == "domain":
                    candidate["expr"] = top.get("expr", "x")
                Scenario.model_validate(candidate)
                top[key] = value
            except (ValueError, ValidationError) as e:
                shown = {"expr": "surface", "domain": "[[-3, 3], [-3, 3]]"}.get(key) \
                    or repr(getattr(default, key))
                warnings.append(f"{key}: {_message(e)}; using the default {shown}")
        elif m and int(m.group(1)) < MAX_RUNS:
            runs.setdefault(int(m.group(1)), {})[m.group(2) or "optimizer"] = raw
        elif m:
            warnings.append(f"{key}: at most {MAX_RUNS} runs (r0…r{MAX_RUNS - 1}); ignored")
        else:
            warnings.append(f"{key}: unknown parameter; ignored")
    if "domain" in top and "expr" not in top:
        del top["domain"]
        warnings.append("domain: only a custom expr takes a domain; ignored")
    if model_fields:
        model = _model_from_query(model_fields, warnings)
        if model is not None:
            top["model"] = model
            for other in ("surface", "expr"):
                if top.pop(other, None) is not None:
                    warnings.append(f"{other}: the link also names a model; showing the model")
            top.pop("domain", None)
    if "expr" in top and top.pop("surface", None) is not None:
        warnings.append("surface: the link also gives an expr; showing the expr")
    specs = []
    for i in sorted(runs):
        fields = runs[i]
        spec: dict = {"optimizer": fields.pop("optimizer", "gd")}
        try:
            RunSpec.model_validate(spec)
        except ValidationError as e:
            warnings.append(f"r{i}: {_first_error(e)}; using gd")
            spec = {"optimizer": "gd"}
        for name, raw in fields.items():
            try:
                candidate = {**spec, name: _parse_value(name, raw)}
                RunSpec.model_validate(candidate)
                spec = candidate
            except (ValueError, ValidationError) as e:
                msg = _first_error(e) if isinstance(e, ValidationError) else str(e)
                warnings.append(f"r{i}.{name}: {msg}; using the default")
        specs.append(spec)
    if specs:
        top["runs"] = specs
    try:
        return Scenario.model_validate(top), warnings
    except ValidationError as e:  # e.g. a network start of the wrong length, or init on a surface
        warnings.append(f"{_first_error(e)}; using each run's default start and init")
        for spec in specs:
            spec.pop("start", None)
            spec.pop("init", None)
        return Scenario.model_validate(top), warnings


def _model_from_query(fields: dict[str, str], warnings: list[str]) -> dict | None:
    """The ``model`` a link's ``model=…&model.field=…`` describe, each bad field dropped
    with a warning (None, with a warning, when the kind itself is unknown)."""
    kind = fields.pop("kind", None)
    if kind not in KINDS:
        warnings.append(f"model: unknown kind {kind!r}; choose one of {', '.join(KINDS)} — "
                        "showing the default surface")
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
            msg = _first_error(e) if isinstance(e, ValidationError) else str(e)
            warnings.append(f"model.{name}: {msg}; using the default")
    return spec


def _int_list(raw: str) -> list[int]:
    """``16,16`` → [16, 16]."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"give whole numbers separated by commas, e.g. 16,16 (got {raw[:40]!r})")
    return [int(p) for p in parts]


def _fmt(v: float) -> str:
    return repr(float(v)).removesuffix(".0") if float(v).is_integer() else repr(float(v))


def scenario_to_query(s: Scenario) -> dict[str, str]:
    """The query parameters that ``scenario_from_query`` reads back as ``s``."""
    q = {"v": VERSION}
    if s.model is not None:
        q["model"] = s.model.kind
        for name, value in s.model.model_dump(exclude={"kind"}, exclude_none=True).items():
            q[f"model.{name}"] = _fmt_any(value)
    elif s.expr is not None:
        q["expr"] = s.expr
        if s.domain is not None:
            q["domain"] = ",".join(_fmt(v) for axis in s.domain for v in axis)
    else:
        q["surface"] = s.surface
    q.update(steps=str(s.steps), seed=str(s.seed), speed=_fmt(s.speed))
    for i, r in enumerate(s.runs):
        q[f"r{i}"] = r.optimizer
        for name, value in r.model_dump(exclude={"optimizer"}, exclude_none=True).items():
            q[f"r{i}.{name}"] = _fmt_any(value)
    return q


def _fmt_any(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_fmt_any(v) for v in value)
    if isinstance(value, int):
        return str(value)
    return _fmt(value)
