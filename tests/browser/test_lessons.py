"""Preset lessons on the page: the "Lessons" gallery lists every preset of GET /api/presets as a
link; a preset's link (`preset=<id>`, /s/{id}) shows its lesson beside the plots; editing the
scenario marks the lesson changed, and closing it takes `preset=` out of the link."""

from __future__ import annotations

import json
import urllib.request

import pytest

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.presets import PRESETS

from test_url_sync import page_link, query_of

pytestmark = pytest.mark.browser


def api_presets(server_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{server_url}/api/presets") as res:
        return json.load(res)


def wait_lesson(page) -> None:
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    page.wait_for_selector("#lesson", state="visible")


def test_the_gallery_lists_every_preset_and_a_card_opens_its_lesson(open_playground, server_url, page_log):
    presets = api_presets(server_url)
    assert len(presets) >= 16
    page = open_playground("surface=bowl")
    assert page.is_hidden("#lesson")  # no preset in the link: no lesson
    page.click("#btn-lessons")
    page.wait_for_selector("#gallery .card")
    cards = page.locator("#gallery .card")
    assert cards.count() == len(presets)
    for i, p in enumerate(presets):
        card = cards.nth(i)
        assert card.get_attribute("data-preset") == p["id"]
        assert card.get_attribute("href") == p["url"]  # a real link: middle-click opens a tab
        assert p["title"] in card.locator(".card-title").text_content()
        text = card.locator(".card-text").text_content()
        assert text and p["lesson"].startswith(text)  # its first sentence
    tags = page.locator("#gallery .card[data-preset='init-compared'] .tag").all_text_contents()
    assert tags[:2] == ["network", "race of 4"]
    assert "basins" in page.locator("#gallery .card[data-preset='himmelblau-basins'] .tag").all_text_contents()
    # Space is not the page's play key while the gallery is open
    page.keyboard.press("Space")
    assert page.evaluate("window.__gdviz.sent().filter(m => m.type === 'start').length") == 0

    # a network lesson: its scenario, its lesson, beside the curves
    chosen = next(p for p in presets if p["id"] == "init-compared")
    page.click("#gallery .card[data-preset='init-compared']")
    page.wait_for_url("**preset=init-compared**")
    wait_lesson(page)
    assert Scenario.model_validate(page.evaluate("window.__gdviz.forServer()")) == Scenario.model_validate(chosen["scenario"])
    assert page.text_content("#lesson-title") == chosen["title"]
    assert page.text_content("#lesson-text") == chosen["lesson"]
    assert page.is_hidden("#lesson-changed")
    assert page.is_hidden(".panel-acc") and page.is_visible(".panel-layers")  # the lesson takes accuracy's place
    page_link(page)
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_a_preset_link_lands_with_its_lesson_which_follows_edits_and_closes(page, server_url, page_log):
    page.goto(f"{server_url}/s/ravine-momentum")  # 307 to the preset's url
    wait_lesson(page)
    preset = PRESETS["ravine-momentum"]
    assert dict(query_of(page.url))["preset"] == "ravine-momentum"
    assert page.text_content("#lesson-title") == preset.title
    assert page.text_content("#lesson-text") == preset.lesson
    assert page.locator("#warnings").count() == 0
    assert page.is_hidden(".panel-lr") and page.is_visible(".panel-loss") and page.is_visible(".panel-grad")
    box = page.locator("#lesson").bounding_box()
    contour = page.locator(".panel-contour").bounding_box()
    assert box["y"] >= contour["y"] + contour["height"]  # in the bottom row, under the plots
    assert contour["height"] > 0.5 * page.viewport_size["height"]  # the contour keeps its room

    # an edit keeps the lesson, says so, and links back to the lesson's own scenario
    page.fill("#lr-input", "0.05")
    page.press("#lr-input", "Enter")
    page.wait_for_selector("#lesson-changed", state="visible")
    assert "You changed the scenario" in page.text_content("#lesson-changed")
    assert page.get_attribute("#lesson-reset", "href") == preset.url
    scenario, view = page_link(page)
    assert view.preset == "ravine-momentum" and scenario.runs[0].lr == 0.05
    # undone: the scenario is the lesson's again
    page.fill("#lr-input", "0.095")
    page.press("#lr-input", "Enter")
    page.wait_for_selector("#lesson-changed", state="hidden")

    page.click("#lesson-close")
    page.wait_for_selector("#lesson", state="hidden")
    page.wait_for_function("!new URLSearchParams(location.search).has('preset')")
    assert page.is_visible(".panel-lr")  # the η plot is back
    scenario, view = page_link(page)
    assert view.preset is None and scenario == preset.scenario
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_an_unknown_preset_is_reported_and_shows_no_lesson(open_playground, page_log):
    page = open_playground("surface=bowl&preset=no-such-lesson")
    assert "preset: unknown preset 'no-such-lesson'" in page.text_content("#warnings")
    page.wait_for_selector("#lesson[data-state='none']", state="attached")
    assert page.is_hidden("#lesson")
    assert page_log.page_errors == []


def test_with_a_schedule_the_lesson_keeps_the_learning_rate_curve(page, server_url):
    """η's curve is the point of a scheduled run: the lesson takes ‖∇f‖'s place instead."""
    page.goto(f"{server_url}/s/schedules")
    wait_lesson(page)
    assert page.is_visible(".panel-lr") and page.is_hidden(".panel-grad")
    # the schedule taken off: η is flat again, and gives way
    page.click("#runs-list li[data-run='1'] .run-select")
    if not page.is_visible("#schedule-select"):
        page.click("#run-options summary")
    page.select_option("#schedule-select", "constant")
    page.wait_for_selector(".panel-lr", state="hidden")
    assert page.is_visible(".panel-grad") and page.is_visible("#lesson-changed")
