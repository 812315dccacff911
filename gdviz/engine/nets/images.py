"""Tiny grayscale image sets for the CNN, offline and seeded.

* ``digits`` — the 8 × 8 handwritten digits of UCI optdigits, as scikit-learn ships
  them for ``load_digits`` (1,797 images, CC BY 4.0; see data/README.md). Pixels
  0 … 16 are divided by 16, so they lie in 0 … 1. ``classes`` K keeps the digits
  0 … K−1; ``n`` of their images are drawn, each digit in proportion to how many
  the file has (a stratified draw), so n = all of them takes every image.
* ``shapes`` — a synthetic set of size × size images (8 … 16) of one white shape on
  black: **bars** (a horizontal or vertical line), **diagonals** (a line at ±45°),
  **crosses** (a plus sign) and **squares** (an outline), at random places and
  lengths. ``noise`` adds N(0, noise²) to every pixel: at 0 the classes are
  trivially easy to tell apart; from about 0.5 the shapes drown in the noise.
  ``classes`` K keeps the first K of the four shapes.

Both return an ``ImageDataset``: images x (N, H, W) in float64, integer labels y (N,),
a stratified train/test split drawn as the 2D sets draw theirs
(``datasets.split_indices``), and everything from ``np.random.default_rng(seed)``.
Nothing is downloaded: the digits file is inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .datasets import MAX_POINTS, MAX_TEST_FRACTION, class_sizes, split_indices

Array = np.ndarray

DIGITS_FILE = Path(__file__).parent / "data" / "digits.csv.gz"
DIGITS_SIZE = 8
DIGIT_LEVELS = 16  # optdigits pixels count "on" pixels in a 4 × 4 block: 0 … 16
SHAPES = ("bars", "diagonals", "crosses", "squares")
MIN_SIZE, MAX_SIZE = 8, 16
MAX_NOISE = 2.0
IMAGE_SETS = ("digits", "shapes")
DEFAULTS = {"digits": {"classes": 10, "size": DIGITS_SIZE, "noise": 0.0},
            "shapes": {"classes": len(SHAPES), "size": 12, "noise": 0.0}}


@dataclass(frozen=True)
class ImageDataset:
    """Labelled images split into train and test: ``x_train`` (N, H, W), ``y_train`` (N,)
    labels 0 … n_classes−1, ``x_test`` (M, H, W), ``y_test`` (M,) (M may be 0);
    ``class_names[k]`` names label k."""

    name: str
    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array
    n_classes: int
    class_names: tuple[str, ...]
    noise: float
    seed: int

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    @property
    def size(self) -> int:
        """Side of the (square) images in pixels."""
        return int(self.x_train.shape[1])


def _check(name: str, n: int, classes: int, most_classes: int, noise: float,
           test_fraction: float) -> None:
    if not 2 <= classes <= most_classes:
        raise ValueError(f"classes must be between 2 and {most_classes} for {name}, "
                         f"got {classes}")
    if not classes <= n <= MAX_POINTS:
        raise ValueError(f"n must be between {classes} (one image per class) and "
                         f"{MAX_POINTS}, got {n}")
    if not (np.isfinite(noise) and 0 <= noise <= MAX_NOISE):
        raise ValueError(f"noise must be between 0 and {MAX_NOISE}, got {noise}")
    if not 0 <= test_fraction <= MAX_TEST_FRACTION:
        raise ValueError(f"test_fraction must be between 0 and {MAX_TEST_FRACTION}, "
                         f"got {test_fraction}")


def _dataset(name: str, x: Array, y: Array, classes: int, names, noise: float,
             test_fraction: float, rng: np.random.Generator, seed: int) -> ImageDataset:
    train, test = split_indices(y, classes, test_fraction, rng)
    return ImageDataset(name, x[train], y[train].astype(np.int64), x[test],
                        y[test].astype(np.int64), classes, tuple(names), float(noise), int(seed))


# --- the digits -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _digit_file() -> tuple[Array, Array]:
    """All 1,797 digits: images (N, 8, 8) scaled to 0 … 1 and labels (N,) — read-only."""
    raw = np.loadtxt(DIGITS_FILE, delimiter=",", dtype=np.int64)
    x = raw[:, :-1].reshape(-1, DIGITS_SIZE, DIGITS_SIZE) / DIGIT_LEVELS
    y = raw[:, -1]
    x.flags.writeable = y.flags.writeable = False
    return x, y


def digits_available(classes: int = 10) -> int:
    """How many images the file has of the digits 0 … classes−1."""
    return int((_digit_file()[1] < classes).sum())


def digits(n: int = 320, classes: int = 10, noise: float = 0.0, test_fraction: float = 0.2,
           seed: int = 0) -> ImageDataset:
    """``n`` optdigits images of the digits 0 … classes−1 (a stratified draw), plus
    N(0, noise²) per pixel, split into train and test."""
    _check("digits", n, classes, 10, noise, test_fraction)
    have = digits_available(classes)
    if n > have:
        raise ValueError(f"n must be at most {have}: the digits 0–{classes - 1} have {have} "
                         f"images, got {n}")
    x_all, y_all = _digit_file()
    pool = np.flatnonzero(y_all < classes)
    rng = np.random.default_rng(seed)
    if n < have:  # a stratified draw: the "test" part of a split that holds n images
        pool = pool[split_indices(y_all[pool], classes, n / have, rng)[1]]
    x = x_all[pool] + noise * rng.standard_normal((pool.size, DIGITS_SIZE, DIGITS_SIZE))
    return _dataset("digits", x, y_all[pool], classes, [str(k) for k in range(classes)],
                    noise, test_fraction, rng, seed)


# --- the synthetic shapes -------------------------------------------------------------------

def _draw_shape(kind: int, size: int, rng: np.random.Generator) -> Array:
    """One size × size image of shape ``kind`` (an index into SHAPES), pixels 0 or 1."""
    img = np.zeros((size, size))
    name = SHAPES[kind]
    if name == "bars":      # a bar: horizontal or vertical, at least half the side long
        length = int(rng.integers(size // 2, size - 1))
        along = int(rng.integers(1, size - length))
        across = int(rng.integers(1, size - 1))
        if rng.random() < 0.5:
            img[across, along:along + length] = 1
        else:
            img[along:along + length, across] = 1
    elif name == "crosses":  # a cross: a plus sign with arms of 2 … size/3 pixels
        arm = int(rng.integers(2, max(3, size // 3 + 1)))
        cy, cx = (int(rng.integers(arm + 1, size - arm - 1)) for _ in range(2))
        img[cy, cx - arm:cx + arm + 1] = 1
        img[cy - arm:cy + arm + 1, cx] = 1
    elif name == "squares":  # a square outline, side 4 … size/2 + 2
        side = int(rng.integers(4, size // 2 + 3))
        top, left = (int(rng.integers(1, size - side)) for _ in range(2))
        img[top, left:left + side] = img[top + side - 1, left:left + side] = 1
        img[top:top + side, left] = img[top:top + side, left + side - 1] = 1
    else:                    # a diagonal: a line at +45° or −45°, at least half the side long
        length = int(rng.integers(size // 2, size - 1))
        top, left = (int(rng.integers(1, size - length)) for _ in range(2))
        steps = np.arange(length)
        cols = left + steps if rng.random() < 0.5 else left + length - 1 - steps
        img[top + steps, cols] = 1
    return img


def shapes(n: int = 320, classes: int = 4, size: int = 12, noise: float = 0.0,
           test_fraction: float = 0.2, seed: int = 0) -> ImageDataset:
    """``n`` synthetic images (bars, diagonals, crosses, squares — the first ``classes``
    of them, as equal in number as possible), plus N(0, noise²) per pixel."""
    _check("shapes", n, classes, len(SHAPES), noise, test_fraction)
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be between {MIN_SIZE} and {MAX_SIZE}, got {size}")
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), class_sizes(n, classes))
    x = np.stack([_draw_shape(int(k), size, rng) for k in y])
    x += noise * rng.standard_normal(x.shape)
    return _dataset("shapes", x, y, classes, SHAPES[:classes], noise, test_fraction, rng, seed)


def make_images(name: str, **options) -> ImageDataset:
    """The image set ``name`` (``digits`` or ``shapes``) with its generator's options; the
    digits take ``size`` only as 8 (they are 8 × 8), the shapes 8 … 16."""
    if name == "digits":
        size = options.pop("size", DIGITS_SIZE)
        if size != DIGITS_SIZE:
            raise ValueError(f"size: the digits are {DIGITS_SIZE}×{DIGITS_SIZE} images; "
                             f"only the shapes come in other sizes (got {size})")
        return digits(**options)
    if name == "shapes":
        return shapes(**options)
    raise KeyError(f"unknown image set {name!r}; choose one of {', '.join(IMAGE_SETS)}")
