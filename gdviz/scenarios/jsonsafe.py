"""Strict JSON: a non-finite number becomes null (the status says why), and the text never
carries NaN or Infinity (browsers reject them). ``dumps`` is the one serialiser of the
server's JSON (routes, sockets, worker processes): orjson, which writes any non-finite
float as null — what ``num``/``vec`` do on purpose — and NumPy scalars as numbers; ~17×
faster than the standard library's encoder on a stream's frames (bench/README.md), which
at 150 playing streams was the largest single cost of a worker. Whatever orjson cannot
write (an int beyond 64 bits) goes through the standard library instead, which refuses
NaN, so nothing it writes carries one either."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import orjson


_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_FALLBACK = json.JSONEncoder(allow_nan=False, separators=(",", ":"), ensure_ascii=False)


def dumps_bytes(content: Any) -> bytes:
    """Compact, strict JSON as UTF-8 bytes (see the module doc)."""
    try:
        return orjson.dumps(content, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return _FALLBACK.encode(content).encode()


def dumps(content: Any) -> str:
    """``dumps_bytes`` as text."""
    return dumps_bytes(content).decode()


def num(v) -> float | None:
    """A float for JSON: None where not finite."""
    v = float(v)
    return v if math.isfinite(v) else None


def vec(a) -> list[float | None] | None:
    """A vector for JSON: non-finite entries None; None if absent or all NaN."""
    if a is None:
        return None
    if type(a) is list and all(type(v) is float for v in a):  # (a float run's own numbers)
        values = a[:]
    else:
        values = np.asarray(a, dtype=float).tolist()
    if all(map(math.isfinite, values)):  # the common case, in C
        return values
    if all(v != v for v in values):
        return None
    return [v if math.isfinite(v) else None for v in values]


def nums(a) -> list[float | None]:
    """``num`` of each entry of a 1-d array, at once where all are finite."""
    a = np.asarray(a, dtype=float)
    if np.isfinite(a).all():
        return a.tolist()
    return [num(v) for v in a.tolist()]


def vecs(a) -> list[list[float | None] | None]:
    """``vec`` of each row of a 2-d array, at once where all are finite."""
    a = np.asarray(a, dtype=float)
    if np.isfinite(a).all():
        return a.tolist()
    return [vec(row) for row in a]


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
