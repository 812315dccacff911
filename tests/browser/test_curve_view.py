"""f1d's curve view in Chromium (static/js/views/curve.js): the curve, the tangent at the
selected run's x with the frame's slope, the next step on the x-axis, the path of points on
the curve, and the step's arithmetic written with the frame's own numbers; a run that has
ended says why under the plot without taking the plot's room."""

import re

import pytest

from stepping import settled_step

from gdviz.scenarios.course import guide_url

LINK = "v=1&model=f1d&model.f=quadratic&steps=100&r0=gd&r0.start=1.5&r0.lr=0.1"


def trace(page, name):
    return page.evaluate(
        """(name) => {
            const gd = document.querySelector('#plugin-main .curve-plot');
            const t = gd.data.find((d) => d.name === name);
            return t ? {x: Array.from(t.x), y: Array.from(t.y)} : null;
        }""", name)


def newest(page, run=0):
    return page.evaluate(f"() => window.__gdviz.state.runs[{run}].last")


def step_to(page, n):
    for _ in range(n):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.body.dataset.step === '{n}'")
    assert settled_step(page) == n
    page.wait_for_function(f"document.querySelector('#plugin-main').dataset.step === '{n}'")


def test_the_curve_the_tangent_the_step_and_its_arithmetic(open_playground, page, page_log):
    open_playground(LINK)
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    assert page.is_visible("#plugin-main .curve-plot .main-svg")
    assert page.is_hidden("#contour")
    # at the start: x = 1.5, f′ = 3, the first step written out as the issue writes it
    page.wait_for_function("document.querySelector('#curve-arithmetic').textContent.includes('=')")
    assert page.text_content("#curve-arithmetic") == "x ← 1.5 − 0.1 × 3 = 1.2"
    step_to(page, 3)
    f = newest(page)
    x, g, u, lr = f["params"][0], f["grad"][0], f["update"][0], f["lr"]
    assert x == pytest.approx(1.5 * 0.8 ** 3) and g == pytest.approx(2 * x)
    assert page.text_content("#curve-arithmetic") == "x ← 0.768 − 0.1 × 1.54 = 0.614"
    # the tangent passes through (x, f(x)) with the frame's slope
    t = trace(page, "tangent")
    slope = (t["y"][1] - t["y"][0]) / (t["x"][1] - t["x"][0])
    assert slope == pytest.approx(g) and t["y"][0] + g * (x - t["x"][0]) == pytest.approx(x * x)
    assert "slope f′(x) = 1.54" in page.inner_text("#plugin-main")
    # the step on the x-axis is the frame's update, labelled −η·f′(x)
    arrow = page.evaluate("""() => document.querySelector('#plugin-main .curve-plot')
        .layout.annotations.find((a) => a.showarrow)""")
    assert arrow["ax"] == pytest.approx(x) and arrow["x"] == pytest.approx(x + u)
    assert u == pytest.approx(-lr * g)
    assert "−η·f′(x) = −0.154" in page.inner_text("#plugin-main")
    # the path: every point so far, on the curve
    path = trace(page, "run 1")
    assert len(path["x"]) == 4 and path["x"][0] == 1.5
    assert path["y"] == pytest.approx([v * v for v in path["x"]])
    assert not page_log.page_errors


def test_an_optimizer_whose_step_is_not_minus_eta_slope_says_so(open_playground, page, page_log):
    open_playground("v=1&model=f1d&model.f=two_wells&r0=momentum&r0.lr=0.05&r0.momentum=0.9")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    step_to(page, 2)
    f = newest(page)
    x, u, g, lr = f["params"][0], f["update"][0], f["grad"][0], f["lr"]
    assert abs(u + lr * g) > 1e-6  # momentum carries the previous steps
    line = page.text_content("#curve-arithmetic")
    assert re.fullmatch(r"x ← [−\d.]+ \+ [()−\d.]+ = [−\d.]+", line), line
    note = page.text_content("#plugin-main .curve-note")
    assert "SGD with momentum's step" in note and "−η · f′(x) would be" in note
    assert not page_log.page_errors


