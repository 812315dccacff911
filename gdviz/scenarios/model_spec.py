"""The ``model`` of a scenario: a tiny model trained on seeded toy data (docs/models.md).

Five kinds, one pydantic model each, told apart by ``kind``:

* ``linreg2`` — ŷ = w1·x1 + w2·x2 with MSE on the classic NumPy example's data;
* ``logreg2`` — σ(w1·x1 + w2·x2) with binary cross-entropy on two blobs;
* ``mlp``     — up to 4 hidden layers of up to 32 units on moons, circles, xor,
  spiral or blobs;
* ``cnn``     — 1 or 2 conv blocks (3×3, ≤ 16 kernels, 2×2 max-pool) and a dense
  softmax head on 8×8 … 16×16 images: handwritten digits or synthetic shapes;
* ``complex_linreg`` — one complex weight, ŷ = w·x, mean |ŷ − y|², on complex data.

Every field is bounded (points, layers, widths, batch size), so no request
can ask for an unbounded model, and every choice names its options when wrong.
``key()`` is a canonical string of the spec, used to cache built objectives.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, model_validator

from gdviz.engine.nets.cnn import (MAX_ACTIVATIONS, MAX_BLOCKS, MAX_KERNELS, activations_per_image,
                                   plan_blocks, weight_count)
from gdviz.engine.nets.conv import PADDINGS
from gdviz.engine.nets.datasets import DATASETS, MAX_POINTS, MAX_TEST_FRACTION, MULTICLASS
from gdviz.engine.nets.images import (DEFAULTS as IMAGE_DEFAULTS, DIGITS_SIZE, IMAGE_SETS,
                                      MAX_NOISE as MAX_IMAGE_NOISE, MAX_SIZE, MIN_SIZE, SHAPES,
                                      digits_available)
from gdviz.engine.nets.init import INITS
from gdviz.engine.nets.layers import ACTIVATIONS
from gdviz.engine.nets.mlp import HEADS, MAX_HIDDEN_LAYERS, MAX_WIDTH
from gdviz.scenarios.numbers import Model

MIN_POINTS = 10
MAX_CLASSES = 8
Points = Annotated[int, Field(ge=MIN_POINTS, le=MAX_POINTS, description="number of data points")]
DataSeed = Annotated[int, Field(ge=0, le=2**32 - 1, description="seed of the data")]
Width = Annotated[int, Field(ge=1, le=MAX_WIDTH)]
DATASET_IDS = tuple(DATASETS)
KINDS = ("linreg2", "logreg2", "mlp", "cnn", "complex_linreg")


class _Spec(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def key(self) -> str:
        return self.model_dump_json()


class Linreg2Spec(_Spec):
    """ŷ = w1·x1 + w2·x2, MSE; y = 1·x1 − 2·x2 + N(0, noise²), x ~ U(0, 1)²."""

    kind: Literal["linreg2"] = "linreg2"
    n: Points = 100
    noise: float = Field(0.1, ge=0, le=10, allow_inf_nan=False,
                         description="std of the noise on the targets")
    seed: DataSeed = 0
    random_targets: bool = Field(False, description="y ~ U(0, 1), unrelated to x")


class Logreg2Spec(_Spec):
    """σ(w1·x1 + w2·x2), binary cross-entropy; blobs around (−1, −½) and (1, ½)."""

    kind: Literal["logreg2"] = "logreg2"
    n: Points = 100
    noise: float = Field(1.0, ge=0.05, le=5, allow_inf_nan=False,
                         description="std of the two blobs")
    seed: DataSeed = 0


class MlpSpec(_Spec):
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
        return _n_train(self.n, self.test_fraction)


def _n_train(n: int, test_fraction: float) -> int:
    """Training points after the test split (as datasets.split_indices deals them)."""
    return n - min(int(round(n * test_fraction)), n - 1)


class CnnSpec(_Spec):
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
    noise: float | None = Field(None, ge=0, le=MAX_IMAGE_NOISE, allow_inf_nan=False,
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
        return self.size if self.size is not None else IMAGE_DEFAULTS[self.dataset]["size"]

    @property
    def n_classes(self) -> int:
        return self.classes if self.classes is not None else \
            IMAGE_DEFAULTS[self.dataset]["classes"]

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
        if self.batch_size is not None and self.batch_size > self.n_train:
            raise ValueError(f"batch_size: {self.batch_size} is more than the "
                             f"{self.n_train} training images")
        return self


class ComplexLinregSpec(_Spec):
    """One complex weight w: ŷ = w·x, L = mean |ŷ − y|², on complex data x = r·e^(iθ),
    y = (1 + i)·x + noise."""

    kind: Literal["complex_linreg"] = "complex_linreg"
    n: Points = 100
    noise: float = Field(0.1, ge=0, le=10, allow_inf_nan=False,
                         description="E|ε|² = noise²: complex Gaussian noise on the targets")
    phase: float = Field(40.0, ge=-180, le=180, allow_inf_nan=False,
                         description="centre of the inputs' phases θ, degrees")
    spread: float = Field(30.0, ge=0, le=180, allow_inf_nan=False,
                          description="θ ~ U(phase ± spread), degrees (180: any phase)")
    seed: DataSeed = 0


ModelSpec = Annotated[Union[Linreg2Spec, Logreg2Spec, MlpSpec, CnnSpec, ComplexLinregSpec],
                      Field(discriminator="kind")]
NETWORK_SPECS = (MlpSpec, CnnSpec)  # kinds whose weights are drawn by an init


def _most_cnn_weights() -> int:
    """The largest CNN a spec allows: the most kernels, same padding, every image size
    (digits: 8×8 with 10 classes; shapes: 8 … 16 with 4)."""
    sizes = [(DIGITS_SIZE, 10)] + [(s, len(SHAPES)) for s in range(MIN_SIZE, MAX_SIZE + 1)]
    return max(weight_count(size, [MAX_KERNELS] * blocks, "same", classes)
               for size, classes in sizes for blocks in range(1, MAX_BLOCKS + 1))


# the most weights a network may have: 2 → 4 × 32 → 8 classes, or the largest CNN
MAX_WEIGHTS = max(2 * MAX_WIDTH + MAX_WIDTH + (MAX_HIDDEN_LAYERS - 1) * (MAX_WIDTH + 1) * MAX_WIDTH
                  + (MAX_WIDTH + 1) * MAX_CLASSES, _most_cnn_weights())
