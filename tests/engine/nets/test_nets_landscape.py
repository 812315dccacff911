"""Loss-landscape slices: filter-normalised random planes, PCA planes of a path,
the G×G grid in one batched call, projections of a path onto the plane."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nets import landscape as ls
from gdviz.engine.nets.datasets import moons
from gdviz.engine.nets.linear import make_linreg2
from gdviz.engine.nets.mlp import MLP
from gdviz.engine.optimizers import OPTIMIZERS, defaults, hyper_arrays
from gdviz.engine.runs import Batch, run_to_end

DATA = moons(n=120, noise=0.15, test_fraction=0.25, seed=0)
NET = MLP(DATA, (6, 5), "tanh")


def trained_path(steps=60):
    b = Batch(NET, OPTIMIZERS["adam"], hyper_arrays([{**defaults("adam"), "lr": 0.02}]),
              NET.init_params("xavier", 0), steps)
    return run_to_end(b).params[:, 0]


PATH = trained_path()


def test_random_plane_is_filter_normalised():
    centre = PATH[-1]
    plane = ls.random_plane(NET, centre, seed=4)
    assert plane.directions.shape == (2, NET.dim) and plane.kind == "random"
    for (w_dir, b_dir), (w, _) in zip(NET.unpack(plane.directions), NET.unpack(centre[None])):
        assert not b_dir.any()  # biases stay put
        # each neuron's part (a column of W: its incoming weights) has the weights' norm
        np.testing.assert_allclose(np.linalg.norm(w_dir, axis=1),
                                   np.repeat(np.linalg.norm(w, axis=1), 2, axis=0), rtol=1e-12)
    again = ls.random_plane(NET, centre, seed=4)
    np.testing.assert_array_equal(plane.directions, again.directions)
    assert not np.array_equal(plane.directions, ls.random_plane(NET, centre, seed=5).directions)


def test_random_plane_around_zero_weights_keeps_unit_directions():
    plane = ls.random_plane(NET, NET.init_params("zeros", 0)[0], seed=0)
    for w_dir, _ in NET.unpack(plane.directions):
        np.testing.assert_allclose(np.linalg.norm(w_dir, axis=1), 1.0, rtol=1e-12)


def test_pca_plane_of_a_path_in_a_known_plane():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((NET.dim, 2)))
    u, v = q.T
    centre = rng.standard_normal(NET.dim)
    t = np.linspace(0, 1, 30)
    coords = np.column_stack([-3 * (1 - t), -(1 - t) * np.cos(6 * t)])  # spirals into θ*
    path = centre + coords @ np.stack([u, v])
    plane = ls.pca_plane(path)
    np.testing.assert_allclose(plane.centre, centre)
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    assert plane.explained.sum() == pytest.approx(1.0)
    assert plane.explained[0] >= plane.explained[1]
    got, off = ls.project(plane, path)
    assert np.abs(off).max() < 1e-10
    assert (got[0] <= 0).all()  # oriented: the path comes from the lower left
    # the same coordinates up to a rotation/reflection of the plane
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), np.linalg.norm(coords, axis=1),
                               rtol=1e-9, atol=1e-12)


def test_pca_plane_of_a_real_training_path():
    plane = ls.pca_plane(PATH)
    coords, off = ls.project(plane, PATH)
    np.testing.assert_allclose(coords[-1], 0, atol=1e-12)
    assert plane.explained.sum() > 0.5
    # the residual off the plane is what the two directions miss
    m = PATH - PATH[-1]
    missed = 1 - plane.explained.sum()
    assert (off**2).sum() == pytest.approx(missed * (m**2).sum(), rel=1e-9)


def test_pca_plane_needs_a_path_that_spans_a_plane():
    with pytest.raises(ValueError, match="at least 3"):
        ls.pca_plane(PATH[:2])
    line = PATH[0] + np.outer(np.linspace(0, 1, 10), np.ones(NET.dim))
    with pytest.raises(ValueError, match="line or a point"):
        ls.pca_plane(line)


def test_projection_onto_a_non_orthogonal_plane_is_least_squares():
    plane = ls.random_plane(NET, PATH[-1], seed=1)
    point = PATH[-1] + 0.3 * plane.directions[0] - 0.7 * plane.directions[1]
    coords, off = ls.project(plane, point[None])
    np.testing.assert_allclose(coords[0], [0.3, -0.7], rtol=1e-10)
    assert off[0] < 1e-10


@pytest.mark.parametrize("kind", ["random", "pca"])
def test_loss_on_plane_is_one_batched_call_equal_to_point_by_point(kind):
    plane = ls.random_plane(NET, PATH[-1], 0) if kind == "random" else ls.pca_plane(PATH)
    alphas, betas = np.linspace(-1, 1, 7), np.linspace(-0.5, 1.5, 5)
    calls = []

    class Counting:
        def loss(self, params, split="train"):
            calls.append(params.shape)
            return NET.loss(params, split)

    z = ls.loss_on_plane(Counting(), plane, alphas, betas)
    assert z.shape == (5, 7) and calls == [(35, NET.dim)]
    for i, j in [(0, 0), (2, 3), (4, 6), (1, 5)]:
        point = plane.centre + alphas[j] * plane.directions[0] + betas[i] * plane.directions[1]
        assert z[i, j] == pytest.approx(NET.loss(point[None])[0], rel=1e-12)
    centre = ls.loss_on_plane(NET, plane, [0.0], [0.0])
    assert centre[0, 0] == pytest.approx(NET.loss(PATH[-1][None])[0], rel=1e-13)
    test = ls.loss_on_plane(NET, plane, [0.0], [0.0], split="test")
    assert test[0, 0] == pytest.approx(NET.loss(PATH[-1][None], split="test")[0], rel=1e-13)


def test_loss_on_plane_at_the_largest_grid_and_limits():
    plane = ls.pca_plane(PATH)
    g = np.linspace(-2, 2, ls.MAX_GRID)
    z = ls.loss_on_plane(NET, plane, g, g)
    assert z.shape == (64, 64) and np.isfinite(z).all()
    with pytest.raises(ValueError, match="1 to 64"):
        ls.loss_on_plane(NET, plane, np.linspace(-1, 1, 65), g)


def test_loss_on_plane_works_for_any_engine_objective():
    lin = make_linreg2()
    plane = ls.Plane(np.array(lin.minima[0]), np.eye(2), "axes")
    z = ls.loss_on_plane(lin, plane, [0.0, 1.0], [0.0, -1.0])
    w1, w2 = lin.minima[0]
    np.testing.assert_allclose(z, [[lin.value(w1, w2), lin.value(w1 + 1, w2)],
                                   [lin.value(w1, w2 - 1), lin.value(w1 + 1, w2 - 1)]],
                               rtol=1e-13)


def test_span_holds_the_path():
    lo, hi = ls.span_of(np.array([[0.2, -3.0], [1.0, 0.5]]))
    assert lo == -hi and hi == pytest.approx(3.75)
    assert ls.span_of(np.zeros((3, 2))) == (-1.0, 1.0)
