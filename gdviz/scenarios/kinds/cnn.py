"""``cnn``: a tiny convolutional network — one or two blocks of 3×3 convolutions (≤ 16
kernels), an activation and a 2×2 max-pool, then a dense softmax head — on 8×8 … 16×16
grayscale images: the UCI handwritten digits shipped with gdviz, or seeded synthetic
shapes. The page shows one image's way through it and back (the ``cnn`` view), the
confusion matrix and mistakes (``confusion``), train/test curves, per-layer gradient norms,
the diagnosis and a loss-landscape slice; runs draw their weights by an initialisation."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from gdviz.engine.nets.cnn import (CNN, MAX_ACTIVATIONS, MAX_BLOCKS, MAX_KERNELS, MAX_PASS_WORK,
                                   activations_per_image, plan_blocks, weight_count,
                                   work_per_image)
from gdviz.engine.nets.cnn_trace import cnn_trace
from gdviz.engine.nets.conv import PADDINGS
from gdviz.engine.nets.datasets import MAX_POINTS, MAX_TEST_FRACTION
from gdviz.engine.nets.images import (DEFAULTS, DIGITS_SIZE, IMAGE_SETS, MAX_NOISE, MAX_SIZE,
                                      MIN_SIZE, SHAPES, digits_available, make_images)
from gdviz.engine.nets.init import INITS
from gdviz.engine.nets.layers import ACTIVATIONS, softmax

from ..jsonsafe import num
from .kind import NETWORK_READOUTS, Capabilities, ObjectiveKind, Page, PluginView
from .mlp import network_fields
from .spec import DataSeed, Points, Spec, build_cached, points

GALLERY = 48  # training images described exactly, to pick one to look inside
MISTAKES = 12  # the most confident mistakes a frame lists


def _n_train(n: int, test_fraction: float) -> int:
    """Training images after the test split (as datasets.split_indices deals them)."""
    return n - min(int(round(n * test_fraction)), n - 1)


class CnnSpec(Spec):
    """A tiny CNN on grayscale images (docs/models.md): conv 3×3 → activation → max-pool
    2×2, once or twice, then a dense softmax head."""

    kind: Literal["cnn"] = "cnn"
    dataset: Literal[IMAGE_SETS] = Field(
        "digits", description="digits (8×8 handwritten, UCI optdigits) or shapes (synthetic "
                              "bars, diagonals, crosses, squares)")
    n: Points = Field(320, description="number of images")
    classes: int | None = Field(None, ge=2, le=10,
                                description="digits 0…K−1 (2 … 10) or the first K shapes "
                                            "(2 … 4); default: all")
    size: int | None = Field(None, ge=MIN_SIZE, le=MAX_SIZE,
                             description="image side in pixels: shapes only (8 … 16, "
                                         "default 12); digits are 8×8")
    noise: float | None = Field(None, ge=0, le=MAX_NOISE, allow_inf_nan=False,
                                description="std of Gaussian noise added to each pixel "
                                            "(default 0): shapes get hard from about 0.5")
    test_fraction: float = Field(0.2, ge=0, le=MAX_TEST_FRACTION, allow_inf_nan=False)
    seed: DataSeed = 0
    kernels: list[Annotated[int, Field(ge=1, le=MAX_KERNELS)]] = Field(
        default_factory=lambda: [8], min_length=1, max_length=MAX_BLOCKS,
        description=f"3×3 kernels per conv block (1 or {MAX_BLOCKS} blocks of 1 to "
                    f"{MAX_KERNELS}); each block is conv → activation → 2×2 max-pool")
    padding: Literal[PADDINGS] = Field("valid", description="valid (maps shrink by 2) or "
                                                            "same (one ring of zeros)")
    activation: Literal[tuple(ACTIVATIONS)] = "relu"
    init: Literal[INITS] = "he"
    batch_size: int | None = Field(None, ge=1, le=MAX_POINTS,
                                   description="images per step; default: the full batch")

    @property
    def image_size(self) -> int:
        return self.size if self.size is not None else DEFAULTS[self.dataset]["size"]

    @property
    def n_classes(self) -> int:
        return self.classes if self.classes is not None else DEFAULTS[self.dataset]["classes"]

    @property
    def n_train(self) -> int:
        return _n_train(self.n, self.test_fraction)

    @model_validator(mode="after")
    def _consistent(self) -> "CnnSpec":
        if self.dataset == "digits":
            if self.size is not None and self.size != DIGITS_SIZE:
                raise ValueError(f"size: the digits are {DIGITS_SIZE}×{DIGITS_SIZE} images; "
                                 f"only the shapes come in other sizes — leave size out")
            have = digits_available(self.n_classes)
            if self.n > have:
                raise ValueError(f"n: the digits 0–{self.n_classes - 1} have {have} images; "
                                 f"use at most {have}")
        elif self.classes is not None and self.classes > len(SHAPES):
            raise ValueError(f"classes: the shapes set has {len(SHAPES)} classes "
                             f"({', '.join(SHAPES)}); use 2 to {len(SHAPES)}")
        plan_blocks(self.image_size, self.kernels, self.padding)  # ValueError names kernels:
        work = self.n * activations_per_image(self.image_size, self.kernels, self.padding)
        if work > MAX_ACTIVATIONS:
            raise ValueError(
                f"n: {self.n:,} images × {work // self.n:,} conv activations each = "
                f"{work:,} numbers per pass, over the limit of {MAX_ACTIVATIONS:,}; use "
                f"fewer images, fewer kernels, valid padding or smaller images")
        per = work_per_image(self.image_size, self.kernels, self.padding, self.n_classes)
        if self.n * per > MAX_PASS_WORK:
            raise ValueError(
                f"n: {self.n:,} images × {per:,} multiply-adds each = {self.n * per:,} per "
                f"pass, over the limit of {MAX_PASS_WORK:,} (a step would hold up the other "
                f"students' streams); use at most {MAX_PASS_WORK // per:,} images, or fewer "
                "kernels, valid padding or smaller images")
        if self.batch_size is not None and self.batch_size > self.n_train:
            raise ValueError(f"batch_size: {self.batch_size} is more than the "
                             f"{self.n_train} training images")
        return self


def most_weights() -> int:
    """The largest CNN a spec allows: the most kernels, same padding, every image size
    (digits: 8×8 with 10 classes; shapes: 8 … 16 with 4)."""
    sizes = [(DIGITS_SIZE, 10)] + [(s, len(SHAPES)) for s in range(MIN_SIZE, MAX_SIZE + 1)]
    return max(weight_count(size, [MAX_KERNELS] * blocks, "same", classes)
               for size, classes in sizes for blocks in range(1, MAX_BLOCKS + 1))


def _make(spec: CnnSpec, shuffle_seed: int = 0) -> CNN:
    images = make_images(spec.dataset, n=spec.n, classes=spec.n_classes, size=spec.image_size,
                         noise=0.0 if spec.noise is None else spec.noise,
                         test_fraction=spec.test_fraction, seed=spec.seed)
    return CNN(images, spec.kernels, spec.padding, spec.activation, batch_size=spec.batch_size,
               shuffle_seed=shuffle_seed)


def _build(source) -> CNN:
    """The network, its minibatch order seeded by the scenario's seed."""
    return build_cached(source.model, _make, getattr(source, "seed", 0))


