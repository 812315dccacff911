"""What the page needs to draw a model: its data, layout, formulas and (2 weights) its surface.

``describe(spec, grid_n)`` is ``POST /api/model``'s answer (docs/models.md);
``catalog()`` is ``GET /api/models``: every kind's fields with their defaults,
ranges and choices, read from the pydantic specs (one source of truth).
"""

from __future__ import annotations

import inspect
from typing import get_args

import numpy as np

from gdviz.engine.nets.cnn import CNN, MAX_BLOCKS, MAX_KERNELS
from gdviz.engine.nets.complex_linreg import RULE_FORMULAS, ComplexLinReg
from gdviz.engine.nets.datasets import DATASETS, MULTICLASS
from gdviz.engine.nets.images import DEFAULTS as IMAGE_DEFAULTS, SHAPES, digits_available
from gdviz.engine.nets.linear import LinReg2, LogReg2
from gdviz.engine.nets.mlp import MAX_WIDTH
from gdviz.engine.surfaces import grid

from .jsonsafe import grid_json
from .model_spec import CnnSpec, ComplexLinregSpec, Linreg2Spec, Logreg2Spec, MlpSpec
from .objectives import build_model

SPECS = {"linreg2": Linreg2Spec, "logreg2": Logreg2Spec, "mlp": MlpSpec, "cnn": CnnSpec,
         "complex_linreg": ComplexLinregSpec}
TITLES = {"linreg2": "Linear regression (2 weights)", "logreg2": "Logistic regression (2 weights)",
          "mlp": "Neural network (MLP)", "cnn": "Convolutional network (CNN) on images",
          "complex_linreg": "A complex weight (ŷ = w·x)"}
GALLERY = 48  # training images sent exactly, to pick one to look inside


def _points(a) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(a, float)]


def _box(d) -> list[list[float]]:
    return [list(d[0]), list(d[1])]


def describe(spec, grid_n: int = 120) -> dict:
    model = build_model(spec)
    if isinstance(model, (LinReg2, LogReg2, ComplexLinReg)):
        return _two_weights(spec, model, grid_n)
    if isinstance(model, CNN):
        return _cnn(model)
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
    if isinstance(model, ComplexLinReg):
        d = model.data
        wt = model.w_tilde
        out.update(rules=RULE_FORMULAS, h=d.h, c=[d.c.real, d.c.imag],
                   w_tilde=None if wt is None else [wt.real, wt.imag],
                   data={"x": [[float(v.real), float(v.imag)] for v in d.x],
                         "y": [[float(v.real), float(v.imag)] for v in d.y]})
    elif isinstance(model, LinReg2):
        out["true_w"] = None if data.true_w is None else list(data.true_w)
        out["data"] = {"x": _points(data.x), "y": [float(v) for v in data.y]}
    else:
        out["separable"] = bool(model.separable)
        out["data"] = {"x_train": _points(data.x_train), "y_train": data.y_train.tolist(),
                       "domain": _box(data.domain())}
    return out


def _display_levels(x: np.ndarray) -> list:
    """Images (N, H, W) as 0 … 255 grey levels over the set's own range — thumbnails for
    the page (the exact pixels of an image the page looks inside come from the engine)."""
    if not x.size:
        return []
    lo, hi = float(x.min()), float(x.max())
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    return np.rint((x - lo) * scale).astype(int).tolist()


def _cnn(net: CNN) -> dict:
    """A CNN: its layers, block geometry, class names; the first ``GALLERY`` training
    images exactly, and every test image as grey levels (thumbnails)."""
    d = net.data
    blocks = [{"c_in": b.c_in, "c_out": b.c_out, "side_in": b.side_in,
               "side_conv": b.side_conv, "side_pool": b.side_pool} for b in net.blocks]
    lo, hi = (float(min(d.x_train.min(), d.x_test.min() if d.n_test else np.inf)),
              float(max(d.x_train.max(), d.x_test.max() if d.n_test else -np.inf)))
    return {"kind": "cnn", "name": net.name, "formula": net.formula, "dim": net.dim,
            "layers": net.layers(), "blocks": blocks, "padding": net.padding,
            "activation": net.activation, "head": net.head, "n_classes": net.n_classes,
            "class_names": list(d.class_names), "image_size": d.size, "features": net.features,
            "batch_size": net.batch_size, "batches_per_epoch": net.batches_per_epoch,
            "data": {"dataset": d.name, "n_train": d.n_train, "n_test": d.n_test,
                     "y_train": d.y_train.tolist(), "y_test": d.y_test.tolist(),
                     "pixel_range": [lo, hi],
                     "gallery": [_points(img) for img in d.x_train[:GALLERY]],
                     "test_levels": _display_levels(d.x_test)}}


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
        elif kind == "cnn":
            entry["datasets"] = {
                name: {**defaults, "n_max": digits_available() if name == "digits" else None,
                       "class_names": ([str(k) for k in range(10)] if name == "digits"
                                       else list(SHAPES))}
                for name, defaults in IMAGE_DEFAULTS.items()}
            entry["kernels_max"], entry["blocks_max"] = MAX_KERNELS, MAX_BLOCKS
        out.append(entry)
    return out
