"""GET /export/{fmt}: the page's query string as a downloaded file, equal to what
``gdviz export`` writes; bad parameters and oversized results are refused."""

import re
from urllib.parse import urlencode

import pytest
from markupsafe import escape
from strict_json import loads

from gdviz import export as ex
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import MAX_RUN_NUMBERS, simulate
from gdviz.scenarios.url import scenario_from_query, scenario_to_query
from gdviz.settings import get_settings

SURFACE_QUERY = ("v=1&surface=rosenbrock&steps=120&seed=3&r0=adam&r0.lr=0.01&r0.start=-1.5,2"
                 "&r1=gd&r1.lr=1000000&r1.start=1e4,1e4")  # r1 diverges
MLP_QUERY = "v=1&model=mlp&model.n=80&model.hidden=6,5&steps=20&r0=adam&r0.lr=0.01"


def scenario_of(query):
    scenario, warnings = scenario_from_query(dict(p.split("=", 1) for p in query.split("&")))
    assert warnings == []
    return scenario


@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
@pytest.mark.parametrize("query, name", [(SURFACE_QUERY, "rosenbrock"), (MLP_QUERY, "mlp")])
def test_a_download_equals_the_export_writers(client, fmt, query, name):
    r = client.get(f"/export/{fmt}?{query}")
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="gdviz-{name}.{fmt}"'
    assert r.headers["content-type"].split(";")[0] == {
        "csv": "text/csv", "json": "application/json", "html": "text/html"}[fmt]
    scenario = scenario_of(query)
    runs = simulate(scenario)
    if fmt == "html":  # the same page, but for the export date (today's, twice)
        assert r.text.startswith("<!doctype html>") and 'id="gdviz-data"' in r.text
        undated = lambda t: re.sub(r"\d{4}-\d\d-\d\d", "DATE", t)  # noqa: E731
        assert undated(r.text) == undated(ex.render("html", scenario, runs))
    else:
        assert r.text == ex.render(fmt, scenario, runs)
    if fmt == "json":
        assert loads(r.content)["runs"] == runs


def test_a_preset_gives_the_page_its_title_and_lesson(client):
    p = PRESETS["ravine-momentum"]
    query = urlencode({**scenario_to_query(p.scenario), "preset": p.id})
    r = client.get(f"/export/html?{query}")
    assert r.status_code == 200
    assert f"<title>{p.title} · gdviz</title>" in r.text
    assert f'<p class="offline-lesson">{escape(p.lesson)}</p>' in r.text
    # the other formats carry no lesson, and preset= is not a bad parameter for them
    assert client.get(f"/export/csv?{query}").status_code == 200


def test_bad_parameters_are_listed(client):
    r = client.get("/export/csv?v=1&surface=ravine&steps=0&r0=gd&r0.lr=-3&bogus=1")
    assert r.status_code == 422
    body = loads(r.content)
    assert sorted(d.split(":")[0] for d in body["detail"]) == ["bogus", "r0.lr", "steps"]
    assert "bogus: unknown parameter" in body["detail"]
    assert body["message"].startswith("3 bad query parameter(s): ")
    assert "using the default" not in body["message"]  # nothing is exported with defaults
    r = client.get("/export/html?v=1&surface=bowl&preset=no-such-lesson&theme=purple")
    assert r.status_code == 422
    detail = loads(r.content)["detail"]
    assert detail[0].startswith("preset: unknown preset 'no-such-lesson'; choose one of ")
    assert detail[1].startswith("theme: ") and len(detail) == 2
    assert "no lesson shown" not in detail[0] and "using" not in detail[1]


def test_a_presets_own_link_downloads(client):
    """GET /api/presets gives each preset's link (with preset= and its view keys)."""
    for p in loads(client.get("/api/presets").content)[:3] + [
            next(p for p in loads(client.get("/api/presets").content) if p["view"])]:
        r = client.get("/export/csv" + p["url"].removeprefix("/"))
        assert r.status_code == 200, (p["id"], r.text)


def test_unknown_format(client):
    r = client.get("/export/xlsx?v=1&surface=bowl")
    assert r.status_code == 422
    assert loads(r.content)["detail"][0]["field"] == "fmt"
    assert client.get("/export/").status_code == 404


def test_over_the_size_bound_is_refused_as_api_run_refuses_it(client):
    scenario = Scenario.model_validate({"model": {"kind": "mlp", "hidden": [32, 32, 32, 32]},
                                        "steps": 10000, "runs": [{"optimizer": "adam"}] * 3})
    assert ex.result_size(scenario) > MAX_RUN_NUMBERS
    r = client.get("/export/json?" + urlencode(scenario_to_query(scenario)))
    api = client.post("/api/run", json=scenario.model_dump(exclude_none=True))
    assert r.status_code == api.status_code == 422
    message = loads(r.content)["message"]
    assert message == loads(api.content)["message"].replace(
        "for /api/run", "for an export (the same as POST /api/run)")
    assert "use at most 132 steps for 3 run(s)" in message


def test_an_overlong_query_is_refused(client):
    limit = get_settings().max_query_chars
    r = client.get("/export/csv?v=1&surface=bowl&x=" + "1" * limit)
    assert r.status_code == 422
    assert loads(r.content)["message"] == f"query string: longer than {limit} characters"


def test_in_the_openapi_page(client):
    op = loads(client.get("/openapi.json").content)["paths"]["/export/{fmt}"]["get"]
    assert op["summary"].startswith("Download a scenario's runs")
    assert set(op["responses"]["200"]["content"]) == {"text/csv", "application/json", "text/html"}


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_a_download_is_gzipped_in_the_worker_not_on_the_event_loop(client, monkeypatch, fmt):
    """An export (the offline player is 1.8 MB: ~60 ms of gzip) comes compressed from the
    job process to a client that accepts gzip; the server's GZip middleware, which would
    compress it on the event loop every stream shares, is never asked."""
    from starlette.middleware.gzip import GZipResponder
    plain = client.get(f"/export/{fmt}?{SURFACE_QUERY}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers

    async def on_the_loop(self, body, *, more_body):
        raise AssertionError("a download was compressed on the event loop")
    monkeypatch.setattr(GZipResponder, "apply_compression", on_the_loop)
    gz = client.get(f"/export/{fmt}?{SURFACE_QUERY}", headers={"Accept-Encoding": "gzip"})
    assert gz.status_code == 200 and gz.headers["content-encoding"] == "gzip"
    assert gz.headers["content-disposition"] == plain.headers["content-disposition"]
    assert int(gz.headers["content-length"]) < len(plain.content) / 2
    assert gz.content == plain.content  # (httpx decodes it)
