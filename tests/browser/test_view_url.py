"""The view in the link (docs/url.md, gdviz/scenarios/view.py): what the page shows — the Explore
tab, the selected and hidden runs, the log axes, the tools' forms — is written after the scenario
(view-state.js), the server reads it back without a warning, and opening the link shows it again;
a link to a sweep, basin map or scatter computes it on load; an old `#tab` link still opens its tab."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from gdviz.scenarios.view import View, view_to_query

from test_url_sync import page_link, query_of

pytestmark = pytest.mark.browser


def wait_param(page, key: str, value: str | None) -> None:
    """Wait until the address bar's `key` is `value` (None: absent)."""
    expected = "null" if value is None else repr(value)
    page.wait_for_function(f"new URLSearchParams(location.search).get({key!r}) === {expected}")


def test_each_view_change_is_in_the_link_and_opening_it_restores_it(open_playground, page_log):
    page = open_playground("surface=himmelblau&r0=gd&r0.lr=0.01")
    history_length = page.evaluate("history.length")
    page.click("#btn-add-run")  # a copy of run 0, selected: `select=1`
    wait_param(page, "select", "1")
    page.click("#runs-list li[data-run='0'] .run-show")  # hide run 0
    wait_param(page, "hide", "0")
    page.click("#tab-basins")
    wait_param(page, "tab", "basins")
    page.uncheck("#loss-log-toggle")
    wait_param(page, "loss_log", "0")
    page.uncheck("#lr-log-toggle")
    wait_param(page, "lr_log", "0")
    page.click("#tab-sweep")
    wait_param(page, "tab", "sweep")
    for field, value in (("#sweep-min", "0.001"), ("#sweep-max", "5"), ("#sweep-count", "60")):
        page.fill(field, value)
        page.dispatch_event(field, "change")  # as when the field loses focus
    wait_param(page, "sweep.n", "60")
    page.fill("#sweep-max", "0.0001")  # half-typed: below "from" — the link keeps the last good range
    page.dispatch_event("#sweep-max", "change")
    page.click("#tab-basins")
    page.select_option("#basin-n", "32")
    wait_param(page, "basins.n", "32")
    page.click("#tab-scatter")
    page.fill("#scatter-n", "10")
    page.dispatch_event("#scatter-n", "change")
    wait_param(page, "scatter.n", "10")

    scenario, view = page_link(page)  # parses with no warning, written exactly as the server writes it
    assert view == View(tab="scatter", select=1, hide=[0], loss_log=False, lr_log=False, sweep_min=0.001,
                        sweep_max=5, sweep_n=60, basins_n=32, scatter_n=10, controls="all")
    keys = [k for k, _ in query_of(page.url)]
    assert keys[-10:] == ["tab", "select", "hide", "loss_log", "lr_log", "sweep.min", "sweep.max", "sweep.n",
                          "basins.n", "scatter.n"]  # after the scenario's keys, in the contract's order
    assert page.evaluate("history.length") == history_length  # replaceState, never a new entry
    link = page.url

    # open the link: every view comes back, and the page does not rewrite it
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    assert page.locator("#warnings").count() == 0
    assert page.get_attribute("#tab-scatter", "aria-selected") == "true"
    assert page.evaluate("window.__gdviz.selected()") == 1
    assert page.get_attribute("#runs-list li[data-run='1'] .run-select", "aria-pressed") == "true"
    assert "is-hidden" in page.get_attribute("#runs-list li[data-run='0']", "class")
    assert page.evaluate("window.__gdviz.pathPoints(0)") == 0  # hidden on the contour
    assert not page.is_checked("#loss-log-toggle") and not page.is_checked("#lr-log-toggle")
    page.wait_for_function("document.getElementById('loss-plot')._fullLayout?.yaxis.type === 'linear'")
    assert page.evaluate("document.getElementById('lr-plot')._fullLayout.yaxis.type") == "linear"
    assert [page.input_value(f) for f in ("#sweep-min", "#sweep-max", "#sweep-count", "#basin-n", "#scatter-n")] == \
        ["0.001", "5", "60", "32", "10"]
    # the link opens the scatter tab, so it scatters once, with the link's 10 starts
    page.wait_for_function("window.__gdviz.scatter()?.paths.length === 10")
    assert [j["request"]["n"] for j in page.evaluate("window.__gdviz.jobsSent()") if j["type"] == "run"] == [10]
    assert page.url == link
    assert page_log.page_errors == [] and page_log.console_errors == []


