"""Toy data sets: shapes, class balance, stratified test split, seeded determinism,
the geometry of each generator (checked at zero noise), and input checks."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets.datasets import (DATASETS, LINREG2_TRUE_W, LOGREG2_CENTRES, MAX_POINTS,
                                      blobs, circles, class_sizes, linreg2_data, logreg2_data,
                                      make_dataset, moons, spiral, xor)

NAMES = list(DATASETS)


def all_points(d):
    return np.vstack([d.x_train, d.x_test]), np.concatenate([d.y_train, d.y_test])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n, f", [(500, 0.2), (101, 0.3), (64, 0.0), (2048, 0.5)])
def test_shapes_balance_and_split(name, n, f):
    d = make_dataset(name, n=n, test_fraction=f, seed=1)
    k = d.n_classes
    assert d.x_train.shape == (d.n_train, 2) and d.x_test.shape == (d.n_test, 2)
    assert d.y_train.dtype == np.int64 and d.y_test.dtype == np.int64
    assert d.n_train + d.n_test == n
    assert d.n_test == round(n * f)
    x, y = all_points(d)
    assert np.isfinite(x).all()
    assert set(np.unique(y)) <= set(range(k))
    np.testing.assert_array_equal(np.bincount(y, minlength=k), class_sizes(n, k))
    if d.n_test:  # stratified: each class's test count within one of its share
        share = np.bincount(y, minlength=k) * d.n_test / n
        assert (np.abs(np.bincount(d.y_test, minlength=k) - share) <= 1).all()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_other_seed_other_data(name):
    a, b = make_dataset(name, seed=5), make_dataset(name, seed=5)
    c = make_dataset(name, seed=6)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", NAMES)
def test_the_training_set_is_shuffled(name):
    d = make_dataset(name, n=400, seed=0)
    # no long runs of one class (the generators draw the classes in blocks)
    changes = np.count_nonzero(np.diff(d.y_train))
    assert changes > d.n_train / 4


def test_moons_lie_on_their_half_circles_without_noise():
    x, y = all_points(moons(n=300, noise=0.0, test_fraction=0.2))
    upper = x[y == 0] + [0.5, 0.25]        # (cos t, sin t)
    lower = x[y == 1] + [0.5, 0.25]        # (1 − cos t, ½ − sin t)
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    assert (upper[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(1 - lower[:, 0], 0.5 - lower[:, 1]), 1.0, atol=1e-12)


def test_circles_radii_without_noise():
    x, y = all_points(circles(n=200, noise=0.0, factor=0.4))
    np.testing.assert_allclose(np.hypot(*x[y == 0].T), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*x[y == 1].T), 0.4, atol=1e-12)


def test_xor_labels_follow_the_quadrants_without_noise():
    x, y = all_points(xor(n=400, noise=0.0, gap=0.1))
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(int))
    assert (np.abs(x) >= 0.1).all() and (np.abs(x) <= 1).all()
    # all four quadrants are used, evenly
    quadrant = (x[:, 0] > 0).astype(int) * 2 + (x[:, 1] > 0)
    assert np.bincount(quadrant).tolist() == [100, 100, 100, 100]


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spiral_arms_without_noise(k):
    d = spiral(n=300, noise=0.0, classes=k)
    x, y = all_points(d)
    assert d.n_classes == k
    r = np.hypot(*x.T)
    assert r.min() >= 0.1 - 1e-12 and r.max() <= 1.5 + 1e-12
    # the angle of arm k is 2π·turns·t + 2πk/K with t = (r − 0.1)/1.4
    t = (r - 0.1) / 1.4
    want = 2 * np.pi * 1.25 * t + 2 * np.pi * y / k
    diff = np.angle(np.exp(1j * (np.arctan2(x[:, 1], x[:, 0]) - want)))
    np.testing.assert_allclose(diff, 0, atol=1e-9)


@pytest.mark.parametrize("k", [2, 4, 8])
def test_blobs_sit_around_their_centres(k):
    x, y = all_points(blobs(n=800, noise=0.1, classes=k, seed=2))
    for c in range(k):
        angle = 2 * np.pi * c / k + np.pi / 4
        centre = np.array([np.cos(angle), np.sin(angle)])
        pts = x[y == c]
        np.testing.assert_allclose(pts.mean(0), centre, atol=0.05)
        assert pts.std(0) == pytest.approx([0.1, 0.1], rel=0.3)


def test_noise_is_the_std_of_the_added_gaussian():
    clean = moons(n=2000, noise=0.0, test_fraction=0.0, seed=3)
    noisy = moons(n=2000, noise=0.2, test_fraction=0.0, seed=3)
    # same seed, same t draws; the noise is drawn after them
    d = noisy.x_train - clean.x_train
    assert d.std() == pytest.approx(0.2, rel=0.05)


def test_domain_is_a_square_around_all_points():
    d = moons(n=300)
    (x0, x1), (y0, y1) = d.domain()
    assert x1 - x0 == pytest.approx(y1 - y0)
    x, _ = all_points(d)
    assert (x[:, 0] > x0).all() and (x[:, 0] < x1).all()
    assert (x[:, 1] > y0).all() and (x[:, 1] < y1).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"n": MAX_POINTS + 1}, "n must be"),
    ({"n": 1}, "n must be"),
    ({"noise": -0.1}, "noise"),
    ({"noise": float("nan")}, "noise"),
    ({"test_fraction": 0.95}, "test_fraction"),
])
def test_bad_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        moons(**kwargs)


def test_bad_class_counts_are_refused():
    with pytest.raises(ValueError, match="classes"):
        spiral(classes=9)
    with pytest.raises(ValueError, match="classes"):
        blobs(classes=1)
    with pytest.raises(KeyError, match="moons"):
        make_dataset("swiss_roll")


def test_every_split_keeps_a_training_point():
    d = moons(n=2, test_fraction=0.9)
    assert d.n_train >= 1


# --- the 2-weight models' data ------------------------------------------------------------

def test_linreg2_data_is_the_stated_line_plus_noise():
    d = linreg2_data(n=100, noise=0.1, seed=0)
    assert d.x.shape == (100, 2) and d.y.shape == (100,)
    assert (d.x >= 0).all() and (d.x < 1).all()
    assert d.true_w == LINREG2_TRUE_W == (1.0, -2.0)
    resid = d.y - d.x @ np.array(LINREG2_TRUE_W)
    assert resid.std() == pytest.approx(0.1, rel=0.25)
    again = linreg2_data(n=100, noise=0.1, seed=0)
    np.testing.assert_array_equal(d.y, again.y)


def test_linreg2_random_targets_are_uniform_and_unrelated():
    d = linreg2_data(n=2000, seed=1, random_targets=True)
    assert d.true_w is None and d.random_targets
    assert (d.y >= 0).all() and (d.y < 1).all()
    assert d.y.mean() == pytest.approx(0.5, abs=0.03)
    assert abs(np.corrcoef(d.x[:, 0], d.y)[0, 1]) < 0.1


def test_logreg2_data_is_two_balanced_blobs():
    d = logreg2_data(n=400, noise=0.5, seed=0)
    assert d.n_classes == 2 and d.n_test == 0
    assert np.bincount(d.y_train).tolist() == [200, 200]
    for c in (0, 1):
        np.testing.assert_allclose(d.x_train[d.y_train == c].mean(0), LOGREG2_CENTRES[c],
                                   atol=0.1)
