"""The view part of a link (gdviz/scenarios/view.py): what the page shows of a scenario."""

import html
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.url import scenario_from_query
from gdviz.scenarios.view import (PANELS, TABS, VIEW_KEYS, View, fit_view_to_runs, resolve,
                                view_from_query, view_to_query)


def test_no_view_keys_is_the_routes_default():
    assert view_from_query({}, presets=PRESETS) == (resolve(View(), embed=False), [])
    page, _ = view_from_query({}, presets=PRESETS)
    embed, _ = view_from_query({}, embed=True, presets=PRESETS)
    assert (page.controls, page.show) == ("all", None)
    assert (embed.controls, embed.show) == ("few", ["main", "loss"])
    assert view_from_query({"tab": "basins"}, embed=True, presets=PRESETS)[0].show == ["main", "tab"]


def test_readable_keys():
    v, w = view_from_query({"tab": "basins", "basins.n": "128", "hide": "2,1", "loss_log": "0",
                            "sweep.min": "0.01", "sweep.max": "2", "controls": "none",
                            "autoplay": "1", "theme": "dark", "scale": "1.5",
                            "show": "main,loss,grad"}, embed=True, presets=PRESETS)
    assert w == []
    assert (v.tab, v.basins_n, v.hide, v.loss_log) == ("basins", 128, [1, 2], False)
    assert (v.sweep_min, v.sweep_max, v.controls, v.autoplay) == (0.01, 2.0, "none", True)
    assert (v.theme, v.scale, v.show) == ("dark", 1.5, ["main", "loss", "grad"])


def test_bad_keys_fall_back_one_by_one_with_a_message_naming_each():
    v, w = view_from_query({"tab": "nope", "theme": "blue", "scale": "9", "basins.n": "100",
                            "show": "main,main", "autoplay": "maybe", "select": "x",
                            "preset": "nope", "sweep.min": "5", "sweep.max": "1",
                            "loss_log": "0"}, presets=PRESETS)
    assert v.loss_log is False  # the good key is kept
    assert v == resolve(View(loss_log=False), embed=False)
    text = " | ".join(w)
    for part in ["tab: Input should be 'fit'", "theme: Input should be 'light' or 'dark'; using light",
                 "scale: Input should be less than or equal to 3; using 1",
                 "basins.n:", "show: each panel at most once", "autoplay: 'maybe' is not 0 or 1",
                 "select:", "preset: unknown preset 'nope'", "sweep.min: 5 must be smaller"]:
        assert part in text, part
    assert len(w) == 9


def test_the_scenario_ignores_view_keys():
    s, w = scenario_from_query({"surface": "bowl", "tab": "3d", "theme": "dark", "preset": "x",
                                "sweep.min": "1", "show": "main"})
    assert w == [] and s.surface == "bowl"


def test_select_and_hide_are_checked_against_the_runs():
    v, w = fit_view_to_runs(View(select=3, hide=[0, 4, 5]), runs=2)
    assert (v.select, v.hide) == (0, [0])
    assert w == ["select: run 3 does not exist (the link has 2); selecting run 0",
                 "hide: the link has 2 runs (0…1); ignoring 4,5"]
    assert fit_view_to_runs(View(select=1, hide=[1]), runs=2) == (View(select=1, hide=[1]), [])


def test_keys_are_written_in_one_order_and_only_when_not_default():
    keys = list(VIEW_KEYS)
    assert keys[:2] == ["preset", "tab"] and keys[-1] == "show"
    assert "sweep.min" in keys and "basins.n" in keys and "slice.grid" in keys
    assert view_to_query(View()) == {} and view_to_query(View(), embed=True) == {}
    q = view_to_query(View(theme="dark", tab="3d", scale=2.0, hide=[1]))
    assert list(q.items()) == [("tab", "3d"), ("hide", "1"), ("theme", "dark"), ("scale", "2")]
    # controls=few is the embed's default but not the playground's
    assert view_to_query(View(controls="few"), embed=True) == {}
    assert view_to_query(View(controls="few")) == {"controls": "few"}


views = st.builds(
    View,
    preset=st.one_of(st.none(), st.sampled_from(sorted(PRESETS))),
    tab=st.one_of(st.none(), st.sampled_from(TABS)),
    select=st.integers(0, 5),
    hide=st.lists(st.integers(0, 5), unique=True),
    loss_log=st.booleans(), lr_log=st.booleans(),
    sweep_min=st.floats(1e-8, 1.0), sweep_max=st.floats(2.0, 1e6),
    sweep_n=st.integers(2, 400), basins_n=st.sampled_from([32, 64, 128, 256]),
    scatter_n=st.integers(1, 64), slice_plane=st.sampled_from(["random", "pca"]),
    slice_grid=st.sampled_from([17, 33, 49, 64]),
    controls=st.one_of(st.none(), st.sampled_from(["none", "few", "all"])),
    autoplay=st.booleans(), theme=st.sampled_from(["light", "dark"]),
    scale=st.floats(0.5, 3.0),
    show=st.one_of(st.none(), st.lists(st.sampled_from(PANELS), min_size=1, max_size=4,
                                       unique=True)))


@settings(max_examples=300, deadline=None)
@given(view=views, embed=st.booleans())
def test_view_to_query_to_view_is_the_identity(view, embed):
    back, warnings = view_from_query(view_to_query(view, embed=embed), embed=embed, presets=PRESETS)
    assert warnings == []
    assert back == resolve(view, embed=embed)


def test_presets_carry_their_view_in_their_link():
    p = PRESETS["himmelblau-basins"]
    assert p.view_keys == {"tab": "basins", "basins.n": "128"}
    assert p.url.endswith("&preset=himmelblau-basins&tab=basins&basins.n=128")
    for p in PRESETS.values():
        query = dict(pair.split("=", 1) for pair in p.url.removeprefix("/?").split("&"))
        view, warnings = view_from_query(query, presets=PRESETS)
        assert warnings == [] and view.preset == p.id


def test_the_page_gets_the_view_and_its_warnings(client):
    r = client.get("/embed?v=1&surface=ravine&tab=basins&select=3&theme=dark&scale=zz")
    view = json.loads(html.unescape(re.search(r'data-view="([^"]*)"', r.text).group(1)))
    assert view["tab"] == "basins" and view["theme"] == "dark" and view["controls"] == "few"
    assert view["show"] == ["main", "tab"] and view["scale"] == 1.0 and view["select"] == 0
    assert 'data-embed="1"' in r.text and 'data-theme="dark"' in r.text
    assert "select: run 3 does not exist" in r.text and "scale: " in r.text
    r = client.get("/?tab=3d")
    assert 'data-embed="0"' in r.text and "Some link settings" not in r.text
