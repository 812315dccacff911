"""The image sets: the shipped digits file (exactly scikit-learn's, with its attribution
and licence), stratified draws and splits, seeding, and the synthetic shapes — each class
drawn as its name says, the noise knob doing what it says."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from gdviz.engine.nets import images
from gdviz.engine.nets.images import SHAPES, digits, digits_available, make_images, shapes

SKLEARN_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def test_the_digits_file_is_scikit_learns_with_its_attribution_and_licence():
    data = images.DIGITS_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SKLEARN_SHA256
    x, y = images._digit_file()
    assert x.shape == (1797, 8, 8) and y.shape == (1797,)
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert x.min() == 0 and x.max() == 1  # 0 … 16 divided by 16
    readme = (images.DIGITS_FILE.parent / "README.md").read_text()
    for fact in ("Alpaydin", "Kaynak", "UCI Machine Learning Repository",
                 "Creative Commons Attribution 4.0", SKLEARN_SHA256, "CC-BY-4.0.txt"):
        assert fact in readme
    licence = (images.DIGITS_FILE.parent / "CC-BY-4.0.txt").read_text()
    assert licence.startswith("Attribution 4.0 International")
    assert "Section 3 -- License Conditions." in licence


def test_digits_draw_each_class_in_proportion_and_split_stratified():
    d = digits(n=320, seed=0)
    assert (d.n_train, d.n_test) == (256, 64) and d.size == 8
    counts = np.bincount(np.concatenate([d.y_train, d.y_test]), minlength=10)
    have = np.bincount(images._digit_file()[1])
    assert counts.sum() == 320 and (np.abs(counts - 320 * have / have.sum()) <= 1).all()
    assert np.bincount(d.y_test, minlength=10).min() >= 6
    assert d.class_names == tuple("0123456789")
    every = digits(n=1797, test_fraction=0.0)
    assert every.n_train == 1797 and every.n_test == 0
    three = digits(n=100, classes=3)
    assert set(three.y_train) == {0, 1, 2} and three.class_names == ("0", "1", "2")


def test_digits_refuse_what_the_file_does_not_have():
    assert digits_available(2) == 178 + 182
    with pytest.raises(ValueError, match="n must be at most 360: the digits 0–1 have 360"):
        digits(n=361, classes=2)
    with pytest.raises(ValueError, match="size: the digits are 8×8 images"):
        make_images("digits", n=100, size=12)
    with pytest.raises(ValueError, match="classes must be between 2 and 10"):
        digits(classes=11)


def test_same_seed_same_images_and_another_seed_others():
    for make in (lambda s: digits(n=200, seed=s, noise=0.1), lambda s: shapes(n=40, seed=s)):
        a, b, c = make(1), make(1), make(2)
        np.testing.assert_array_equal(a.x_train, b.x_train)
        np.testing.assert_array_equal(a.y_test, b.y_test)
        assert not np.array_equal(a.x_train, c.x_train)


def _on(img: np.ndarray) -> np.ndarray:
    return np.argwhere(img > 0.5)


@pytest.mark.parametrize("size", [8, 11, 16])
def test_each_shape_is_what_its_name_says(size):
    d = shapes(n=200, size=size, test_fraction=0.0, seed=size)
    assert d.class_names == SHAPES and d.x_train.shape == (200, size, size)
    assert np.bincount(d.y_train).tolist() == [50] * 4
    assert set(np.unique(d.x_train)) == {0.0, 1.0}  # noise 0: clean black and white
    for img, label in zip(d.x_train, d.y_train):
        pts = _on(img)
        rows, cols = set(pts[:, 0]), set(pts[:, 1])
        name = SHAPES[label]
        if name == "bars":
            assert len(rows) == 1 or len(cols) == 1
            assert len(pts) >= size // 2
        elif name == "crosses":
            arm = (len(pts) - 1) // 4
            assert len(pts) == 4 * arm + 1 and arm >= 2
            assert len(rows) == len(cols) == 2 * arm + 1
        elif name == "squares":
            side = max(rows) - min(rows) + 1
            assert side == max(cols) - min(cols) + 1 >= 4
            assert len(pts) == 4 * (side - 1)  # an outline
        else:
            diag = {r - c for r, c in pts} if len({r - c for r, c in pts}) == 1 else \
                {r + c for r, c in pts}
            assert len(diag) == 1 and len(pts) >= size // 2
        assert not img[0].any() or name != "squares"  # shapes keep off the top row


def test_noise_is_the_pixels_standard_deviation():
    clean = shapes(n=300, seed=0)
    noisy = shapes(n=300, seed=0, noise=0.5)
    # the same shapes are drawn first, then the noise: the difference is the noise
    diff = noisy.x_train - clean.x_train
    assert diff.std() == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match="noise must be between 0 and 2"):
        shapes(noise=3)
    with pytest.raises(ValueError, match="size must be between 8 and 16"):
        shapes(size=20)
    with pytest.raises(ValueError, match="classes must be between 2 and 4 for shapes"):
        shapes(classes=5)