def _grey_levels(x: np.ndarray, lo: float, hi: float) -> list:
    """Images (N, H, W) as 0 … 255 grey levels over [lo, hi] — thumbnails for the page (the
    exact pixels of an image the page looks inside are in ``gallery``)."""
    if not x.size:
        return []
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    return np.rint((x - lo) * scale).astype(int).tolist()


def describe_cnn(net: CNN) -> dict:
    """A CNN as the page draws it: layers, block geometry, class names; the first
    ``GALLERY`` training images exactly, every test image as grey levels."""
    d = net.data
    blocks = [{"c_in": b.c_in, "c_out": b.c_out, "side_in": b.side_in,
               "side_conv": b.side_conv, "side_pool": b.side_pool} for b in net.blocks]
    every = np.concatenate([d.x_train.ravel(), d.x_test.ravel()])
    lo, hi = float(every.min()), float(every.max())
    return {"kind": "cnn", "name": net.name, "formula": net.formula, "dim": net.dim,
            "layers": net.layers(), "blocks": blocks, "padding": net.padding,
            "activation": net.activation, "head": net.head, "n_classes": net.n_classes,
            "class_names": list(d.class_names), "image_size": d.size, "features": net.features,
            "batch_size": net.batch_size, "batches_per_epoch": net.batches_per_epoch,
            "data": {"dataset": d.name, "n_train": d.n_train, "n_test": d.n_test,
                     "y_train": d.y_train.tolist(), "y_test": d.y_test.tolist(),
                     "pixel_range": [lo, hi],
                     "gallery": [points(img) for img in d.x_train[:GALLERY]],
                     "test_levels": _grey_levels(d.x_test, lo, hi)}}


def _describe(source, grid_n: int) -> dict:
    """``POST /api/model`` for a CNN, with the page's ``summary``/``detail`` lines."""
    spec, net = source.model, _build(source)
    k = net.batches_per_epoch
    batch = f"batch {spec.batch_size}" if spec.batch_size else "full batch"
    s = net.data.size
    return {**describe_cnn(net),
            "summary": f"{spec.dataset} {s}×{s} · conv {','.join(map(str, spec.kernels))} "
                       f"{spec.activation} · {batch}",
            "detail": f"{net.data.n_train} training images, {net.data.n_test} test · {k} "
                      f"batch{'' if k == 1 else 'es'} of {net.batch_size} per epoch · "
                      f"{net.dim} weights"}


