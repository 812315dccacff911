"""``mlp``: a multilayer perceptron — up to 4 hidden layers of up to 32 units — trained on
a 2D classification data set (moons, circles, xor, spiral, blobs). Hundreds of weights:
the page draws its decision boundary, train/test curves, per-layer gradient norms, the
diagnosis and a loss-landscape slice; runs draw their weights by an initialisation."""

from __future__ import annotations

import inspect
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from gdviz.engine.nets.datasets import (DATASETS, MAX_CLASSES, MAX_POINTS, MAX_TEST_FRACTION,
                                        MULTICLASS, make_dataset)
from gdviz.engine.nets.init import INITS
from gdviz.engine.nets.layers import ACTIVATIONS
from gdviz.engine.nets.mlp import HEADS, MAX_HIDDEN_LAYERS, MAX_WIDTH, MLP

from ..jsonsafe import num, vec
from .kind import NETWORK_READOUTS, Capabilities, ObjectiveKind, Page
from .spec import DataSeed, Points, Spec, box, build_cached, finite_rows, norms_fields, points

DATASET_IDS = tuple(DATASETS)
# the fewest weights a network has (2 → 1, a sigmoid head on no hidden layer) and the most
# (2 → 4 × 32 → MAX_CLASSES)
MIN_WEIGHTS = 2 * 1 + 1
MAX_WEIGHTS = (2 * MAX_WIDTH + MAX_WIDTH + (MAX_HIDDEN_LAYERS - 1) * (MAX_WIDTH + 1) * MAX_WIDTH
               + (MAX_WIDTH + 1) * MAX_CLASSES)
Width = Annotated[int, Field(ge=1, le=MAX_WIDTH)]


class MlpSpec(Spec):
    """A multilayer perceptron on a 2D classification data set."""

    kind: Literal["mlp"] = "mlp"
    dataset: Literal[DATASET_IDS] = Field("moons", description="one of " + ", ".join(DATASETS))
    n: Points = 400
    noise: float | None = Field(None, ge=0, le=2, allow_inf_nan=False,
                                description="data noise; default: the data set's own")
    test_fraction: float = Field(0.2, ge=0, le=MAX_TEST_FRACTION, allow_inf_nan=False)
    classes: int | None = Field(None, ge=2, le=MAX_CLASSES,
                                description="spiral and blobs only; default: the data set's")
    seed: DataSeed = 0
    hidden: list[Width] = Field(default_factory=lambda: [16, 16], max_length=MAX_HIDDEN_LAYERS,
                                description=f"units per hidden layer (0 to {MAX_HIDDEN_LAYERS} "
                                            f"layers of 1 to {MAX_WIDTH})")
    activation: Literal[tuple(ACTIVATIONS)] = "tanh"
    head: Literal[HEADS] = "softmax_ce"
    init: Literal[INITS] = "xavier"
    batch_size: int | None = Field(None, ge=1, le=MAX_POINTS,
                                   description="samples per step; default: the full batch")

    @model_validator(mode="after")
    def _consistent(self) -> "MlpSpec":
        if self.classes is not None and self.dataset not in MULTICLASS:
            raise ValueError(f"classes: only {' and '.join(MULTICLASS)} take a number of "
                             f"classes; {self.dataset} has 2")
        if self.head == "sigmoid_bce" and (self.classes or 2) != 2:
            raise ValueError(f"head: sigmoid_bce needs two classes, this data set has "
                             f"{self.classes} — use softmax_ce or mse")
        if self.head == "sigmoid_bce" and self.dataset == "blobs" and self.classes is None:
            raise ValueError("head: sigmoid_bce needs two classes; blobs has 3 unless "
                             "classes is 2 — use softmax_ce or mse")
        if self.batch_size is not None and self.batch_size > self.n_train:
            raise ValueError(f"batch_size: {self.batch_size} is more than the "
                             f"{self.n_train} training points")
        return self

    @property
    def n_train(self) -> int:
        """Training points after the test split (as datasets._split deals them)."""
        n_test = min(int(round(self.n * self.test_fraction)), self.n - 1)
        return self.n - n_test


def _make(spec: MlpSpec, shuffle_seed: int = 0) -> MLP:
    options = {"n": spec.n, "test_fraction": spec.test_fraction, "seed": spec.seed}
    if spec.noise is not None:
        options["noise"] = spec.noise
    if spec.classes is not None:
        options["classes"] = spec.classes
    data = make_dataset(spec.dataset, **options)
    return MLP(data, hidden=spec.hidden, activation=spec.activation, head=spec.head,
               batch_size=spec.batch_size, shuffle_seed=shuffle_seed)


def _build(source) -> MLP:
    """The network, its minibatch order seeded by the scenario's seed."""
    return build_cached(source.model, _make, getattr(source, "seed", 0))


