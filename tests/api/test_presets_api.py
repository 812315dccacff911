"""GET /api/presets and GET /s/{id}."""

from urllib.parse import parse_qsl, urlsplit

from strict_json import loads

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.url import scenario_from_query, scenario_to_query


def test_presets_list_shape(client):
    r = client.get("/api/presets")
    assert r.status_code == 200
    presets = loads(r.content)
    assert len(presets) >= 16 and [p["id"] for p in presets] == list(PRESETS)
    assert len({p["id"] for p in presets}) == len({p["title"] for p in presets}) == len(presets)
    for p in presets:
        assert set(p) == {"id", "title", "lesson", "scenario", "view", "url"}
        assert all(isinstance(p[k], str) and p[k] for k in ("id", "title", "lesson", "url"))
        scenario = Scenario.model_validate(p["scenario"])
        assert scenario == PRESETS[p["id"]].scenario
        assert p["url"].startswith("/?v=1&")
        query = urlsplit(p["url"]).query
        # the scenario's keys, then the lesson and the preset's view keys
        assert dict(parse_qsl(query)) == {**scenario_to_query(scenario), "preset": p["id"],
                                          **p["view"]}
        assert scenario_from_query(dict(parse_qsl(query))) == (scenario, [])
    assert presets[-1]["view"] == {} and \
        {p["id"]: p["view"] for p in presets}["himmelblau-basins"] == {"tab": "basins",
                                                                       "basins.n": "128"}


def test_preset_scenario_leaves_out_unset_fields(client):
    presets = {p["id"]: p for p in loads(client.get("/api/presets").content)}
    run = presets["lr-too-small"]["scenario"]["runs"][0]
    assert run == {"optimizer": "gd", "lr": 0.001, "start": [1.5, 1.0]}
    assert "r0.start=1.5,1" in presets["lr-too-small"]["url"]  # commas stay readable


def test_preset_scenario_runs_as_is(client):
    p = loads(client.get("/api/presets").content)[0]
    r = client.post("/api/run", json=p["scenario"])
    assert r.status_code == 200 and len(loads(r.content)["runs"]) == len(p["scenario"]["runs"])


def test_short_link_redirects_to_the_preset(client):
    for pid in ("lr-too-small", "init-compared"):
        r = client.get(f"/s/{pid}", follow_redirects=False)
        assert r.status_code == 307
        assert r.headers["location"] == PRESETS[pid].url
    page = client.get("/s/ravine-momentum")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert urlsplit(str(page.url)).query == urlsplit(PRESETS["ravine-momentum"].url).query


def test_unknown_preset_is_a_404_naming_the_known_ones(client):
    r = client.get("/s/no-such-lesson", follow_redirects=False)
    assert r.status_code == 404
    message = r.json()["message"]
    assert "unknown preset 'no-such-lesson'" in message
    assert all(pid in message for pid in PRESETS)


def test_presets_are_documented(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/presets" in paths and "/s/{preset_id}" in paths