def test_a_typed_f_of_x_and_the_stability_bound_two_over_f_second(open_playground, page):
    open_playground("v=1&model=f1d&model.expr=x%5E4-3*x&model.x_min=-2&model.x_max=2"
                    "&r0=gd&r0.lr=0.01&tab=stability")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    assert page.input_value("#model-expr") == "x^4-3*x"
    page.wait_for_selector("#stab-gd-range")
    assert page.text_content("#stab-gd-formula, #stability-panel .stab-formula") == "2/f″"
    assert page.text_content("#stab-lam-max").strip() == "9.91"  # f″ = 12x² at x = 0.909
    assert page.text_content("#stab-gd-range") == "0 < η < 0.202"


def test_dark_theme_draws_the_curve_on_dark_paper(open_playground, page):
    open_playground(LINK + "&theme=dark")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    paper = page.evaluate("() => document.querySelector('#plugin-main .curve-plot')._fullLayout.paper_bgcolor")
    assert paper.replace(" ", "") in ("#171b21", "rgb(23,27,33)")
    ink = page.evaluate("() => getComputedStyle(document.querySelector('#curve-arithmetic')).color")
    assert ink == "rgb(232, 235, 240)"


def test_the_embed_shows_the_whole_arithmetic_under_the_plot(page, server_url):
    page.set_viewport_size({"width": 960, "height": 540})
    page.goto(f"{server_url}/embed?{LINK}")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    page.wait_for_function("document.querySelector('#curve-arithmetic').textContent.includes('=')")
    # (the plot is redrawn to its box once the card's type is set: wait for it to fit)
    page.wait_for_function("""() => {
        const svg = document.querySelector('#plugin-main .curve-plot .main-svg').getBoundingClientRect();
        const card = document.querySelector('#plugin-main .curve-step').getBoundingClientRect();
        const panel = document.querySelector('#plugin-main').getBoundingClientRect();
        return svg.bottom <= card.top + 1 && card.bottom <= panel.bottom + 1;
    }""")
    line = page.locator("#curve-arithmetic").bounding_box()
    assert line["y"] + line["height"] <= 540 and line["height"] < 60  # one line, on screen


def test_the_eta_sweep_on_a_curve_draws_the_bound_two_over_f_second(open_playground, page):
    open_playground("v=1&model=f1d&model.f=quadratic&steps=100&r0=gd&r0.lr=0.1&tab=sweep"
                    "&sweep.min=0.01&sweep.max=2")
    page.click("#btn-sweep")
    page.wait_for_function("document.querySelector('#sweep-caption').dataset.state === 'done'")
    caption = page.text_content("#sweep-caption")
    assert caption.startswith("100 steps from x = 1.5 for each η.")
    labels = page.evaluate("""() => document.querySelector('#sweep-plot').layout.annotations
        .map((a) => a.text)""")
    assert "2/f″ = 1" in labels


def test_typing_f_of_x_in_the_options_replaces_the_named_curve(open_playground, page):
    open_playground("v=1&model=f1d&model.f=two_wells&r0=gd&r0.lr=0.05")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    page.click("#model-options summary")
    assert page.input_value("#model-f") == "two_wells"
    page.fill("#model-expr", "x^4 - 3*x")
    page.press("#model-expr", "Enter")
    page.wait_for_function("document.querySelector('#formula').textContent === 'f(x) = x⁴ − 3x'")
    page.wait_for_function("location.search.includes('model.expr=')")
    assert "model.f=" not in page.evaluate("location.search")
    assert page.input_value("#model-f") == ""  # "—": the typed f stands in for a named one
    page.select_option("#model-f", "cubic")
    page.wait_for_function("document.querySelector('#formula').textContent === 'f(x) = x³'")
    page.wait_for_function("location.search.includes('model.f=cubic')")
    assert "model.expr=" not in page.evaluate("location.search")