def _describe(source, grid_n: int) -> dict:
    """``POST /api/model`` for a network: its layout (the flat weight vector's layers), head,
    batches and data; ``summary``/``detail`` are the page's lines about it."""
    spec, model = source.model, _build(source)
    data = model.data
    layers = []
    for l, (n_in, n_out) in enumerate(zip(model.sizes[:-1], model.sizes[1:]), start=1):
        layers += [{"name": f"W{l}", "shape": [n_in, n_out]}, {"name": f"b{l}", "shape": [n_out]}]
    n_train, k = len(data.x_train), model.batches_per_epoch
    batch = f"batch {spec.batch_size}" if spec.batch_size else "full batch"
    return {"kind": "mlp", "name": model.name, "formula": model.formula, "dim": model.dim,
            "layers": layers, "sizes": list(model.sizes), "activation": model.activation,
            "head": model.head, "n_classes": model.n_classes,
            "batch_size": model.batch_size, "batches_per_epoch": k,
            "net": {"sizes": list(model.sizes), "activation": model.activation, "head": model.head,
                    "bias": True, "regression": False, "n_classes": model.n_classes},
            "summary": f"{spec.dataset} · {'-'.join(map(str, model.sizes))} {spec.activation} "
                       f"· {batch}",
            "detail": f"{n_train} training points, {len(data.x_test)} test · {k} "
                      f"batch{'' if k == 1 else 'es'} of {model.batch_size or n_train} per epoch "
                      f"· {model.dim} weights",
            "data": {"x_train": points(data.x_train), "y_train": data.y_train.tolist(),
                     "x_test": points(data.x_test), "y_test": data.y_test.tolist(),
                     "domain": box(data.domain())}}


def network_fields(net, steps, params, grads, updates) -> list[dict]:
    """The norms; ``accuracy``, ``test_loss`` and ``test_accuracy``; ``grad_norms``
    (‖∂L/∂W_l‖ of the full training gradient per weight layer, first to last); and the
    frame's place in the epochs: ``epoch`` (complete epochs), ``batch`` (the batch the next
    step uses) and ``batches_per_epoch`` — one vectorised forward pass for all K frames."""
    metrics = {name: np.full(len(params), np.nan)
               for name in ("accuracy", "test_loss", "test_accuracy")}

    def evaluate(p):
        m = net.metrics(p, train_loss=False)
        for name in metrics:
            metrics[name][finite] = getattr(m, name)
        # the full-batch gradient: the frame's own with the full batch, else recomputed
        full = grads[finite] if not net.stochastic else net.full_loss_and_grad(p)[1]
        return net.layer_grad_norms(full)

    finite = np.isfinite(params).all(axis=1)
    layer_norms = finite_rows(params, evaluate, width=net.n_layers)
    out = []
    for i, row in enumerate(norms_fields(params, grads, updates)):
        pos = net.position(int(steps[i]))
        row.update({name: num(v[i]) for name, v in metrics.items()})
        row["grad_norms"] = vec(layer_norms[i]) or [None] * net.n_layers
        row.update(epoch=pos.epoch, batch=pos.batch, batches_per_epoch=pos.batches_per_epoch)
        out.append(row)
    return out


def _catalog() -> dict:
    """Each data set's own noise (and number of classes) — what ``None`` means — and the
    widest hidden layer."""
    datasets = {}
    for name in DATASETS:
        params = inspect.signature(DATASETS[name]).parameters
        datasets[name] = {"noise": params["noise"].default}
        if name in MULTICLASS:
            datasets[name]["classes"] = params["classes"].default
    return {"datasets": datasets, "width_max": MAX_WIDTH}


MLP_KIND = ObjectiveKind(
    id="mlp", title="Neural network (MLP)", named_by="model", spec=MlpSpec,
    capabilities=Capabilities(weights="vector", min_weights=MIN_WEIGHTS, max_weights=MAX_WEIGHTS,
                              init=True,
                              thin_frames=True, diagnosis=True, slice=True, trace=True,
                              task="classification",
                              held_out=True, seeded=True),
    page=Page(
        main="boundary", tabs=("net", "backprop", "head", "why", "slice"),
        curves=("loss", "layers", "acc"),
        note="Stability, sweep, basins: 2-weight objectives only.", tag="network",
        readouts=NETWORK_READOUTS,
        options=(("dataset", "data set"), ("classes", "classes"), ("n", "points"),
                 ("noise", "noise"), ("test_fraction", "held out for test"),
                 ("hidden", "hidden layers"), ("activation", "activation"),
                 ("head", "output + loss"), ("init", "init"), ("batch_size", "batch size"))),
    build=_build, describe=_describe, frame_fields=network_fields, catalog=_catalog)