@pytest.mark.parametrize("query, check", [
    ("tab=basins&basins.n=32", "window.__gdviz.basins()?.labels.length === 32 && window.__gdviz.basins().labels[0].length === 32"),
    ("tab=sweep&sweep.min=0.01&sweep.max=2&sweep.n=30", "window.__gdviz.sweep()?.points.length === 30"),
    ("tab=scatter&scatter.n=5", "window.__gdviz.scatter()?.paths.length === 5"),
])
def test_a_link_to_a_tool_computes_it_on_load(open_playground, page_log, query, check):
    page = open_playground(f"v=1&surface=himmelblau&steps=200&r0=gd&r0.lr=0.01&{query}")
    page.wait_for_function(check)
    tab = query.split("&")[0].split("=")[1]
    assert page.get_attribute(f"#tab-{tab}", "aria-selected") == "true"
    jobs = page.evaluate("window.__gdviz.jobsSent()")
    assert [j["kind"] for j in jobs if j["type"] == "run"] == [tab]  # once
    req = jobs[0]["request"]
    if tab == "basins":
        assert req["grid"] == {"n": 32}
    elif tab == "sweep":
        assert req["lrs"] == {"min": 0.01, "max": 2, "count": 30}
    else:
        assert req["n"] == 5
    assert page.url.endswith(query)  # opening a link does not rewrite it
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_an_old_fragment_link_opens_its_tab_and_the_link_then_names_it(open_playground, page_log):
    # (and the presentation keys a link brings along stay as they came: `/` does not edit them)
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1&theme=dark&scale=1.5&show=main,loss#basins")
    assert page.get_attribute("#tab-basins", "aria-selected") == "true"
    assert urlparse(page.url).fragment == "basins"  # as typed, until the student changes something
    page.fill("#lr-input", "0.2")
    page.press("#lr-input", "Enter")
    wait_param(page, "tab", "basins")
    scenario, view = page_link(page)  # no fragment any more: the query names the tab
    assert view.tab == "basins" and scenario.runs[0].lr == 0.2
    assert (view.theme, view.scale, view.show) == ("dark", 1.5, ["main", "loss"])
    # back to the objective's own first tab (a surface's: Stability): no `tab=` at all
    page.click("#tab-stability")
    wait_param(page, "tab", None)
    assert page_link(page)[1] == View(controls="all", theme="dark", scale=1.5, show=["main", "loss"])
    assert page_log.page_errors == []


def test_a_network_link_keeps_its_slice_settings(open_playground, page_log):
    page = open_playground("model=mlp&model.dataset=xor&r0=adam&r0.lr=0.01&tab=slice&slice.plane=pca&slice.grid=17")
    assert page.get_attribute("#tab-slice", "aria-selected") == "true"
    assert page.input_value("#slice-plane") == "pca" and page.input_value("#slice-grid") == "17"
    page.select_option("#slice-grid", "49")
    wait_param(page, "slice.grid", "49")
    scenario, view = page_link(page)
    assert (view.tab, view.slice_plane, view.slice_grid) == ("slice", "pca", 49)
    assert scenario.model.kind == "mlp"
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_the_page_writes_the_view_as_the_server_does(page, server_url):
    """url.js's viewToQuery (with the schema the server serves) against view.py's
    view_to_query, value for value, in the browser (tests/js/url.test.mjs: in Node)."""
    page.goto(f"{server_url}/static/js/url.js")  # any page of the origin can import the module
    views = [
        View(),
        View(preset="ravine-momentum", tab="basins", basins_n=128),
        View(select=3, hide=[0, 2, 5], loss_log=False, lr_log=False),
        View(sweep_min=1e-05, sweep_max=0.5, sweep_n=400, scatter_n=64, slice_plane="pca", slice_grid=64),
        View(controls="none", autoplay=True, theme="dark", scale=1.5, show=["main", "loss", "grad"]),
        View(controls="few", tab="sweep", show=["main", "tab"]),
        View(scale=0.5, show=["layers"]),
    ]
    for embed in (False, True):
        written = page.evaluate(
            "async ([views, embed]) => { const m = await import('/static/js/url.js');"
            " const schema = await (await fetch('/api/schema')).json();"
            " return views.map((v) => m.viewToQuery(schema, m.readView(schema, JSON.stringify(v)), { embed })); }",
            [[v.model_dump() for v in views], embed])
        assert [dict(q) for q in written] == [view_to_query(v, embed=embed) for v in views]
        assert [[k for k, _ in q] for q in written] == [list(view_to_query(v, embed=embed)) for v in views]
