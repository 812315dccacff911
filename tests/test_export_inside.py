"""The offline export carries what the inside views need (export_html.inside_json): the
link's tab, point, stage and net.mode; on 2 weights each frame's update terms, as the
stream sends them; and for the backprop or softmax tab the point's trace at every frame,
as POST /api/trace answers it."""

import json

import numpy as np
from local_client import local_client

from gdviz.export_html import player_data
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate
from gdviz.scenarios.view import View
from gdviz.streaming.session import StreamSession
from strict_json import loads


def test_a_backprop_export_carries_the_points_trace_at_every_frame():
    p = PRESETS["backprop-xor"]
    sc = p.scenario.model_copy(update={"steps": 12})
    runs = simulate(sc)
    inside = player_data(sc, runs, "today", p.view)["inside"]
    assert inside["tabs"] == ["net", "backprop", "head"]
    assert inside["view"] == {"tab": "backprop", "point": 0, "stage": "forward", "net_mode": "weights"}
    traces = inside["traces"][0]
    assert len(traces) == len(runs[0]["frames"]) == 13
    with local_client() as c:
        for k in (0, 5, 12):
            want = loads(c.post("/api/trace", json={
                "scenario": sc.model_dump(mode="json"), "params": runs[0]["frames"][k]["params"],
                "sample": 0, "step": k}).content)
            assert traces[k] == want
    json.dumps(inside, allow_nan=False)


def test_other_tabs_carry_no_traces_and_a_surface_carries_the_stream_s_terms():
    net = Scenario.model_validate({"model": {"kind": "mlp", "hidden": [3]}, "steps": 5})
    inside = player_data(net, simulate(net), "today", View(tab="net"))["inside"]
    assert inside["traces"] is None and inside["opt"] is None and inside["view"]["tab"] == "net"
    sc = {"surface": "himmelblau", "steps": 20, "runs": [{"optimizer": "adam", "lr": 0.1},
                                                        {"optimizer": "nesterov", "lr": 0.01}]}
    scenario = Scenario.model_validate(sc)
    inside = player_data(scenario, simulate(scenario), "today", View(tab="step"))["inside"]
    assert inside["tabs"] == ["step"] and inside["view"]["tab"] == "step"
    s = StreamSession()
    out = s.handle(json.dumps({"type": "start", "paused": True, "scenario": sc}), 0.0)
    out += s.handle(json.dumps({"type": "step", "count": 20}), 0.0)
    frames = [f for m in out if m["type"] == "frames" for f in m["frames"]]
    for run in (0, 1):
        streamed = [f["opt"] for f in frames if f["run"] == run]
        assert inside["opt"][run] == streamed
    assert all(np.isfinite(v) for v in inside["opt"][0][3]["g"])
