"""The 1D kind f1d over HTTP and in links: named curves and a typed f(x) through the same
routes as every kind — the link reader and writer, POST /api/model and /api/run, the stream,
the exports, GET /api/stability (2/f″) and POST /api/sweep; basins and scatter refuse it
naming why; bad input is a 422 naming the field."""

import json

import pytest

from gdviz.engine.curves import CURVES
from gdviz.scenarios.url import scenario_from_query, scenario_to_query
from strict_json import loads

LINK = {"v": "1", "model": "f1d", "model.f": "two_wells", "r0": "gd", "r0.lr": "0.05",
        "r0.start": "1.8", "r1": "adam", "r1.lr": "0.1", "r1.start": "-1.9", "steps": "200"}


def query(link):
    return "&".join(f"{k}={v}" for k, v in link.items())


def test_a_link_reads_and_writes_back_the_same():
    scenario, warnings = scenario_from_query(LINK)
    assert warnings == [] and scenario.model.f == "two_wells" and scenario.runs[1].start == [-1.9]
    assert scenario_from_query(scenario_to_query(scenario)) == (scenario, [])
    typed, warnings = scenario_from_query({"v": "1", "model": "f1d", "model.expr": "x^4-3*x",
                                           "model.x_min": "-2", "r0": "gd"})
    assert warnings == [] and typed.model.expr == "x^4-3*x" and typed.model.x_min == -2
    assert scenario_from_query(scenario_to_query(typed)) == (typed, [])


@pytest.mark.parametrize("bad, key", [({"model.f": "sinc"}, "model.f"),
                                      ({"model.expr": "x^2+y"}, "model.expr"),
                                      ({"model.x_min": "-2"}, "model.x_min")])
def test_a_bad_field_in_a_link_is_dropped_with_a_warning(bad, key):
    scenario, warnings = scenario_from_query({**LINK, **bad})
    assert [w.key for w in warnings] == [key]
    assert scenario.model.expr is None


@pytest.mark.parametrize("curve", list(CURVES))
def test_every_named_curve_is_described_and_runs(client, curve):
    desc = loads(client.post("/api/model", json={"kind": "f1d", "f": curve}).content)
    assert desc["dim"] == 1 and len(desc["curve"]["x"]) == len(desc["curve"]["f"])
    assert desc["minima"] == list(CURVES[curve].minima) and desc["start"] == [CURVES[curve].start]
    r = client.post("/api/run", json={"model": {"kind": "f1d", "f": curve}, "steps": 50,
                                      "runs": [{"optimizer": o, "lr": 0.01} for o in
                                               ("gd", "momentum", "nesterov", "adam", "rmsprop")]})
    assert r.status_code == 200
    for run in loads(r.content)["runs"]:
        f0 = run["frames"][0]
        assert f0["params"] == [CURVES[curve].start] and len(f0["grad"]) == 1
        assert run["reason"] and "grad_norm" in f0


def test_reasons_say_x_and_the_bound_two_over_f_second(client):
    r = client.post("/api/run", json={"model": {"kind": "f1d"}, "steps": 100,
                                      "runs": [{"optimizer": "gd", "lr": 1.1},
                                               {"optimizer": "gd", "lr": 0.1}]})
    wild, calm = loads(r.content)["runs"]
    assert wild["status"] == "diverged"
    assert "η 1.1 > 2/f″ = 1 (f″ = 2 is the curvature of f at the minimum x = 0)" in wild["reason"]
    assert calm["reason"].startswith("Converged in 64 steps to x = ")


