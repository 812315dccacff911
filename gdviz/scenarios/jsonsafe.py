"""Strict JSON: a non-finite number becomes null (the status says why), and the text never
carries NaN or Infinity (browsers reject them): ``dumps`` serialises with
``allow_nan=False``, so any slip fails loudly. ``dumps`` is the one serialiser of the
server's JSON (routes, sockets, worker processes)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"), ensure_ascii=False)


def dumps(content: Any) -> str:
    """Compact, strict JSON text (UTF-8 left as is); one encoder, made once (what
    ``json.dumps`` with these options would build on every call)."""
    return _ENCODER.encode(content)


def num(v) -> float | None:
    """A float for JSON: None where not finite."""
    v = float(v)
    return v if math.isfinite(v) else None


def vec(a) -> list[float | None] | None:
    """A vector for JSON: non-finite entries None; None if absent or all NaN."""
    if a is None:
        return None
    values = np.asarray(a, dtype=float).tolist()
    if all(map(math.isfinite, values)):  # the common case, in C
        return values
    if all(v != v for v in values):
        return None
    return [v if math.isfinite(v) else None for v in values]


def rounded(v, digits: int) -> float | None:
    """``v`` to ``digits`` significant digits (its JSON is then at most that long); None
    where not finite."""
    v = float(v)
    return float(f"{v:.{digits}g}") if math.isfinite(v) else None


def grid_json(xs, ys, z, digits: int | None = None) -> dict:
    """A contour grid for JSON: ``{x, y, z}`` with ``z[i][j]`` = f(x[j], y[i]) and
    non-finite values null (drawn as gaps). ``digits``: each value rounded to that many
    significant digits (a reply about 40 % smaller at 9, gzip or not); None: exact."""
    one = num if digits is None else (lambda v: rounded(v, digits))
    return {"x": [one(v) for v in xs], "y": [one(v) for v in ys],
            "z": [[one(v) for v in row] for row in z]}
