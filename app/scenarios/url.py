"""The scenario in a query string, human-readable and versioned (``v=1``).

    /?v=1&surface=rosenbrock&steps=500&seed=0&speed=30
      &r0=adam&r0.lr=0.01&r0.start=-1.5,2&r0.betas=0.9,0.999
      &r1=gd&r1.lr=0.001

Reading is forgiving: a bad or unknown parameter produces a warning naming it
and falls back to the default for that field only.
"""

from __future__ import annotations

import re
from typing import Mapping

from pydantic import ValidationError

from .models import MAX_RUNS, RunSpec, Scenario

VERSION = "1"
_RUN_KEY = re.compile(r"^r(\d+)(?:\.(\w+))?$")
_PAIRS = {"start", "betas"}
_TOP = ("surface", "steps", "seed", "speed")


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    return err["msg"].removeprefix("Value error, ")


def _parse_value(name: str, raw: str):
    if name in _PAIRS:
        parts = raw.split(",")
        if len(parts) != 2:
            raise ValueError("expected two numbers separated by a comma")
        return [float(p) for p in parts]
    if name in ("optimizer", "schedule"):
        return raw
    if name in ("step_size", "T_max", "warmup_steps"):
        return int(raw)
    return float(raw)


def scenario_from_query(query: Mapping[str, str]) -> tuple[Scenario, list[str]]:
    """The scenario a query string describes, and a warning per ignored parameter."""
    warnings: list[str] = []
    default = Scenario()
    top: dict = {}
    runs: dict[int, dict] = {}
    for key, raw in query.items():
        if key == "v":
            if raw != VERSION:
                warnings.append(f"v: unknown link version {raw!r}; reading it as v={VERSION}")
            continue
        m = _RUN_KEY.match(key)
        if key in _TOP:
            candidate = {**top, key: raw}
            try:
                Scenario.model_validate(candidate)
                top[key] = raw
            except ValidationError as e:
                warnings.append(f"{key}: {_first_error(e)}; using the default "
                                f"{getattr(default, key)!r}")
        elif m and int(m.group(1)) < MAX_RUNS:
            runs.setdefault(int(m.group(1)), {})[m.group(2) or "optimizer"] = raw
        elif m:
            warnings.append(f"{key}: at most {MAX_RUNS} runs (r0…r{MAX_RUNS - 1}); ignored")
        else:
            warnings.append(f"{key}: unknown parameter; ignored")
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
    return Scenario.model_validate(top), warnings


def _fmt(v: float) -> str:
    return repr(float(v)).removesuffix(".0") if float(v).is_integer() else repr(float(v))


def scenario_to_query(s: Scenario) -> dict[str, str]:
    """The query parameters that ``scenario_from_query`` reads back as ``s``."""
    q = {"v": VERSION, "surface": s.surface, "steps": str(s.steps), "seed": str(s.seed),
         "speed": _fmt(s.speed)}
    for i, r in enumerate(s.runs):
        q[f"r{i}"] = r.optimizer
        for name, value in r.model_dump(exclude={"optimizer"}, exclude_none=True).items():
            if name in _PAIRS:
                q[f"r{i}.{name}"] = ",".join(_fmt(v) for v in value)
            else:
                q[f"r{i}.{name}"] = value if isinstance(value, str) else _fmt(value)
    return q
