"""A link that names a preset and no scenario of its own (`/?preset=ID`, `/embed?preset=ID&theme=dark`)
opens that preset's scenario on every route, as /s/ID does: the lesson beside the plots is
about the runs in them. With any scenario key the link's own scenario wins."""

import html
import json
import re

import pytest
from strict_json import loads

from gdviz.cli import resolve
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.url import with_suggestions
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.url import scenario_of_link

RAVINE = PRESETS["ravine-momentum"].scenario


def page_scenario(text: str) -> Scenario:
    raw = re.search(r'data-scenario="([^"]*)"', text).group(1)
    return Scenario.model_validate(json.loads(html.unescape(raw)))


@pytest.mark.parametrize("query", [{"preset": "ravine-momentum"},
                                   {"v": "1", "preset": "ravine-momentum", "theme": "dark", "scale": "1.5"}])
def test_a_preset_alone_is_its_scenario(query):
    assert scenario_of_link(query, PRESETS) == (RAVINE, [])


def test_scenario_keys_beside_the_preset_win():
    scenario, warnings = scenario_of_link({"preset": "ravine-momentum", "surface": "bowl"}, PRESETS)
    assert scenario.surface == "bowl" and warnings == []
    # an unknown preset: the default scenario, at the default surface's own start and η
    assert scenario_of_link({"preset": "nope"}, PRESETS)[0] == with_suggestions(Scenario())


@pytest.mark.parametrize("route", ["/", "/embed"])
def test_the_pages_open_the_presets_scenario(client, route):
    r = client.get(f"{route}?preset=ravine-momentum&theme=dark")
    assert r.status_code == 200 and page_scenario(r.text) == RAVINE


def test_an_export_of_a_preset_link_has_the_presets_runs(client):
    r = client.get("/export/json?v=1&preset=ravine-momentum")
    assert r.status_code == 200
    body = loads(r.content)
    assert Scenario.model_validate(body["scenario"]) == RAVINE and len(body["runs"]) == 2


def test_the_cli_reads_a_preset_link_with_its_look():
    scenario, warnings, preset, view = resolve("http://127.0.0.1:8000/embed?v=1&preset=ravine-momentum&theme=dark&scale=1.5")
    assert scenario == RAVINE and warnings == [] and preset.id == "ravine-momentum"
    assert (view.theme, view.scale) == ("dark", 1.5)