def test_bad_input_names_the_field(client):
    for body, field in (({"model": {"kind": "f1d"}, "runs": [{"start": [1, 2]}]}, "runs.0.start"),
                        ({"model": {"kind": "f1d", "f": "quadratic", "expr": "x^2"}}, "model"),
                        ({"model": {"kind": "f1d", "expr": "x^2", "x_min": 3, "x_max": 1}}, "model"),
                        ({"model": {"kind": "f1d", "x_max": 1}}, "model"),
                        ({"model": {"kind": "f1d"}, "runs": [{"init": "he"}]}, "runs.0.init")):
        r = client.post("/api/run", json=body)
        assert r.status_code == 422 and r.json()["detail"][0]["field"].startswith(field), r.text
    r = client.post("/api/run", json={"model": {"kind": "f1d", "expr": "x^2 + y"}})
    assert r.status_code == 422 and "a function of x only" in r.json()["message"]


def test_the_stream_sends_one_weight(client):
    scenario, _ = scenario_from_query(LINK)
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(json.dumps({"type": "start", "paused": True,
                                 "scenario": scenario.model_dump(exclude_none=True)}))
        ws.send_text(json.dumps({"type": "step", "count": 2}))
        frames = []
        while len(frames) < 6:
            message = json.loads(ws.receive_text())
            assert message["type"] != "error", message
            frames += message.get("frames", [])
    assert all(len(f["params"]) == 1 and len(f["update"]) == 1 for f in frames)
    assert frames[0]["params"] == [1.8]


def test_exports_csv_json_and_the_offline_page(client):
    csv = client.get(f"/export/csv?{query(LINK)}")
    assert csv.status_code == 200 and csv.text.splitlines()[0].split(",")[8:11] == ["p0", "g0", "u0"]
    assert client.get(f"/export/json?{query(LINK)}").status_code == 200
    html = client.get(f"/export/html?{query(LINK)}")
    assert html.status_code == 200 and "views/curve.js" in html.text and ".curve-step" in html.text


def test_stability_takes_x_alone_and_gives_two_over_f_second(client):
    r = loads(client.get("/api/stability?model=f1d&model.f=two_wells&x=1.5").content)
    assert r["point"] == [pytest.approx(CURVES["two_wells"].minima[1])] and r["is_minimum"]
    f2 = 12 * r["point"][0] ** 2 - 4
    assert r["lam_max"] == pytest.approx(f2) and r["bounds"]["gd"]["formula"] == "2/f″"
    assert r["bounds"]["gd"]["max_lr"] == pytest.approx(2 / f2)
    bad = client.get("/api/stability?model=f1d&x=1&y=0")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "y"


def test_the_sweep_takes_a_curve_and_basins_refuse_it(client):
    r = client.post("/api/sweep", json={"model": {"kind": "f1d"}, "run": {"start": [1.5]},
                                        "lrs": [0.1, 0.9, 1.1], "steps": 100})
    body = loads(r.content)
    assert [p["status"] for p in body["points"]] == ["converged", "converged", "diverged"]
    assert body["bound"] == 1.0 and body["formula"] == "2/f″" and body["minimum"] == [0.0]
    for route in ("basins", "scatter"):
        r = client.post(f"/api/{route}", json={"model": {"kind": "f1d"}})
        assert r.status_code == 422 and "one weight" in r.json()["message"]
    r = client.post("/api/sweep", json={"model": {"kind": "f1d"}, "run": {"start": [1, 2]}})
    assert r.status_code == 422 and "one number [x]" in r.json()["message"]


def test_a_schedule_and_a_race_run_on_a_curve(client):
    r = client.post("/api/run", json={"model": {"kind": "f1d", "f": "ripples"}, "steps": 60,
                                      "runs": [{"optimizer": "gd", "lr": 0.02, "schedule": "cosine",
                                                "T_max": 60},
                                               {"optimizer": "adam", "lr": 0.1, "start": [-4.0]}]})
    cosine, adam = loads(r.content)["runs"]
    lrs = [f["lr"] for f in cosine["frames"]]
    assert lrs[0] == 0.02 and all(b <= a for a, b in zip(lrs, lrs[1:])) and lrs[-1] < 0.01
    assert adam["frames"][0]["params"] == [-4.0]
