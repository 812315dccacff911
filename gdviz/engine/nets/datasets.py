"""Seeded toy data sets for tiny networks, NumPy only.

Classification sets (``moons``, ``circles``, ``xor``, ``spiral``, ``blobs``)
return a ``Dataset``: points x (N, 2), integer labels y (N,) in 0 … K−1, split
into train and test. Every generator follows the same rules:

* ``n`` points in total (1 ≤ … ≤ ``MAX_POINTS``), the classes as equal as
  possible: class k gets ⌊n/K⌋ points, plus one for the first n mod K classes;
* ``noise`` is the standard deviation of the Gaussian added to both
  coordinates (as in scikit-learn's ``make_moons``/``make_circles``);
* ``test_fraction`` f of the points, round(n·f), go to the test set, drawn so
  that each class's share of the test set is within one point of its share of
  the data (a stratified split);
* everything is drawn from ``np.random.default_rng(seed)``: same arguments,
  same points, on any machine with the same NumPy.

The points sit roughly inside [−1.5, 1.5]² so that one heat-map box suits all
of them (``Dataset.domain`` gives a box around the actual points).

Two more sets are the data behind the 2-weight models of ``linear.py``:
``linreg2_data`` (regression targets) and ``logreg2_data`` (two blobs, 0/1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray

MAX_POINTS = 2048
MAX_CLASSES = 8
MAX_TEST_FRACTION = 0.9


@dataclass(frozen=True)
class Dataset:
    """Labelled 2D points, split into train and test.

    ``x_train`` (N, 2) float, ``y_train`` (N,) int labels 0 … n_classes−1,
    ``x_test`` (M, 2), ``y_test`` (M,) (M may be 0).
    """

    name: str
    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array
    n_classes: int
    noise: float
    seed: int

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    def domain(self, pad: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
        """A square box ((x0, x1), (y0, y1)) around all points, ``pad`` of its side added
        on each side: the area a decision-boundary heat map should cover."""
        pts = np.vstack([self.x_train, self.x_test])
        lo, hi = pts.min(0), pts.max(0)
        centre, half = (lo + hi) / 2, (hi - lo).max() / 2
        half = half * (1 + 2 * pad) if half > 0 else 1.0
        return ((float(centre[0] - half), float(centre[0] + half)),
                (float(centre[1] - half), float(centre[1] + half)))


@dataclass(frozen=True)
class RegressionData:
    """Inputs x (N, 2) and real targets y (N,) for ``linreg2``.

    ``true_w`` is the line the targets were drawn from (None for random targets).
    """

    x: Array
    y: Array
    true_w: tuple[float, float] | None
    noise: float
    seed: int
    random_targets: bool


# --- shared rules ------------------------------------------------------------------------

def _check(n: int, noise: float, test_fraction: float, classes: int = 2) -> None:
    if not 2 <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must be between 2 and {MAX_CLASSES}, got {classes}")
    if not classes <= n <= MAX_POINTS:
        raise ValueError(f"n must be between {classes} (one point per class) and "
                         f"{MAX_POINTS}, got {n}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise}")
    if not 0 <= test_fraction <= MAX_TEST_FRACTION:
        raise ValueError(f"test_fraction must be between 0 and {MAX_TEST_FRACTION}, "
                         f"got {test_fraction}")


def class_sizes(n: int, classes: int) -> Array:
    """Points per class: ⌊n/K⌋ each, one more for the first n mod K classes."""
    sizes = np.full(classes, n // classes)
    sizes[: n % classes] += 1
    return sizes


def _labels(n: int, classes: int) -> Array:
    return np.repeat(np.arange(classes), class_sizes(n, classes))


def split_indices(y: Array, classes: int, test_fraction: float,
                  rng: np.random.Generator) -> tuple[Array, Array]:
    """(train, test) indices into the labels ``y``: shuffle, then deal the classes out in
    turn so that the first round(n·f) points (the test set) hold each class in proportion;
    the rest is the training set (at least one point). Each part comes back in a random
    order, so nothing downstream sees the dealing."""
    n = len(y)
    order = rng.permutation(n)
    y = y[order]
    # rank of each point within its class, scaled to [0, 1): interleaves the classes
    rank = np.empty(n)
    for k in range(classes):
        members = np.flatnonzero(y == k)
        rank[members] = (np.arange(members.size) + 0.5) / members.size
    dealt = order[np.lexsort((y, rank))]
    n_test = int(round(n * test_fraction))
    n_test = min(n_test, n - 1)  # at least one training point
    test, train = rng.permutation(n_test), n_test + rng.permutation(n - n_test)
    return dealt[train], dealt[test]


def _split(name: str, x: Array, y: Array, classes: int, noise: float, test_fraction: float,
           rng: np.random.Generator, seed: int) -> Dataset:
    """The points dealt into a stratified train/test split (``split_indices``)."""
    train, test = split_indices(y, classes, test_fraction, rng)
    return Dataset(name, x[train], y[train].astype(np.int64), x[test], y[test].astype(np.int64),
                   classes, float(noise), int(seed))


# --- the classification sets ----------------------------------------------------------

def moons(n: int = 500, noise: float = 0.1, test_fraction: float = 0.2,
          seed: int = 0) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``, centred).

    Class 0: (cos t, sin t), class 1: (1 − cos t, ½ − sin t), t ~ U(0, π);
    then shifted by (−½, −¼) so the pair is centred on the origin, plus noise.
    """
    _check(n, noise, test_fraction)
    rng = np.random.default_rng(seed)
    y = _labels(n, 2)
    t = rng.uniform(0, np.pi, n)
    x = np.where((y == 0)[:, None],
                 np.column_stack([np.cos(t), np.sin(t)]),
                 np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
    x = x - [0.5, 0.25] + noise * rng.standard_normal((n, 2))
    return _split("moons", x, y, 2, noise, test_fraction, rng, seed)


def circles(n: int = 500, noise: float = 0.05, test_fraction: float = 0.2, seed: int = 0,
            factor: float = 0.5) -> Dataset:
    """A ring (class 0, radius 1) around a smaller ring (class 1, radius ``factor``),
    angles ~ U(0, 2π), plus noise (scikit-learn's ``make_circles``)."""
    _check(n, noise, test_fraction)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1, got {factor}")
    rng = np.random.default_rng(seed)
    y = _labels(n, 2)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 0, 1.0, factor)
    x = r[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    x = x + noise * rng.standard_normal((n, 2))
    return _split("circles", x, y, 2, noise, test_fraction, rng, seed)


def xor(n: int = 500, noise: float = 0.05, test_fraction: float = 0.2, seed: int = 0,
        gap: float = 0.05) -> Dataset:
    """The four quadrants of [−1, 1]²: label 1 where x·y > 0 (quadrants I and III),
    label 0 where x·y < 0. |x|, |y| ~ U(gap, 1), so the classes start ``gap`` apart
    from the axes; each class's points are shared equally between its two quadrants;
    plus noise."""
    _check(n, noise, test_fraction)
    if not 0 <= gap < 1:
        raise ValueError(f"gap must be in [0, 1), got {gap}")
    rng = np.random.default_rng(seed)
    y = _labels(n, 2)
    mag = rng.uniform(gap, 1.0, (n, 2))
    # alternate the two quadrants of each class: class 1 → (+,+),(−,−); class 0 → (+,−),(−,+)
    within = np.concatenate([np.arange(s) for s in class_sizes(n, 2)])
    sx = np.where(within % 2 == 0, 1.0, -1.0)
    sy = np.where(y == 1, sx, -sx)
    x = mag * np.column_stack([sx, sy]) + noise * rng.standard_normal((n, 2))
    return _split("xor", x, y, 2, noise, test_fraction, rng, seed)


def spiral(n: int = 500, noise: float = 0.05, test_fraction: float = 0.2, seed: int = 0,
           classes: int = 2, turns: float = 1.25) -> Dataset:
    """K interleaved spiral arms. Arm k: radius r = 0.1 + 1.4·t, angle
    2π·turns·t + 2πk/K, with t ~ U(0, 1); plus noise."""
    _check(n, noise, test_fraction, classes)
    rng = np.random.default_rng(seed)
    y = _labels(n, classes)
    t = rng.uniform(0, 1, n)
    r = 0.1 + 1.4 * t
    angle = 2 * np.pi * turns * t + 2 * np.pi * y / classes
    x = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    x = x + noise * rng.standard_normal((n, 2))
    return _split("spiral", x, y, classes, noise, test_fraction, rng, seed)


def blobs(n: int = 500, noise: float = 0.4, test_fraction: float = 0.2, seed: int = 0,
          classes: int = 3) -> Dataset:
    """K Gaussian blobs: centres on the circle of radius 1 at angles 2πk/K + π/4,
    points = centre + noise·N(0, I) (here ``noise`` is the blobs' standard deviation)."""
    _check(n, noise, test_fraction, classes)
    rng = np.random.default_rng(seed)
    y = _labels(n, classes)
    angle = 2 * np.pi * np.arange(classes) / classes + np.pi / 4
    centres = np.column_stack([np.cos(angle), np.sin(angle)])
    x = centres[y] + noise * rng.standard_normal((n, 2))
    return _split("blobs", x, y, classes, noise, test_fraction, rng, seed)


DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": moons, "circles": circles, "xor": xor, "spiral": spiral, "blobs": blobs,
}

