"""Surfaces: exact formulas, gradients and Hessians vs finite differences / complex step,
known minima and known values, vectorisation over runs."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from gdviz.engine.surfaces import SURFACES, get_surface, grid

EPS = np.finfo(float).eps
H = 1e-6  # central-difference step
N_POINTS = 24

IDS = ["bowl", "ravine", "saddle", "plateau", "two_wells", "rosenbrock", "himmelblau",
       "rastrigin", "ackley", "beale", "booth", "six_hump_camel", "styblinski_tang"]


# Independent reference formulas, written from the textbook definitions.
def _ackley(x, y):
    return (-20 * np.exp(-0.2 * np.sqrt(0.5 * (x**2 + y**2)))
            - np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y))) + np.e + 20)


REFERENCE = {
    "bowl": lambda x, y: x**2 + y**2,
    "ravine": lambda x, y: x**2 + 10 * y**2,
    "saddle": lambda x, y: x**2 - y**2,
    "plateau": lambda x, y: 1 - np.exp(-(x**2 + y**2) / 2),
    "two_wells": lambda x, y: (x**2 - 1) ** 2 + 0.3 * x + y**2,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "rastrigin": lambda x, y: (20 + x**2 - 10 * np.cos(2 * np.pi * x)
                               + y**2 - 10 * np.cos(2 * np.pi * y)),
    "ackley": _ackley,
    "beale": lambda x, y: ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
                           + (2.625 - x + x * y**3) ** 2),
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "six_hump_camel": lambda x, y: ((4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y
                                    + (-4 + 4 * y**2) * y**2),
    "styblinski_tang": lambda x, y: 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y),
}


def random_points(sid: str, n: int = N_POINTS) -> np.ndarray:
    """n seeded points (n, 2) inside the surface's domain (Ackley: away from its kink at 0)."""
    s = SURFACES[sid]
    rng = np.random.default_rng(zlib.crc32(sid.encode()))
    (x0, x1), (y0, y1) = s.domain
    pts = []
    while len(pts) < n:
        p = rng.uniform([x0, y0], [x1, y1])
        if sid == "ackley" and np.hypot(*p) < 0.1:
            continue
        pts.append(p)
    return np.array(pts)


def fd_atol(scale, h=H):
    """Rounding error of a central difference of values of size ``scale`` (with margin)."""
    return 1e3 * EPS * (1 + np.abs(scale)) / h


