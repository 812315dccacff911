"""Numbers for strict JSON: a non-finite value becomes null (the status says why).

``dumps`` is the one serialiser of the server's JSON (routes, sockets, worker
processes): ``allow_nan=False`` makes any non-finite slip fail loudly.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def dumps(content: Any) -> str:
    return json.dumps(content, allow_nan=False, separators=(",", ":"), ensure_ascii=False)


def num(v) -> float | None:
    """A float for JSON: None where not finite."""
    v = float(v)
    return v if math.isfinite(v) else None


def vec(a) -> list[float | None] | None:
    """A vector for JSON: non-finite entries None; None if absent or all NaN."""
    if a is None:
        return None
    values = np.asarray(a, dtype=float).tolist()
    if all(v != v for v in values):
        return None
    return [v if math.isfinite(v) else None for v in values]


def grid_json(xs, ys, z) -> dict:
    """A contour grid for JSON: ``{x, y, z}`` with ``z[i][j]`` = f(x[j], y[i]) and
    non-finite values null (drawn as gaps)."""
    return {"x": [num(v) for v in xs], "y": [num(v) for v in ys],
            "z": [[num(v) for v in row] for row in z]}