MULTICLASS = ("spiral", "blobs")  # the generators that take ``classes``


def make_dataset(name: str, **options) -> Dataset:
    """The data set ``name`` (a key of ``DATASETS``) with the generator's ``options``."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[name](**options)


# --- data for the 2-weight models --------------------------------------------------------

LINREG2_TRUE_W = (1.0, -2.0)
"""linreg2's targets: y = 1·x1 − 2·x2 + ε, ε ~ N(0, noise²)."""


def linreg2_data(n: int = 100, noise: float = 0.1, seed: int = 0,
                 random_targets: bool = False) -> RegressionData:
    """The classic NumPy example: x1, x2 ~ U(0, 1) (n samples); targets on the line
    y = 1·x1 − 2·x2 plus Gaussian noise of std ``noise`` — or, with
    ``random_targets``, y ~ U(0, 1) with no relation to x (there is still a best
    fit, it is just a poor one)."""
    if not 2 <= n <= MAX_POINTS:
        raise ValueError(f"n must be between 2 and {MAX_POINTS}, got {n}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 2))
    if random_targets:
        return RegressionData(x, rng.uniform(0, 1, n), None, float(noise), int(seed), True)
    w1, w2 = LINREG2_TRUE_W
    y = w1 * x[:, 0] + w2 * x[:, 1] + noise * rng.standard_normal(n)
    return RegressionData(x, y, LINREG2_TRUE_W, float(noise), int(seed), False)


LOGREG2_CENTRES = ((-1.0, -0.5), (1.0, 0.5))
"""logreg2's blob centres: class 0 around (−1, −½), class 1 around (1, ½)."""


def logreg2_data(n: int = 100, noise: float = 1.0, seed: int = 0) -> Dataset:
    """Two Gaussian blobs for logistic regression without a bias: class 0 around
    (−1, −½), class 1 around (1, ½), std ``noise`` (n/2 points each, all training
    data). The default spread makes the blobs overlap, so the loss has a finite
    minimum; with small noise they become separable and it has none."""
    _check(n, noise, 0.0)
    rng = np.random.default_rng(seed)
    y = _labels(n, 2)
    x = np.asarray(LOGREG2_CENTRES)[y] + noise * rng.standard_normal((n, 2))
    return _split("logreg2", x, y, 2, noise, 0.0, rng, seed)
