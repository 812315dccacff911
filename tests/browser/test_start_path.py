"""The guided path in Chromium: a first-time visitor to / lands on /start; each step is its
preset's link; a step opens with its goal, Previous / Next, and ticks the goal live when the
run meets it; progress stays in the browser (localStorage) and /start shows it; the full
playground is one click away and remembered."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from gdviz.scenarios.course import course
from gdviz.scenarios.presets import PRESETS


@pytest.fixture
def fresh(sync_pw):
    """A page in a browser of its own: no cookie, no localStorage (a first-time visitor)."""
    browser = sync_pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # (wait_for_function evaluates)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    browser.close()


def ready(page):
    page.wait_for_function("document.body.dataset.ready === '1'")


def test_first_visit_lands_on_start_and_every_step_is_a_preset_link(fresh, server_url):
    fresh.goto(f"{server_url}/")
    assert fresh.url == f"{server_url}/start"
    ready(fresh)
    steps = course()
    hrefs = fresh.eval_on_selector_all(".start-step a", "as => as.map((a) => a.getAttribute('href'))")
    assert hrefs == [s["url"] for s in steps]
    for s, href in zip(steps, hrefs):
        # the preset's own link, with the guide bar
        assert sorted(parse_qsl(urlsplit(href).query)) == sorted(
            parse_qsl(urlsplit(PRESETS[s["preset"]].url).query) + [("guide", "1")])
    assert fresh.text_content("#start-go-verb") == "Start"
    assert fresh.get_attribute("#start-go", "href") == steps[0]["url"]
    assert not fresh.errors


def test_a_step_checks_its_goal_live_and_start_remembers_it(fresh, server_url):
    steps = course()
    fresh.goto(f"{server_url}/start")
    ready(fresh)
    fresh.click("#start-go")
    ready(fresh)
    fresh.wait_for_selector("#guide:not([hidden])")
    assert fresh.text_content("#guide-step") == f"Step 1 of {len(steps)}"
    assert fresh.text_content("#guide-goal") == steps[0]["goal"]
    assert fresh.get_attribute("#guide-next", "href") == steps[1]["url"]
    assert fresh.get_attribute("#guide-prev", "href") == "/start"
    assert fresh.get_attribute("#guide", "data-met") == "false"
    # the goal: converge in under 10 steps — an η the slider can give (course tests: 0.45)
    fresh.fill("#lr-input", "0.45")
    fresh.press("#lr-input", "Enter")
    fresh.click("#btn-play")
    fresh.wait_for_function("document.querySelector('#guide').dataset.met === 'true'")
    assert fresh.text_content("#guide-mark") == "✓ Goal met!"
    assert fresh.evaluate("() => window.__gdviz.state.runs[0].status") == "converged"
    # /start ticks it and goes on with step 2
    fresh.goto(f"{server_url}/start")
    ready(fresh)
    assert "done" in fresh.get_attribute(".start-step[data-preset='1d-slope']", "class")
    assert fresh.text_content("#start-go-verb") == "Continue"
    assert fresh.get_attribute("#start-go", "href") == steps[1]["url"]
    assert "1 of" in fresh.text_content("#start-progress")
    # step 2: Previous goes back to step 1; its goal is not met as it opens
    fresh.click("#start-go")
    ready(fresh)
    fresh.wait_for_selector("#guide:not([hidden])")
    assert fresh.get_attribute("#guide-prev", "href") == steps[0]["url"]
    assert fresh.get_attribute("#guide", "data-met") == "false"
    assert not fresh.errors


def test_the_full_playground_is_one_click_away_and_remembered(fresh, server_url):
    fresh.goto(f"{server_url}/")
    ready(fresh)
    fresh.click("#open-playground")
    fresh.wait_for_url(f"{server_url}/")
    ready(fresh)
    assert fresh.is_visible("#contour")
    fresh.goto(f"{server_url}/")  # again: the choice is kept
    assert fresh.url == f"{server_url}/"
    ready(fresh)
    assert not fresh.errors