def test_after_the_end_the_card_says_the_next_step_was_not_taken(open_playground, page):
    """η = 0.5 on x² lands on 0 in one step and is confirmed at step 2: the card then
    shows the step it would take next, and says it was not taken (not "Step 2 → 3")."""
    open_playground("v=1&model=f1d&model.f=quadratic&steps=100&r0=gd&r0.start=1.5&r0.lr=0.5")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.drawn === '1'")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'converged'")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.step === '2'")
    head = page.text_content("#plugin-main .curve-step-head")
    assert head.startswith("Step 2: the run ended here (converged)") and "→" not in head
    assert page.text_content("#plugin-main .curve-line").startswith(
        "The step it would take next, not taken: ")


def test_the_step_tab_after_the_end_says_the_update_was_not_taken(open_playground, page):
    open_playground("v=1&surface=bowl&steps=100&r0=gd&r0.start=1,1&r0.lr=0.5&tab=step")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'converged'")
    page.wait_for_function("document.querySelector('#step-where').textContent.includes('ended')")
    where = page.text_content("#step-where")
    assert where.startswith("ended at step 2 (converged): update 3, which it would take next "
                            "but did not")


CURVE_ROOM = """() => {
    const view = document.querySelector('#plugin-main').getBoundingClientRect();
    const plot = document.querySelector('#plugin-main .curve-plot').getBoundingClientRect();
    const svg = document.querySelector('#plugin-main .curve-plot .main-svg').getBoundingClientRect();
    // (the element that says why: the reason's own, or — before it had one — the arithmetic's)
    const reason = document.getElementById('curve-reason') ?? document.getElementById('curve-arithmetic');
    return {view: view.height, plot: plot.height, svg: svg.height, bottom: view.bottom,
            reason: reason.textContent, reasonBottom: reason.getBoundingClientRect().bottom,
            font: parseFloat(getComputedStyle(reason).fontSize), clamped: reason.scrollHeight > reason.clientHeight + 1};
}"""


@pytest.mark.parametrize("where, size", [("/", (1280, 720)), ("/embed", (960, 540))])
def test_a_diverged_run_says_why_under_the_curve_and_leaves_it_its_room(page, server_url, where, size):
    """The first guided step with η = 1.1: the reason ("Diverged at step 42: …", five lines)
    was written in the arithmetic's large type and squeezed the curve to a 30 px strip."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    try:
        link = guide_url("1d-slope").replace("r0.lr=0.1", "r0.lr=1.1").replace("speed=4", "speed=60")
        page.goto(server_url + link.replace("/?", f"{where}?"))
        page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
        page.keyboard.press("Space")
        page.wait_for_function("document.body.dataset.status === 'diverged'")
        page.wait_for_function("document.querySelector('#plugin-main .curve-step').textContent.includes('Diverged at step')")
        # (once the plot is redrawn to its box)
        page.wait_for_function(f"(() => {{ const r = ({CURVE_ROOM})(); return Math.abs(r.svg - r.plot) < 2; }})()")
        room = page.evaluate(CURVE_ROOM)
        assert room["plot"] >= 0.6 * room["view"], room
        assert room["font"] <= 17 and room["reasonBottom"] <= room["bottom"] + 0.5, room
        assert page.text_content("#curve-arithmetic") == ""  # (no step to write out)
        # the rest of the reason is a click away, and back
        if room["clamped"]:
            page.click("#plugin-main .curve-more")
            page.wait_for_function("document.querySelector('#plugin-main .curve-more').textContent === 'less'")
            opened = page.evaluate(CURVE_ROOM)
            assert not opened["clamped"] and opened["reasonBottom"] <= opened["bottom"] + 0.5, opened
            page.click("#plugin-main .curve-more")
            page.wait_for_function("document.querySelector('#plugin-main .curve-more').textContent === 'more'")
        # Reset: the card writes the first step again, the reason gone
        page.keyboard.press("r")
        page.wait_for_function("document.getElementById('curve-reason').textContent === ''")
        assert page.is_hidden("#plugin-main .curve-more")
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
