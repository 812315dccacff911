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
    assert "Changed: the text below is about the lesson's own settings" in page.text_content("#lesson-changed")
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


# ---------- a link whose scenario is not its preset's ----------

# Records, the first time the lesson is shown, whether the "changed" notice was shown with it
# (a MutationObserver's callback runs once show() has set both: the same paint).
FIRST_PAINT = """
new MutationObserver((_, obs) => {
  const box = document.getElementById("lesson");
  if (!box || box.hidden) return;
  window.__noticeAtFirstPaint = !document.getElementById("lesson-changed").hidden;
  obs.disconnect();
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["hidden"] });
"""


def changed_link(pid: str, **changes: str) -> str:
    """The preset's own link (as GET /api/presets and /s/ID give it) with some keys changed."""
    pairs = [(k, changes.get(k, v)) for k, v in query_of(PRESETS[pid].url)]
    assert {k for k, _ in pairs} >= set(changes)
    return "/?" + "&".join(f"{k}={v}" for k, v in pairs)


def open_fresh(page, server_url: str, link: str) -> None:
    page.add_init_script(FIRST_PAINT)
    page.goto(server_url + link)
    wait_lesson(page)
    page.wait_for_selector("#lesson[data-state='shown']", state="attached")


@pytest.mark.parametrize("pid, changes", [
    ("lr-just-right", {"r0.lr": "1.5"}),  # its text: "η = 0.3 … converges in 16 steps"; 1.5 diverges
    ("ravine-momentum", {"r1.lr": "0.05"}),  # run 2's η
])
def test_a_shared_changed_preset_link_says_the_lesson_is_not_about_these_runs(page, server_url, page_log, pid, changes):
    preset = PRESETS[pid]
    open_fresh(page, server_url, changed_link(pid, **changes))
    assert page.text_content("#lesson-text") == preset.lesson  # the lesson, as it is written …
    assert page.evaluate("window.__noticeAtFirstPaint") is True  # … says at once it is not about these runs
    assert page.is_visible("#lesson-changed")
    notice = page.text_content("#lesson-changed")
    assert "the lesson's own" in notice and "not these runs" in notice
    assert page.get_attribute("#lesson-reset", "href") == preset.url
    # the page runs the link's numbers, not the preset's
    key, value = next(iter(changes.items()))
    run = int(key[1:key.index(".")])
    assert page.evaluate(f"window.__gdviz.forServer().runs[{run}].lr") == float(value)
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_reset_to_the_lesson_from_a_changed_link_opens_the_preset(page, server_url, page_log):
    preset = PRESETS["lr-just-right"]
    open_fresh(page, server_url, changed_link("lr-just-right", **{"r0.lr": "1.5"}))
    assert page.is_visible("#lesson-reset")  # (the action is offered at once)
    page.click("#lesson-reset")
    page.wait_for_url(lambda u: u == server_url + preset.url)
    wait_lesson(page)
    assert Scenario.model_validate(page.evaluate("window.__gdviz.forServer()")) == preset.scenario
    assert page.is_hidden("#lesson-changed")
    assert page.text_content("#lesson-text") == preset.lesson
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_a_link_that_spells_the_presets_scenario_otherwise_shows_no_notice(page, server_url, page_log):
    """The scenario is compared as links canonicalise it: another spelling of the same
    numbers (0.30, 1.50, keys in another order) or another speed (it changes no number) is
    the lesson's scenario."""
    pairs = [(k, {"r0.lr": "0.30", "r0.start": "1.50,1.0", "speed": "20"}.get(k, v))
             for k, v in query_of(PRESETS["lr-just-right"].url)]
    open_fresh(page, server_url, "/?" + "&".join(f"{k}={v}" for k, v in reversed(pairs)))
    assert page.evaluate("window.__noticeAtFirstPaint") is False
    assert page.is_hidden("#lesson-changed")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_every_presets_own_link_shows_its_lesson_without_the_notice(page, server_url, page_log):
    """Every preset, as its link opens it (and as a step of the guided path): the scenario
    the page reads from it is the preset's, so no notice — not at first, nor once the
    objective is drawn or the model described (they may fit the runs to it)."""
    for pid, preset in PRESETS.items():
        for link in (preset.url, preset.url_with(guide=True)):
            page.goto(server_url + link)
            page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
            page.wait_for_selector("#lesson[data-state='shown']", state="attached")
            assert page.is_hidden("#lesson-changed"), link
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_a_changed_guided_step_says_so_and_resets_to_the_step(page, server_url, page_log):
    preset = PRESETS["lr-just-right"]
    step = preset.url_with(guide=True)
    open_fresh(page, server_url, changed_link("lr-just-right", **{"r0.lr": "1.5"}) + "&guide=1")
    page.wait_for_selector("#guide:not([hidden])")
    assert page.evaluate("window.__noticeAtFirstPaint") is True
    assert page.is_visible("#lesson-changed")
    assert page.get_attribute("#lesson-reset", "href") == step  # stays on the path
    page.click("#lesson-reset")
    page.wait_for_url(lambda u: u == server_url + step)
    wait_lesson(page)
    assert Scenario.model_validate(page.evaluate("window.__gdviz.forServer()")) == preset.scenario
    assert page.is_hidden("#lesson-changed")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_the_embed_of_a_changed_preset_link_shows_no_lesson(page, server_url, page_log):
    """/embed shows no lesson text (a slide says it), so there is nothing to mark changed."""
    page.goto(server_url + changed_link("lr-just-right", **{"r0.lr": "1.5"}).replace("/?", "/embed?", 1))
    page.wait_for_selector("#lesson[data-state='none']", state="attached")
    assert page.is_hidden("#lesson") and page.is_hidden("#lesson-changed")
    assert page_log.page_errors == [] and page_log.console_errors == []