def assert_close(actual, expected, rtol, atol):
    """Elementwise |actual − expected| ≤ rtol·|expected| + atol, with atol per element."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    err = np.abs(actual - expected)
    allowed = rtol * np.abs(expected) + atol
    bad = ~(err <= allowed)
    assert not bad.any(), (f"{bad.sum()} of {bad.size} differ; worst at {np.argmax(err - allowed)}: "
                           f"actual {actual.ravel()[np.argmax(err - allowed)]!r}, "
                           f"expected {expected.ravel()[np.argmax(err - allowed)]!r}")


# --- registry -----------------------------------------------------------------

def test_registry_has_exactly_the_documented_ids():
    assert sorted(SURFACES) == sorted(IDS)
    for sid in IDS:
        assert SURFACES[sid].id == sid
        assert get_surface(sid) is SURFACES[sid]
    with pytest.raises(KeyError):
        get_surface("no_such_surface")


@pytest.mark.parametrize("sid", IDS)
def test_value_is_the_documented_formula(sid):
    s = SURFACES[sid]
    p = random_points(sid)
    x, y = p[:, 0], p[:, 1]
    np.testing.assert_allclose(s.value(x, y), REFERENCE[sid](x, y), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("sid", IDS)
def test_metadata_is_sane(sid):
    s = SURFACES[sid]
    (x0, x1), (y0, y1) = s.domain
    assert x0 < x1 and y0 < y1
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    assert s.lr > 0
    for mx, my in s.minima:
        assert x0 <= mx <= x1 and y0 <= my <= y1, (sid, mx, my)


# --- gradient and Hessian vs finite differences --------------------------------

@pytest.mark.parametrize("sid", IDS)
def test_gradient_matches_central_differences(sid):
    s = SURFACES[sid]
    p = random_points(sid)
    x, y = p[:, 0], p[:, 1]
    gx, gy = s.grad(x, y)
    f = np.abs(s.value(x, y))
    fd_x = (s.value(x + H, y) - s.value(x - H, y)) / (2 * H)
    fd_y = (s.value(x, y + H) - s.value(x, y - H)) / (2 * H)
    assert_close(gx, fd_x, rtol=1e-6, atol=fd_atol(f))
    assert_close(gy, fd_y, rtol=1e-6, atol=fd_atol(f))


@pytest.mark.parametrize("sid", IDS)
def test_hessian_matches_central_differences_of_gradient(sid):
    s = SURFACES[sid]
    p = random_points(sid)
    x, y = p[:, 0], p[:, 1]
    hxx, hxy, hyy = np.broadcast_arrays(*s.hess(x, y))
    gxp, gyp = s.grad(x + H, y)
    gxm, gym = s.grad(x - H, y)
    gxq, gyq = s.grad(x, y + H)
    gxr, gyr = s.grad(x, y - H)
    gscale = np.max(np.abs(np.array([gxp, gyp, gxm, gym, gxq, gyq, gxr, gyr])), axis=0)
    tol = dict(rtol=1e-6, atol=fd_atol(gscale))
    assert_close(hxx, (gxp - gxm) / (2 * H), **tol)
    assert_close(hyy, (gyq - gyr) / (2 * H), **tol)
    assert_close(hxy, (gyp - gym) / (2 * H), **tol)  # ∂/∂x of ∂f/∂y
    assert_close(hxy, (gxq - gxr) / (2 * H), **tol)  # ∂/∂y of ∂f/∂x


HC = 1e-30  # complex step: f'(x) = Im f(x + ih)/h, no subtractive cancellation


def _complex_or_skip(fn, *args):
    try:
        with np.errstate(all="ignore"):
            out = fn(*args)
    except (TypeError, ValueError) as e:  # pragma: no cover - only if a surface is not analytic
        pytest.skip(f"not complex-differentiable: {e}")
    return out


@pytest.mark.parametrize("sid", IDS)
def test_gradient_matches_complex_step(sid):
    s = SURFACES[sid]
    p = random_points(sid)
    x, y = p[:, 0], p[:, 1]
    gx, gy = s.grad(x, y)
    cs_x = np.imag(_complex_or_skip(s.value, x + 1j * HC, y)) / HC
    cs_y = np.imag(_complex_or_skip(s.value, x, y + 1j * HC)) / HC
    scale = 1 + np.abs(s.value(x, y)) + np.abs(gx) + np.abs(gy)
    np.testing.assert_allclose(gx, cs_x, rtol=1e-11, atol=1e-12 * scale.max())
    np.testing.assert_allclose(gy, cs_y, rtol=1e-11, atol=1e-12 * scale.max())


@pytest.mark.parametrize("sid", IDS)
def test_hessian_matches_complex_step_of_gradient(sid):
    s = SURFACES[sid]
    p = random_points(sid)
    x, y = p[:, 0], p[:, 1]
    hxx, hxy, hyy = np.broadcast_arrays(*s.hess(x, y))
    gx_dx, gy_dx = (np.imag(np.asarray(v, dtype=complex)) / HC
                    for v in _complex_or_skip(s.grad, x + 1j * HC, y))
    gx_dy, gy_dy = (np.imag(np.asarray(v, dtype=complex)) / HC
                    for v in _complex_or_skip(s.grad, x, y + 1j * HC))
    gx, gy = s.grad(x, y)
    scale = (1 + np.abs(gx) + np.abs(gy) + np.abs(hxx) + np.abs(hyy)).max()
    tol = dict(rtol=1e-10, atol=1e-11 * scale)
    np.testing.assert_allclose(hxx, gx_dx, **tol)
    np.testing.assert_allclose(hyy, gy_dy, **tol)
    np.testing.assert_allclose(hxy, gy_dx, **tol)
    np.testing.assert_allclose(hxy, gx_dy, **tol)


# --- minima ---------------------------------------------------------------------

WITH_MINIMA = [sid for sid in IDS if sid != "saddle"]


def test_saddle_has_no_minimum_and_an_indefinite_hessian():
    s = SURFACES["saddle"]
    assert s.minima == ()
    h = s.hessian(np.array([[0.0, 0.0]]))[0]
    eig = np.linalg.eigvalsh(h)
    assert eig[0] < 0 < eig[1]


@pytest.mark.parametrize("sid", WITH_MINIMA)
def test_every_listed_minimum_is_a_minimum(sid):
    s = SURFACES[sid]
    m = s.minima_array()
    assert m.shape[0] >= 1
    loss, g = s.loss_and_grad(m)
    scale = 1 + np.abs(loss)[:, None]
    assert np.all(np.abs(g) <= 1e-8 * scale), (sid, g)
    hess = s.hessian(m)
    for k, hk in enumerate(hess):
        if sid == "ackley" and np.allclose(m[k], 0):
            # a kink: the engine documents an infinite curvature there
            assert hk[0, 0] == np.inf and hk[1, 1] == np.inf
        else:
            assert np.allclose(hk, hk.T)
            assert np.linalg.eigvalsh(hk)[0] > 0, (sid, m[k], hk)
        # and it is lower than every point on a small circle around it
        a = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = m[k] + 1e-3 * np.stack([np.cos(a), np.sin(a)], 1)
        assert np.all(s.loss_and_grad(ring)[0] > loss[k]), (sid, m[k])


@pytest.mark.parametrize("sid", WITH_MINIMA)
def test_first_minimum_is_lowest(sid):
    s = SURFACES[sid]
    loss = s.loss_and_grad(s.minima_array())[0]
    assert loss[0] <= loss.min() + 1e-12 * (1 + abs(loss.min()))


@pytest.mark.parametrize("sid,value", [
    ("bowl", 0.0), ("ravine", 0.0), ("plateau", 0.0), ("rosenbrock", 0.0),
    ("himmelblau", 0.0), ("rastrigin", 0.0), ("ackley", 0.0), ("beale", 0.0), ("booth", 0.0),
    ("six_hump_camel", -1.0316284534898774), ("styblinski_tang", -78.33233140754282),
    ("two_wells", None),
])
def test_global_minimum_values(sid, value):
    s = SURFACES[sid]
    f0 = float(s.loss_and_grad(s.minima_array()[:1])[0][0])
    if value is None:  # two_wells: (x² − 1)² + 0.3x at the left root of 4x³ − 4x + 0.3
        x = s.minima[0][0]
        assert abs(4 * x**3 - 4 * x + 0.3) < 1e-12
        value = (x * x - 1) ** 2 + 0.3 * x
        assert x < 0 < s.minima[1][0]  # the global minimum is the left well
    assert f0 == pytest.approx(value, abs=1e-12)


def test_rosenbrock_known_value_and_gradient():
    loss, g = SURFACES["rosenbrock"].loss_and_grad(np.array([[-1.5, 2.0]]))
    assert loss[0] == 12.5
    assert g[0].tolist() == [-155.0, -50.0]


def test_himmelblau_has_four_distinct_zero_minima():
    s = SURFACES["himmelblau"]
    m = s.minima_array()
    assert m.shape == (4, 2)
    assert np.all(s.loss_and_grad(m)[0] < 1e-20)
    assert np.min([np.linalg.norm(a - b) for i, a in enumerate(m) for b in m[i + 1:]]) > 1
    assert np.allclose(m[0], [3.0, 2.0])
    # one in each quadrant
    assert sorted(map(tuple, np.sign(m).astype(int).tolist())) == [(-1, -1), (-1, 1), (1, -1), (1, 1)]


def test_two_wells_local_minimum_is_near_0_96():
    s = SURFACES["two_wells"]
    assert s.minima[1][0] == pytest.approx(0.96, abs=1e-2)
    assert s.minima[1][1] == 0.0


# --- vectorisation -----------------------------------------------------------------

@pytest.mark.parametrize("sid", IDS)
def test_many_runs_equal_each_run_alone(sid):
    s = SURFACES[sid]
    p = random_points(sid, 12)
    loss, g = s.loss_and_grad(p)
    hess = s.hessian(p)
    assert loss.shape == (12,) and g.shape == (12, 2) and hess.shape == (12, 2, 2)
    for r in range(12):
        l1, g1 = s.loss_and_grad(p[r:r + 1])
        assert l1.shape == (1,) and g1.shape == (1, 2)
        np.testing.assert_array_equal(l1[0], loss[r])
        np.testing.assert_array_equal(g1[0], g[r])
        np.testing.assert_array_equal(s.hessian(p[r:r + 1])[0], hess[r])
        # and the scalar functions on plain floats agree too (to the last ulp or so:
        # scalar and array x**4 may round differently)
        assert float(s.value(p[r, 0], p[r, 1])) == pytest.approx(loss[r], rel=1e-14, abs=1e-14)


@pytest.mark.parametrize("sid", IDS)
def test_grid_is_value_on_mesh(sid):
    s = SURFACES[sid]
    xs, ys, z = grid(s, 7)
    assert z.shape == (7, 7)
    for i in (0, 3, 6):
        for j in (0, 2, 5):
            assert z[i, j] == pytest.approx(REFERENCE[sid](xs[j], ys[i]), rel=1e-12, abs=1e-12)
