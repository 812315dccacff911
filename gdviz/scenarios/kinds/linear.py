"""The two-weight models: ``linreg2`` (ŷ = w1·x1 + w2·x2, MSE) and ``logreg2``
(σ(w1·x1 + w2·x2), binary cross-entropy), each trained on seeded toy data. Their loss over
(w1, w2) is a plane like a surface's: contour, 3D, paths and the landscape tools — all but
basins and scattered starts, since a convex loss has one minimum (or none) and every start
ends in the same place. The data & fit view shows the data and the model at the weights."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from gdviz.engine.nets.linear import LinReg2, make_linreg2, make_logreg2
from gdviz.engine.surfaces import grid

from ..jsonsafe import grid_json
from .kind import Capabilities, ObjectiveKind, Page, Readout
from .spec import DataSeed, Points, Spec, box, build_cached, fmt3, norms_fields, points, where_finite


class Linreg2Spec(Spec):
    """ŷ = w1·x1 + w2·x2, MSE; y = 1·x1 − 2·x2 + N(0, noise²), x ~ U(0, 1)²."""

    kind: Literal["linreg2"] = "linreg2"
    n: Points = 100
    noise: float = Field(0.1, ge=0, le=10, allow_inf_nan=False,
                         description="std of the noise on the targets")
    seed: DataSeed = 0
    random_targets: bool = Field(False, description="y ~ U(0, 1), unrelated to x")


class Logreg2Spec(Spec):
    """σ(w1·x1 + w2·x2), binary cross-entropy; blobs around (−1, −½) and (1, ½)."""

    kind: Literal["logreg2"] = "logreg2"
    n: Points = 100
    noise: float = Field(1.0, ge=0.05, le=5, allow_inf_nan=False,
                         description="std of the two blobs")
    seed: DataSeed = 0


def _make(spec):
    if isinstance(spec, Linreg2Spec):
        return make_linreg2(n=spec.n, noise=spec.noise, seed=spec.seed,
                            random_targets=spec.random_targets)
    return make_logreg2(n=spec.n, noise=spec.noise, seed=spec.seed)


def _build(source):
    return build_cached(source.model, _make)


def _describe(source, grid_n: int) -> dict:
    """``POST /api/model`` for a two-weight model: its loss over (w1, w2) described like a
    surface (domain, minima, start, lr, grid), the formulas, and its data."""
    spec, model = source.model, _build(source)
    out = {"kind": spec.kind, "name": model.name, "formula": model.formula, "dim": 2,
           "model_formula": model.model_formula, "grad_formula": model.grad_formula,
           "about": model.data_formula,
           "domain": box(model.domain), "minima": [list(m) for m in model.minima],
           "start": list(model.start), "lr": model.lr, "contour_scale": model.contour_scale,
           "grid": grid_json(*grid(model, grid_n)),
           "summary": f"{spec.n} points, σ {fmt3(spec.noise)}"
                      + (" · random y" if getattr(spec, "random_targets", False) else ""),
           "detail": model.data_formula, "net": _net(model)}
    data = model.data
    if isinstance(model, LinReg2):
        out["true_w"] = None if data.true_w is None else list(data.true_w)
        out["data"] = {"x": points(data.x), "y": [float(v) for v in data.y]}
    else:
        out["separable"] = bool(model.separable)
        out["data"] = {"x_train": points(data.x_train), "y_train": data.y_train.tolist(),
                       "domain": box(data.domain())}
    return out


def _net(model) -> dict:
    """The model as the page's network views draw it: one layer x1, x2 → output, no bias,
    an MSE output (linreg2) or a sigmoid with BCE (logreg2)."""
    regression = isinstance(model, LinReg2)
    return {"sizes": [2, 1], "activation": "identity", "head": "mse" if regression else "sigmoid_bce",
            "bias": False, "regression": regression, "n_classes": 1 if regression else 2}


def _regression_fields(objective, steps, params, grads, updates) -> list[dict]:
    return norms_fields(params, grads, updates)


def accuracy(model, params: np.ndarray) -> np.ndarray:
    """Share of training points on the right side of w1·x1 + w2·x2 = 0, per row."""
    x, y = model.data.x_train, model.data.y_train
    pred = (params @ x.T) > 0
    return (pred == (y == 1)).mean(axis=1)


def _classifier_fields(objective, steps, params, grads, updates) -> list[dict]:
    """The norms, and ``accuracy`` on the training points (None where a run overflowed)."""
    acc = where_finite(params, lambda p: accuracy(objective, p))
    return [{**row, "accuracy": a} for row, a in zip(norms_fields(params, grads, updates), acc)]


TWO_WEIGHTS = dict(weights="plane", diagnosis=True, trace=True)
PAGE = dict(main="contour", tabs=("fit", "3d", "net", "backprop", "head", "step", "why",
                                  "stability", "sweep"),
            curves=("loss", "grad", "lr"), note="No basin map: one minimum.", tag="2 weights")
READOUTS = (Readout("L", "loss"), Readout("‖∇L‖", "grad_norm"),
            Readout("w1", "params.0"), Readout("w2", "params.1"))

LINREG2 = ObjectiveKind(
    id="linreg2", title="Linear regression (2 weights)", named_by="model", spec=Linreg2Spec,
    capabilities=Capabilities(**TWO_WEIGHTS, task="regression"),
    page=Page(**PAGE, readouts=READOUTS, options=(("noise", "noise σ on y"), ("n", "points"),
                                                  ("random_targets", "random targets"))),
    build=_build, describe=_describe, frame_fields=_regression_fields)

LOGREG2 = ObjectiveKind(
    id="logreg2", title="Logistic regression (2 weights)", named_by="model", spec=Logreg2Spec,
    capabilities=Capabilities(**TWO_WEIGHTS, task="classification"),
    page=Page(**PAGE, readouts=(*READOUTS, Readout("accuracy", "accuracy", "pct")),
              options=(("noise", "blob spread σ"), ("n", "points"))),
    build=_build, describe=_describe, frame_fields=_classifier_fields)
