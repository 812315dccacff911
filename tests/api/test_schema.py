"""GET /api/schema: what the page reads instead of copying — the link's keys in the order
the server writes them, every default and bound from the models that enforce them, and
every objective kind's entry (gdviz/scenarios/schema.py, docs/url.md, docs/kinds.md)."""

from strict_json import loads

from gdviz.engine.optimizers import LR_MAX, LR_MIN, OPTIMIZERS
from gdviz.scenarios.kinds import KINDS
from gdviz.scenarios.landscape import MAX_BASIN_WORK, MAX_LANDSCAPE_STEPS, MAX_SCATTER, MAX_SWEEP_POINTS
from gdviz.scenarios.models import MAX_RUNS, MAX_SPEED, RunSpec, Scenario
from gdviz.scenarios.schema import link_schema, link_schema_json
from gdviz.scenarios.url import scenario_to_query
from gdviz.scenarios.view import VIEW_KEYS, View, resolve


def test_the_schema_is_served_and_on_every_page(client):
    r = client.get("/api/schema")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert loads(r.content) == loads(link_schema_json()) == link_schema()
    for route in ("/", "/embed"):
        page = client.get(f"{route}?v=1&surface=bowl").text
        assert "data-schema=" in page and "&#34;named_by&#34;" in page


def test_link_keys_in_the_order_the_server_writes_them():
    s = link_schema()
    assert s["scenario"]["run"]["fields"] == [f for f in RunSpec.model_fields if f != "optimizer"]
    assert [k["key"] for k in s["view"]["keys"]] == list(VIEW_KEYS)
    assert [k["field"] for k in s["view"]["keys"]] == list(VIEW_KEYS.values())
    written = list(scenario_to_query(Scenario()))
    assert [k["key"] for k in s["scenario"]["top"]] == [k for k in written if k in ("steps", "seed", "speed")]
    assert s["scenario"]["default"] == Scenario().model_dump(mode="json", exclude_none=True)


def test_defaults_and_bounds_come_from_the_models():
    s = link_schema()
    views = {k["field"]: k for k in s["view"]["keys"]}
    for name, field in View.model_fields.items():
        assert views[name]["default"] == field.get_default(call_default_factory=True)
    assert (views["sweep_n"]["min"], views["sweep_n"]["max"]) == (2, MAX_SWEEP_POINTS)
    assert views["basins_n"]["choices"] == [32, 64, 128, 256] and views["basins_n"]["type"] == "int"
    assert (views["scale"]["min"], views["scale"]["max"]) == (0.5, 3.0)
    assert s["view"]["routes"]["embed"]["show"] == resolve(View(), embed=True).show
    assert s["view"]["routes"]["embed"]["show_with_tab"] == resolve(View(tab="sweep"), embed=True).show
    limits = s["limits"]
    assert limits["runs"] == MAX_RUNS and limits["speed"] == [1, MAX_SPEED]
    assert limits["lr"] == [LR_MIN, LR_MAX] == [OPTIMIZERS["gd"].params["lr"].min,
                                                 OPTIMIZERS["gd"].params["lr"].max]
    assert limits["landscape"]["steps"] == MAX_LANDSCAPE_STEPS
    assert limits["landscape"]["basin_work"] == MAX_BASIN_WORK
    assert limits["landscape"]["scatter"] == MAX_SCATTER
    assert "init" not in limits["landscape"]["run_fields"]


def test_every_kind_is_published_with_what_the_page_needs(client):
    kinds = link_schema()["kinds"]
    assert [k["id"] for k in kinds] == list(KINDS)
    models = {m["kind"]: m for m in loads(client.get("/api/models").content)}
    for k in kinds:
        assert k["capabilities"]["weights"] in ("plane", "vector")
        assert k["page"]["tabs"] and k["page"]["curves"][0] == "loss" and len(k["page"]["readouts"]) >= 3
        if k["named_by"] == "model":
            assert k["model"] == models[k["id"]]  # the same as GET /api/models
            assert {f for f, _ in k["page"]["options"]} <= set(k["model"]["fields"])
        else:
            assert "model" not in k
    assert {k["id"] for k in kinds if k["capabilities"]["init"]} == {"mlp", "cnn"}  # the networks: Xavier/He draws


def test_no_kind_opens_on_the_3d_view():
    """The page opens the 2D views; the 3D view (seconds of software WebGL, then a share of
    every frame) is drawn when its tab is asked for (issue 12)."""
    for kind in KINDS.values():
        assert kind.page.tabs and kind.page.tabs[0] != "3d", kind.id
