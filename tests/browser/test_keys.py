"""Space / → / R drive the player wherever the focus is but in a text field — after the
student has touched a slider, a select, a checkbox, a button or a tab with the mouse —
and the control itself does not also take the key. Escape leaves a text field."""

from __future__ import annotations

import pytest
from stepping import play_pause_step

pytestmark = pytest.mark.browser

# GD crawling at a tiny η: it runs for minutes, so every key's effect is the player's.
SLOW = "surface=himmelblau&r0=gd&r0.lr=0.0002&r0.start=-0.5,0&steps=5000&speed=40"

# (what a student touches, how to read its state) — the state must not change under the keys
CONTROLS = {
    "slider": ("#lr-slider", "el => el.value"),
    "select": ("#surface-select", "el => el.value"),
    "checkbox": ("#loss-log-toggle", "el => el.checked"),
    "button": ("#btn-add-run", "el => document.querySelectorAll('#runs-list > li').length"),
    "tab": ("#tab-basins", "el => document.querySelector('#explore-tabs [aria-selected=true]').id"),
}


def _step(page) -> int:
    return int(page.evaluate("document.body.dataset.step || '-1'"))


def _touch(page, selector: str):
    """Give the control focus as a student does: a click (a select is opened and closed)."""
    if selector == "#surface-select":
        page.focus(selector)  # a click would open the native list; focusing is what is left after picking
        return
    if selector == "#btn-add-run":
        page.focus(selector)  # a click would add a run: the focus is what a click leaves behind
        return
    page.click(selector, position={"x": 3, "y": 3} if selector == "#lr-slider" else None)


@pytest.mark.parametrize("kind", list(CONTROLS))
def test_player_keys_work_after_touching_a_control(open_playground, kind):
    selector, read = CONTROLS[kind]
    page = open_playground(SLOW)
    _touch(page, selector)
    page.wait_for_function("document.body.dataset.step === '0'")  # (a click on the slider restarts at step 0)
    assert page.evaluate(f"document.activeElement === document.querySelector('{selector}')")
    before = page.eval_on_selector(selector, read)

    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    play_pause_step(page, page, at_least=4)
    page.keyboard.press("r")
    page.wait_for_function("document.body.dataset.step === '0'")
    page.keyboard.press("Shift+R")
    page.wait_for_function("document.body.dataset.step === '0'")

    assert page.eval_on_selector(selector, read) == before, f"the {kind} took a key too"
    assert page.evaluate(f"document.activeElement === document.querySelector('{selector}')")
    assert page.evaluate("window.scrollY") == 0  # Space did not scroll the page


def test_keys_typed_in_a_text_field_stay_there_and_escape_leaves_it(open_playground):
    page = open_playground(SLOW)
    page.click("#lr-input")
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("r")
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    assert _step(page) == 0 and page.get_attribute("body", "data-status") == "paused"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement === document.body || !document.activeElement")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")


def test_enter_toggles_a_focused_checkbox(open_playground):
    page = open_playground(SLOW)
    page.focus("#loss-log-toggle")
    assert page.is_checked("#loss-log-toggle")
    page.keyboard.press("Enter")
    assert not page.is_checked("#loss-log-toggle")


def test_tabs_keep_arrow_keys_for_the_keyboard(open_playground):
    """Reached with Tab (a focus ring), the tab list's arrows move between tabs (ARIA)."""
    page = open_playground(SLOW)
    page.focus("#explore-tabs [aria-selected=true]")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible
    first = page.evaluate("document.activeElement.id")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") != first
    assert _step(page) == 0
