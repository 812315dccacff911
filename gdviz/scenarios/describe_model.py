"""What the page needs to draw a model: its data, layout, formulas and (2 weights) its surface.

``describe(spec, grid_n)`` is ``POST /api/model``'s answer (docs/models.md);
``catalog()`` is ``GET /api/models``: every kind's fields with their defaults,
ranges and choices, read from the pydantic specs (one source of truth).
"""

from __future__ import annotations

import inspect
from typing import get_args

import numpy as np

from gdviz.engine.nets.datasets import DATASETS, MULTICLASS
from gdviz.engine.nets.linear import LinReg2, LogReg2
from gdviz.engine.nets.mlp import MAX_WIDTH
from gdviz.engine.surfaces import grid

from .jsonsafe import grid_json
from .model_spec import Linreg2Spec, Logreg2Spec, MlpSpec
from .objectives import build_model

SPECS = {"linreg2": Linreg2Spec, "logreg2": Logreg2Spec, "mlp": MlpSpec}
TITLES = {"linreg2": "Linear regression (2 weights)", "logreg2": "Logistic regression (2 weights)",
          "mlp": "Neural network (MLP)"}


def _points(a) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(a, float)]


def _box(d) -> list[list[float]]:
    return [list(d[0]), list(d[1])]


def describe(spec, grid_n: int = 120) -> dict:
    model = build_model(spec)
    if isinstance(model, (LinReg2, LogReg2)):
        return _two_weights(spec, model, grid_n)
    data = model.data
    layers = []
    for l, (n_in, n_out) in enumerate(zip(model.sizes[:-1], model.sizes[1:]), start=1):
        layers += [{"name": f"W{l}", "shape": [n_in, n_out]}, {"name": f"b{l}", "shape": [n_out]}]
    return {"kind": "mlp", "name": model.name, "formula": model.formula, "dim": model.dim,
            "layers": layers, "sizes": list(model.sizes), "activation": model.activation,
            "head": model.head, "n_classes": model.n_classes,
            "batch_size": model.batch_size, "batches_per_epoch": model.batches_per_epoch,
            "data": {"x_train": _points(data.x_train), "y_train": data.y_train.tolist(),
                     "x_test": _points(data.x_test), "y_test": data.y_test.tolist(),
                     "domain": _box(data.domain())}}


def _two_weights(spec, model, grid_n: int) -> dict:
    xs, ys, z = grid(model, grid_n)
    out = {"kind": spec.kind, "name": model.name, "formula": model.formula, "dim": 2,
           "model_formula": model.model_formula, "grad_formula": model.grad_formula,
           "about": model.data_formula,
           "domain": _box(model.domain), "minima": [list(m) for m in model.minima],
           "start": list(model.start), "lr": model.lr, "contour_scale": model.contour_scale,
           "grid": grid_json(xs, ys, z)}
    data = model.data
    if isinstance(model, LinReg2):
        out["true_w"] = None if data.true_w is None else list(data.true_w)
        out["data"] = {"x": _points(data.x), "y": [float(v) for v in data.y]}
    else:
        out["separable"] = bool(model.separable)
        out["data"] = {"x_train": _points(data.x_train), "y_train": data.y_train.tolist(),
                       "domain": _box(data.domain())}
    return out


def _field_info(field) -> dict:
    info: dict = {"default": field.get_default(call_default_factory=True)}
    choices = [a for a in get_args(field.annotation) if isinstance(a, str)]
    if choices:
        info["choices"] = choices
    for m in field.metadata:
        for bound in ("ge", "le", "max_length"):
            if getattr(m, bound, None) is not None:
                info[{"ge": "min", "le": "max", "max_length": "max_items"}[bound]] = getattr(m, bound)
    if field.description:
        info["doc"] = field.description
    return info


def _dataset_defaults(name: str) -> dict:
    """The generator's own noise (and number of classes) — what ``None`` means."""
    params = inspect.signature(DATASETS[name]).parameters
    out = {"noise": params["noise"].default}
    if name in MULTICLASS:
        out["classes"] = params["classes"].default
    return out


def catalog() -> list[dict]:
    """Every kind with its fields: default, min/max (or choices), doc."""
    out = []
    for kind, spec in SPECS.items():
        fields = {name: _field_info(f) for name, f in spec.model_fields.items() if name != "kind"}
        entry = {"kind": kind, "title": TITLES[kind], "fields": fields}
        if kind == "mlp":
            entry["datasets"] = {name: _dataset_defaults(name) for name in DATASETS}
            entry["width_max"] = MAX_WIDTH
        out.append(entry)
    return out
