"""The ``model`` of a scenario: a tiny model trained on seeded toy data (docs/models.md).

Three kinds, one pydantic model each, told apart by ``kind``:

* ``linreg2`` — ŷ = w1·x1 + w2·x2 with MSE on the classic NumPy example's data;
* ``logreg2`` — σ(w1·x1 + w2·x2) with binary cross-entropy on two blobs;
* ``mlp``     — up to 4 hidden layers of up to 32 units on moons, circles, xor,
  spiral or blobs.

Every field is bounded (points, layers, widths, batch size), so no request
can ask for an unbounded model, and every choice names its options when wrong.
``key()`` is a canonical string of the spec, used to cache built objectives.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, model_validator

from gdviz.engine.nets.datasets import DATASETS, MAX_POINTS, MAX_TEST_FRACTION, MULTICLASS
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
KINDS = ("linreg2", "logreg2", "mlp")


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
        """Training points after the test split (as datasets._split deals them)."""
        n_test = min(int(round(self.n * self.test_fraction)), self.n - 1)
        return self.n - n_test


ModelSpec = Annotated[Union[Linreg2Spec, Logreg2Spec, MlpSpec], Field(discriminator="kind")]
