"""No 5xx and no dead socket at any nesting depth (gdviz/scenarios/nesting.py): depths
1 … 2,000 in REST bodies, both sockets and links. Up to MAX_DEPTH the request is
validated as usual (a 4xx naming the field); deeper, it is refused before anything
parses it, naming the limit."""

from __future__ import annotations

import json
import urllib.parse

from hypothesis import example, given, settings, strategies as st
from strict_json import loads

from gdviz.scenarios.nesting import MAX_DEPTH, depth

def over_depths(*examples: int):
    """A property over depths 1 … 2,000 (deterministic examples), and these edges."""
    def decorate(test):
        for e in reversed(examples):
            test = example(e)(test)
        return settings(max_examples=40, derandomize=True, deadline=None)(
            given(st.integers(min_value=1, max_value=2000))(test))
    return decorate


def nested(d: int):
    """A number inside d nested lists."""
    v = 1.0
    for _ in range(d):
        v = [v]
    return v


def run_with(field: str, d: int) -> str:
    marker = '"@@"'
    body = json.dumps({"surface": "bowl", "steps": 5,
                       "runs": [{"optimizer": "adam", "lr": 0.1, field: "@@"}]})
    return body.replace(marker, "[" * d + "1" + "]" * d)


@over_depths(MAX_DEPTH - 3, MAX_DEPTH - 2, 460, 2000)
def test_rest_bodies_at_any_depth_get_a_4xx_naming_the_field_or_the_limit(client, d):
    for field in ("start", "betas"):
        body = run_with(field, d)
        r = client.post("/api/run", content=body, headers={"Content-Type": "application/json"})
        message = loads(r.content)["message"]
        if depth(body) > MAX_DEPTH:
            assert r.status_code == 400 and "nested" in message and str(MAX_DEPTH) in message
        else:
            assert r.status_code == 422 and f"runs.0.{field}" in message, message


@over_depths(MAX_DEPTH - 3, 460, 2000)
def test_the_stream_socket_refuses_any_depth_and_goes_on(client, d):
    start = ('{"type":"start","scenario":{"surface":"bowl","runs":[{"optimizer":"gd",'
             '"lr":0.1,"start":' + "[" * d + "1" + "]" * d + "}]}}")
    with client.websocket_connect("/ws/run") as ws:
        ws.send_text(start)
        reply = loads(ws.receive_text())
        assert reply["type"] == "error"
        if depth(start) > MAX_DEPTH:
            assert "nested" in reply["message"]
        else:
            assert "runs.0.start" in reply["message"]
        ws.send_text('{"type":"speed","steps_per_second":5}')
        assert loads(ws.receive_text())["type"] == "state"


@over_depths(MAX_DEPTH - 5, 460, 2000)
def test_the_landscape_socket_refuses_any_depth_and_goes_on(client, d):
    run = ('{"type":"run","id":1,"kind":"basins","request":{"grid":{"box":'
           + "[" * d + "1" + "]" * d + "}}}")
    with client.websocket_connect("/ws/landscape") as ws:
        ws.send_text(run)
        reply = loads(ws.receive_text())
        assert reply["type"] == "error"
        assert ("nested" in reply["message"]) == (depth(run) > MAX_DEPTH), reply
        ws.send_text('{"type":"cancel","id":1}')  # still listening: a cancel of nothing
        ws.send_text('{"type":"fly"}')
        assert "'run' or 'cancel'" in loads(ws.receive_text())["message"]


@over_depths(31, 460, 2000)
def test_links_at_any_depth_are_answered_with_the_page_or_a_4xx(client, d):
    for key, value in (("r0.start", "[" * d + "1" + "]" * d),
                       ("expr", "(" * d + "x" + ")" * d)):
        query = urllib.parse.urlencode({"v": 1, "r0": "gd", key: value})
        page = client.get(f"/?{query}")
        assert page.status_code == 200  # the page falls back and says why
        download = client.get(f"/export/json?{query}")
        if key == "expr" and d <= 30 and len(value) <= 200:  # a valid f(x, y)
            assert download.status_code == 200
            continue
        message = loads(download.content)["message"]
        assert download.status_code == 422 and (key in message or "query string" in message)


@over_depths(30, 31, 2000)
def test_expressions_at_any_depth_get_a_422_naming_expr(client, d):
    r = client.post("/api/expr", json={"expr": "(" * d + "x" + ")" * d})
    if len("(" * d + "x" + ")" * d) <= 200 and d <= 30:
        assert r.status_code == 200
    else:
        assert r.status_code == 422 and loads(r.content)["detail"][0]["field"] == "expr"


def test_the_measure_matches_the_parser():
    for d in (0, 1, 2, 31, 32, 33, 500):
        assert depth(json.dumps(nested(d)) if d < 400 else "[" * d + "]" * d) == d
    assert depth('{"a": "[[[[[[", "b": [["\\"[["]]}') == 3  # brackets in strings do not nest