def confusion_fields(net: CNN, params: np.ndarray) -> list[dict]:
    """Per weight vector (K', P): ``confusion`` [true][predicted] and the most confident
    ``mistakes`` [image index, predicted class, its probability] on the test images (the
    training images when there is no test set); None for weights that are not finite."""
    d = net.data
    x, y = (d.x_test, d.y_test) if d.n_test else (d.x_train, d.y_train)
    k = net.n_classes
    out = []
    for row in params:
        if not np.isfinite(row).all():
            out.append({"confusion": None, "mistakes": None})
            continue
        with np.errstate(all="ignore"):
            probs = softmax(net.logits(row[None, :], x))[0]
        pred = probs.argmax(axis=1)
        wrong = np.flatnonzero(pred != y)
        top = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:MISTAKES]
        out.append({"confusion": np.bincount(y * k + pred, minlength=k * k).reshape(k, k).tolist(),
                    "mistakes": [[int(i), int(pred[i]), num(probs[i, pred[i]])] for i in top]})
    return out


def _nested(a: np.ndarray):
    """An array as nested lists, non-finite numbers as None."""
    a = np.asarray(a, float)
    if a.ndim == 0:
        return num(a)
    return [_nested(x) for x in a]


def trace_image(net: CNN, params: np.ndarray, sample: int) -> dict:
    """One training image's way through the CNN and back (engine/nets/cnn_trace.py), in
    ``POST /api/trace``'s shape: per layer ``name``, ``kind``, ``z``, ``a``, ``grad_a`` =
    ∂ℓ/∂a, ``delta`` = ∂ℓ/∂z, ``grad_W``/``grad_b`` (shaped as ``POST /api/model``'s
    ``layers``; null for a pool) — maps as [row][col][channel] — and a pool's ``mask``
    (true at each window's winner: where the gradient arriving at its output goes)."""
    t = cnn_trace(net, params, [sample])
    layers = []
    for layer in t.layers:
        out = {"name": layer.name, "kind": layer.kind, "z": _nested(layer.z[0]),
               "a": _nested(layer.a[0]), "grad_a": _nested(layer.grad_a[0]),
               "delta": _nested(layer.delta[0]),
               "grad_W": None if layer.grad_w is None else _nested(layer.grad_w[0]),
               "grad_b": None if layer.grad_b is None else _nested(layer.grad_b[0])}
        if layer.mask is not None:
            out["mask"] = layer.mask[0].tolist()
        layers.append(out)
    return {"sample": int(sample), "x": _nested(t.x[0]), "label": int(t.label[0]),
            "class_name": net.data.class_names[int(t.label[0])], "head": t.head,
            "loss": num(t.loss[0]), "logits": _nested(t.logits[0]), "probs": _nested(t.probs[0]),
            "target": _nested(t.target[0]), "layers": layers}


def _catalog() -> dict:
    """Each image set's defaults (classes, size, noise), its most images and class names."""
    return {"datasets": {name: {**defaults,
                                "n_max": digits_available() if name == "digits" else MAX_POINTS,
                                "class_names": ([str(k) for k in range(10)] if name == "digits"
                                                else list(SHAPES))}
                         for name, defaults in DEFAULTS.items()},
            "kernels_max": MAX_KERNELS, "blocks_max": MAX_BLOCKS}


CNN_KIND = ObjectiveKind(
    id="cnn", title="Convolutional network (CNN) on images", named_by="model", spec=CnnSpec,
    capabilities=Capabilities(weights="vector", max_weights=most_weights(), init=True,
                              thin_frames=True, diagnosis=True, slice=True,
                              task="classification", held_out=True, seeded=True),
    page=Page(
        main="cnn", tabs=("confusion", "why", "slice"), curves=("loss", "acc", "layers"),
        note="Stability, sweep, basins: 2-weight objectives only.", tag="CNN",
        readouts=NETWORK_READOUTS,
        options=(("dataset", "image set"), ("classes", "classes"), ("n", "images"),
                 ("size", "image side"), ("noise", "pixel noise"),
                 ("test_fraction", "held out for test"), ("kernels", "kernels per block"),
                 ("padding", "padding"), ("activation", "activation"), ("init", "init"),
                 ("batch_size", "batch size")),
        views=(PluginView("cnn", "Inside the CNN", "one image, at the selected run's weights"),
               PluginView("confusion", "Mistakes",
                          "the confusion matrix and the most confident mistakes"))),
    build=_build, describe=_describe, frame_fields=network_fields,
    weight_fields=confusion_fields, trace_json=trace_image, catalog=_catalog)
