"""What model kinds share: the base of their specs, bounded field types, a cache of built
models, and the frame fields every model has (``grad_norm``, ``rel_update``).

Built models are cached by their canonical spec (a few hundred kB each at most), so the
stream, ``POST /api/run`` and the model description share one data set and one set of
workspaces instead of regenerating them per request.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Callable, Literal, get_args, get_origin

import numpy as np
from pydantic import ConfigDict, Field

from gdviz.engine.nets.datasets import MAX_POINTS

from ..jsonsafe import num
from ..numbers import Model

MIN_POINTS = 10
CACHED_MODELS = 32
Points = Annotated[int, Field(ge=MIN_POINTS, le=MAX_POINTS, description="number of data points")]
DataSeed = Annotated[int, Field(ge=0, le=2**32 - 1, description="seed of the data")]


class Spec(Model):
    """The base of a model kind's spec: frozen, unknown fields refused, and ``kind``
    (a ``Literal`` of the kind's id) first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def key(self) -> str:
        """A canonical string of the spec (what built models are cached by)."""
        return self.model_dump_json()


def build_cached(spec: Spec, make: Callable[[Spec], object], seed: int = 0):
    """``make(spec)`` (or ``make(spec, seed)`` when ``seed`` is given), built once per
    distinct spec and seed."""
    return _build(make, type(spec), spec.key(), int(seed))


@lru_cache(maxsize=CACHED_MODELS)
def _build(make, spec_type, key: str, seed: int):
    spec = spec_type.model_validate_json(key)
    return make(spec, seed) if seed else make(spec)


def points(a) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(a, float)]


def box(d) -> list[list[float]]:
    return [list(d[0]), list(d[1])]


def fmt3(x: float) -> str:
    """A number as the page writes it (static/js/format.js ``fmt``): 3 significant digits,
    scientific (1.5e-5) below 1e-3 or from 1e4."""
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        v = float(f"{x:.3g}")
        return str(int(v)) if v.is_integer() else repr(v)
    mant, exp = f"{x:.2e}".split("e")
    return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"


def _norms(a: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.sqrt(np.einsum("kp,kp->k", a, a))


def norms_fields(params: np.ndarray, grads: np.ndarray, updates: np.ndarray | None) -> list[dict]:
    """Every model frame's ``grad_norm`` = ‖grad‖ and ``rel_update`` = ‖update‖ / ‖params‖,
    for K frames (``updates`` has NaN rows where a frame has no update, or is None)."""
    grad_norm = _norms(grads)
    with np.errstate(all="ignore"):
        rel = (_norms(updates) / _norms(params) if updates is not None
               else np.full(len(params), np.nan))
    return [{"grad_norm": num(g), "rel_update": num(r)} for g, r in zip(grad_norm, rel)]


def where_finite(params: np.ndarray, f) -> list[float | None]:
    """f(params) on the rows whose weights are all finite, None on the others (an
    overflowed run has no accuracy)."""
    return [num(v) for v in finite_rows(params, f)]


def finite_rows(params: np.ndarray, f, width: int | None = None) -> np.ndarray:
    """f(params[finite rows]) in place, NaN elsewhere: (K,) or, with ``width``, (K, width)."""
    finite = np.isfinite(params).all(axis=1)
    out = np.full(len(params) if width is None else (len(params), width), np.nan)
    if finite.any():
        with np.errstate(all="ignore"):
            out[finite] = f(params[finite])
    return out


def choices(annotation) -> list:
    """The values a ``Literal`` allows, through ``Optional``/``Annotated`` (``[]``: any)."""
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return [c for a in get_args(annotation) for c in choices(a)]


def field_info(field) -> dict:
    """A pydantic field as the page is told it: ``default``, ``choices`` (strings),
    ``min``/``max``, ``max_items`` and ``doc`` where it has them."""
    info: dict = {"default": field.get_default(call_default_factory=True)}
    named = [c for c in choices(field.annotation) if isinstance(c, str)]
    if named:
        info["choices"] = named
    for m in field.metadata:
        for bound in ("ge", "le", "max_length"):
            if getattr(m, bound, None) is not None:
                info[{"ge": "min", "le": "max", "max_length": "max_items"}[bound]] = getattr(m, bound)
    if field.description:
        info["doc"] = field.description
    return info
