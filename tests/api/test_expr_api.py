"""A custom f(x, y) through the API: POST /api/expr, POST /api/run, the landscape tools,
GET /api/stability and WS /ws/run — exact numbers, and refusals that point at the token."""

import json

import numpy as np
import pytest
from strict_json import loads


def test_describe_gives_the_grid_the_formulas_and_the_minima(client):
    r = client.post("/api/expr?n=5", json={"expr": "(x**2 - 1)**2 + y**2",
                                           "domain": [[-2, 2], [-1, 1]]})
    assert r.status_code == 200
    d = loads(r.content)
    assert d["id"] == "expr" and d["expr"] == "(x**2 - 1)**2 + y**2"
    assert d["domain"] == [[-2, 2], [-1, 1]] and d["x"] == [-2, -1, 0, 1, 2]
    x, y = np.meshgrid(d["x"], d["y"])
    np.testing.assert_allclose(d["z"], (x**2 - 1) ** 2 + y**2, rtol=1e-15)
    assert sorted(map(tuple, d["minima"])) == [(-1, 0), (1, 0)]
    # exact derivatives, readable: d/dx (x²−1)² = 4x(x²−1)
    gx, gy = d["gradient"]
    assert gy == "2*y"
    for xv in (-1.5, 0.3, 2.0):
        assert eval(gx, {"x": xv, "y": 0.0}) == pytest.approx(4 * xv * (xv**2 - 1))  # noqa: S307 (test's own formula)
    assert d["grad_formula"].startswith("∂f/∂x = ")


def test_undefined_regions_are_null_not_errors(client):
    d = loads(client.post("/api/expr?n=5", json={"expr": "log(x) + sqrt(y)",
                                                 "domain": [[-1, 1], [-1, 1]]}).content)
    z = np.array([[np.nan if v is None else v for v in row] for row in d["z"]])
    assert np.isnan(z[:, :3]).all() and np.isnan(z[:2, :]).all()  # x ≤ 0 or y < 0
    assert np.isfinite(z[2:, 3:]).all()


@pytest.mark.parametrize("body, field, position, words", [
    ({"expr": "x + __import__('os')"}, "expr", 4, "Python internals"),
    ({"expr": "x + eval(y)"}, "expr", 4, "unknown function 'eval'"),
    ({"expr": "9**9**9"}, "expr", None, None),
    ({"expr": "x" * 300}, "expr", 200, "the limit is 200"),
    ({"expr": "(" * 100_000 + "x" + ")" * 100_000}, "expr", None, None),
    ({"expr": "2x"}, "expr", None, "2*x"),
])
def test_a_refused_expression_points_at_the_token(client, body, field, position, words):
    r = client.post("/api/expr", json=body)
    assert r.status_code == 422
    [err] = loads(r.content)["detail"]
    assert err["field"] == field and isinstance(err["position"], int)
    if position is not None:
        assert err["position"] == position
    if words is not None:
        assert words in err["message"]
    assert client.get("/api/surfaces").status_code == 200  # still answering


@pytest.mark.parametrize("body, words", [
    ({"expr": "x", "domain": [[1, 0], [0, 1]]}, "domain: the x range"),
    ({"expr": "x", "domain": [[0, 1e5], [0, 1]]}, "domain"),
    ({"expr": "x", "surface": "bowl"}, "extra"),
])
def test_bad_domains_and_fields_are_named(client, body, words):
    r = client.post("/api/expr", json=body)
    assert r.status_code == 422 and words in loads(r.content)["message"].lower()


def test_a_run_on_a_custom_f_is_exact_gradient_descent(client):
    r = client.post("/api/run", json={"expr": "x**2 + 3*y**2", "steps": 5,
                                      "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]})
    frames = loads(r.content)["runs"][0]["frames"]
    p = np.array([1.0, 1.0])
    for f in frames:
        assert f["params"] == list(p) and f["grad"] == [2 * p[0], 6 * p[1]]
        p = p - 0.1 * np.array([2 * p[0], 6 * p[1]])


def test_stepping_where_f_is_undefined_is_explained(client):
    r = client.post("/api/run", json={"expr": "log(x) + y**2", "steps": 50,
                                      "runs": [{"optimizer": "gd", "lr": 0.5, "start": [0.5, 1]}]})
    run = loads(r.content)["runs"][0]
    assert run["status"] == "diverged" and "no finite value" in run["reason"]
    assert "overflow" not in run["reason"]


# a start where the loss is a number but its slope is not: a cusp's tip, a vertical
# tangent, a slope beyond float64 — stopped at step 0, and said so (not a 500)
CUSPS = [("sqrt(x^2+y^2)", [0, 0], "(NaN, NaN)"), ("x**0.5", [0, 0], "(∞, 0)"),
         ("x**(2/3)+y**2", [0, 0], "(∞, 0)"), ("x**y", [0, 0], "(NaN, −∞)"),
         ("sqrt(x^2+y^2)", [1e-300, 0], "(∞, NaN)"), ("1/x + y^2", [1e-300, 0], "(−∞, 0)")]


@pytest.mark.parametrize("expr, start, grad", CUSPS)
def test_a_start_whose_slope_is_not_a_number_is_explained(client, expr, start, grad):
    body = {"expr": expr, "runs": [{"optimizer": "gd", "lr": 0.1, "start": start}]}
    r = client.post("/api/run", json=body)
    assert r.status_code == 200, r.text
    run = loads(r.content)["runs"][0]
    assert run["status"] == "diverged" and len(run["frames"]) == 1
    assert run["reason"].startswith("Stopped at step 0: at (")
    assert f"the gradient is {grad}" in run["reason"] and "Start elsewhere." in run["reason"]
    assert "overflow" not in run["reason"]
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "scenario": body}))
        while (m := loads(ws.receive_text()))["type"] != "done":
            assert m["type"] != "error", m
    assert m["runs"][0]["reason"] == run["reason"]
    r = client.get("/export/json", params={"expr": expr, "r0": "gd", "r0.lr": 0.1,
                                            "r0.start": ",".join(map(str, start))})
    assert r.status_code == 200, r.text


def test_a_curve_started_on_a_vertical_tangent_is_explained(client):
    r = client.post("/api/run", json={"model": {"kind": "f1d", "expr": "sqrt(x)"},
                                      "runs": [{"optimizer": "gd", "lr": 0.1, "start": [0]}]})
    assert r.status_code == 200
    assert "at x = 0 the loss is 0 but the gradient is ∞" in loads(r.content)["runs"][0]["reason"]


def test_a_start_where_f_has_no_value_is_not_called_a_step(client):
    r = client.post("/api/run", json={"expr": "x**x", "runs": [
        {"optimizer": "gd", "lr": 0.1, "start": [1e4, -1e4]}]})
    reason = loads(r.content)["runs"][0]["reason"]
    assert reason.startswith("Stopped at step 0: f has no finite value at the start (1e4, -1e4)")
    assert "landed" not in reason


def test_landscape_tools_and_stability_take_an_expr(client):
    basins = loads(client.post("/api/basins", json={
        "expr": "(x**2 - 1)**2 + y**2", "domain": [[-2, 2], [-1, 1]], "grid": {"n": 8},
        "run": {"optimizer": "gd", "lr": 0.05}, "steps": 300}).content)
    labels = np.array(basins["labels"])
    assert set(labels[:, :4].ravel()) == {basins["minima"].index([-1, 0])}  # x < 0 → (−1, 0)
    sweep = client.post("/api/sweep", json={"expr": "x**2 + 3*y**2", "run": {"optimizer": "gd", "start": [1, 1]},
                                            "lrs": [0.1, 0.5]})
    assert [p["status"] for p in loads(sweep.content)["points"]] == ["converged", "diverged"]
    st = loads(client.get("/api/stability", params={"expr": "x**2 + 3*y**2", "x": 1, "y": 1}).content)
    assert st["lam_max"] == 6 and st["bounds"]["gd"]["max_lr"] == pytest.approx(1 / 3)
    r = client.get("/api/stability", params={"expr": "x +", "x": 1, "y": 1})
    assert r.status_code == 422 and loads(r.content)["detail"][0]["field"] == "expr"


def test_the_stream_runs_a_custom_f(client):
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "scenario": {
            "expr": "x**2 + y**2", "runs": [{"optimizer": "gd", "lr": 0.25, "start": [2, 0]}]}}))
        ws.send_text(json.dumps({"type": "pause"}))
        ws.send_text(json.dumps({"type": "step", "count": 1}))
        seen = []
        while len(seen) < 2:
            m = loads(ws.receive_text())
            if m["type"] == "frames":
                seen += [f["params"] for f in m["frames"]]
        assert seen[:2] == [[2, 0], [1, 0]]  # w − η·2w with η = 1/4
    r = client.post("/api/run", json={"expr": "x ; import os"})
    assert r.status_code == 422


def test_reasons_say_what_holds_a_run_not_a_guess(client):
    """A clip far below the gradient is what keeps a run still (not a plateau); a flat
    start gives no sign of a minimum either way; a minimum reached exactly one step
    before the step that confirmed it is said to be reached there."""
    def reason(body):
        return loads(client.post("/api/run", json=body).content)["runs"][0]["reason"]
    clipped = reason({"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1,
                                                   "start": [1, 1], "clip_norm": 1e-300}]})
    assert "because clipping caps each gradient at norm 1e-300, far below ‖∇L‖ = 2.83" in clipped
    assert "plateau" not in clipped and "tiny" not in clipped
    flat = reason({"expr": "max(abs(x),abs(y))", "runs": [{"optimizer": "gd", "lr": 0.1,
                                                          "start": [0, 0]}]})
    assert "no minimum is near" not in flat and "no sign of where a minimum is" in flat
    one = reason({"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.5, "start": [1, 1]}]})
    assert one == ("Converged in 2 steps to (0, 0), the global minimum, with loss 0 — it got "
                   "there at step 1, and the step after did not move it.")
    slow = reason({"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1, "start": [1, 1]}]})
    assert "got there" not in slow
