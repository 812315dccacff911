"""A teacher types their own f(x, y) in the page (docs/expressions.md): "Custom f(x, y)…"
in the objective picker, the bar with the formula and its x/y range, checks as they
type (a refused expression's offending characters underlined, nothing else touched),
then contour, 3D, gradient line, runs, the Explore tools and the link on the typed f.
Few page loads: each one costs seconds of software rendering on the test machine."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlparse

import numpy as np
import pytest

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.url import scenario_from_query, scenario_to_query
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.view import view_from_query, view_to_query

pytestmark = pytest.mark.browser

BAR_STATE = "document.getElementById('expr-bar').dataset.state"
CONTOUR = "document.querySelector('#contour .plotly-host')"


def link(expr: str, rest: str = "") -> str:
    return f"v=1&expr={quote(expr)}{rest}"


def number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def wait_drawn(page, canonical: str) -> dict:
    """Wait until the page shows the typed f(x, y) the server reads back as `canonical`,
    waiting at its start; returns its description (POST /api/expr)."""
    page.wait_for_function("e => window.__gdviz.expr()?.expr === e && document.body.dataset.step === '0'",
                           arg=canonical)
    page.wait_for_function(f"{BAR_STATE} === 'applied'")
    return page.evaluate("window.__gdviz.expr()")


def type_expr(page, text: str, state: str) -> None:
    """Type `text` into the field (as a person does, key by key) and wait for its check."""
    page.fill("#expr-input", "")
    page.click("#expr-input")
    page.keyboard.type(text)
    page.wait_for_function(f"{BAR_STATE} === '{state}'")


def page_link(page) -> tuple[str, Scenario]:
    """The address bar (once it follows the page): a v=1 link the server reads with no
    warning as exactly the scenario the page runs, spelled key for key as the server
    writes it."""
    page.wait_for_function("location.search === '?' + window.__gdviz.query()")
    pairs = parse_qsl(urlparse(page.url).query, keep_blank_values=True)
    scenario, warnings = scenario_from_query(dict(pairs))
    view, view_warnings = view_from_query(dict(pairs), presets=PRESETS)
    assert warnings == [] and view_warnings == []
    assert scenario == Scenario.model_validate(page.evaluate("window.__gdviz.forServer()"))
    assert pairs == list(scenario_to_query(scenario).items()) + list(view_to_query(view).items())
    return page.url, scenario


def play_to_end(page) -> dict:
    page.keyboard.press("Space")
    page.wait_for_function("['converged', 'diverged', 'oscillating', 'max_steps'].includes(document.body.dataset.status)")
    return page.evaluate("window.__gdviz.path(0)")


def test_typed_f_draws_its_grid_gradient_and_runs_and_its_link_replays(open_playground, page_log):
    page = open_playground("v=1&surface=himmelblau&r0=gd&r0.lr=0.04&speed=500")
    assert page.is_hidden("#expr-bar")
    start = page.evaluate("window.__gdviz.scenario().runs[0].start")

    # the picker's own entry opens the bar on an example, drawn; the teacher types f
    page.select_option("#surface-select", "expr:")
    wait_drawn(page, "x**2 + 10*y**2")
    assert page.evaluate("document.activeElement.id") == "expr-input"  # ready to type over
    type_expr(page, "x^2+10*y^2", "ok")
    assert page.text_content("#expr-ok").startswith("✓ f(x, y) = x² + 10y²")
    page.press("#expr-input", "Enter")
    page.wait_for_function("window.__gdviz.scenario().expr === 'x^2+10*y^2'")
    desc = wait_drawn(page, "x**2 + 10*y**2")
    assert page.is_visible("#expr-bar")
    assert page.input_value("#surface-select") == "expr:"
    assert page.text_content("#formula") == "f(x, y) = x² + 10y²"
    assert desc["domain"] == [[-3, 3], [-3, 3]] and desc["contour_scale"] == "linear"
    # the start inside the new domain is kept; a new f takes its own suggested η
    assert page.evaluate("window.__gdviz.scenario().runs[0]") == {"optimizer": "gd", "lr": desc["lr"], "start": start}
    assert page.input_value("#lr-input") == str(desc["lr"])
    page.fill("#lr-input", "0.04")  # (the teacher's own η, for what follows)
    page.press("#lr-input", "Enter")
    page.wait_for_function("window.__gdviz.scenario().runs[0].lr === 0.04")
    page.keyboard.press("Escape")  # out of the field: the keys are the player's again

    # the contour is drawn from the server's grid: f itself at every point
    trace = page.evaluate(f"{CONTOUR}.data[0]")
    x, y, z = np.asarray(trace["x"]), np.asarray(trace["y"]), np.asarray(trace["z"], dtype=float)
    assert z.shape == (len(y), len(x)) == (120, 120)
    for j, i in [(0, 0), (17, 93), (60, 60), (119, 5), (101, 119)]:
        assert z[j, i] == pytest.approx(x[i] ** 2 + 10 * y[j] ** 2, rel=1e-12, abs=1e-12)
    stars = page.evaluate(f"{CONTOUR}.data[1]")
    assert (stars["x"], stars["y"]) == ([0], [0])

    # the gradient's formula under the contour, with the frame's own numbers after a Step
    assert page.is_visible("#expr-grad")
    assert page.text_content("#expr-grad-formula") == "∇f = (2x, 20y)"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    page.wait_for_function("Number(document.querySelector('#expr-grad .expr-grad-value').dataset.value)"
                           " === window.__gdviz.state.runs[0].last.grad[0]")
    frame = page.evaluate("window.__gdviz.state.runs[0].last")
    (px, py), grad = frame["params"], frame["grad"]
    assert grad == pytest.approx([2 * px, 20 * py], rel=1e-12)
    values = page.locator("#expr-grad .expr-grad-value")
    for i in range(2):
        assert float(values.nth(i).get_attribute("data-value")) == grad[i]
        assert number(values.nth(i).text_content()) == pytest.approx(grad[i], rel=5e-3, abs=1e-9)

    # Play: GD with η = 0.04 < 2/20 converges to the minimum at the origin
    page.keyboard.press("r")
    page.wait_for_function("document.body.dataset.step === '0'")
    path = play_to_end(page)
    assert page.get_attribute("body", "data-status") == "converged"
    assert abs(path["x"][-1]) < 1e-3 and abs(path["y"][-1]) < 1e-3

    # the link names the typed f — the default domain left out, as the server writes it
    url, scenario = page_link(page)
    assert scenario.expr == "x^2+10*y^2" and scenario.domain is None
    assert "expr=x%5E2%2B10%2Ay%5E2&steps=" in url  # urlencode's spelling, no domain

    # another x/y range: typed in the bar, drawn, in the link
    page.fill("#expr-xmin", "-2")
    page.fill("#expr-xmax", "2.5")
    page.press("#expr-xmax", "Enter")
    page.wait_for_function("JSON.stringify(window.__gdviz.expr()?.domain) === '[[-2,2.5],[-3,3]]'")
    page.wait_for_function("document.body.dataset.step === '0'")
    assert page.evaluate(f"{CONTOUR}.data[0].x[0]") == -2
    path = play_to_end(page)
    url, scenario = page_link(page)
    assert scenario.domain == ((-2, 2.5), (-3, 3)) and "&domain=-2,2.5,-3,3&" in url

    # the link opens the same scenario, and it runs the same frames
    page.goto(url)
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    wait_drawn(page, "x**2 + 10*y**2")
    assert page.input_value("#expr-input") == "x^2+10*y^2"
    assert [page.input_value(f"#expr-{k}") for k in ("xmin", "xmax", "ymin", "ymax")] == ["-2", "2.5", "-3", "3"]
    assert play_to_end(page) == path
    assert page_log.page_errors == []


def test_a_refused_expression_is_pointed_at_and_changes_nothing(open_playground, page_log):
    page = open_playground(link("x^2 + 10*y^2", "&r0=gd&r0.lr=0.04"))
    wait_drawn(page, "x**2 + 10*y**2")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    before = page.evaluate("({scenario: window.__gdviz.scenario(), sent: window.__gdviz.sent().length,"
                           " frames: window.__gdviz.frames().length, query: window.__gdviz.query()})")

    type_expr(page, "x + eval(y)", "refused")
    assert page.text_content("#expr-problem .expr-bad") == "eval"
    assert page.text_content("#expr-problem .expr-echo") == "x + eval(y)"
    assert "unknown function 'eval'" in page.text_content("#expr-problem .expr-message")
    assert page.get_attribute("#expr-input", "aria-invalid") == "true"
    # Enter does not draw it: the message stays and the running scenario is untouched
    page.press("#expr-input", "Enter")
    page.wait_for_function(f"{BAR_STATE} === 'refused'")
    page.wait_for_timeout(300)
    after = page.evaluate("({scenario: window.__gdviz.scenario(), sent: window.__gdviz.sent().length,"
                          " frames: window.__gdviz.frames().length, query: window.__gdviz.query()})")
    assert after == before
    assert page.text_content("#formula") == "f(x, y) = x² + 10y²"
    assert page.locator(".toast").count() == 0  # the message is under the field, not in a toast

    # look-alikes are one character each, wherever they are (columns count code points)
    type_expr(page, "y + 𝑥^2", "refused")
    assert page.text_content("#expr-problem .expr-bad") == "𝑥"
    assert "MATHEMATICAL ITALIC SMALL X" in page.text_content("#expr-problem .expr-message")
    type_expr(page, "х^2 + y^2", "refused")  # a Cyrillic х
    assert page.text_content("#expr-problem .expr-bad") == "х"
    # a long text: the echo is cut around the offending token, which is still underlined
    long_text = "0.12345678901234567890*x + " * 6 + "sinn(y)"  # 169 characters
    type_expr(page, long_text, "refused")
    assert page.text_content("#expr-problem .expr-bad") == "sinn"
    echo = page.text_content("#expr-problem .expr-echo")
    assert echo.startswith("…") and echo.endswith("sinn(y)") and len(echo) < len(long_text)
    # something missing at the end: a blank is underlined there
    type_expr(page, "x +", "refused")
    assert page.text_content("#expr-problem .expr-echo") == "x + "
    assert page.text_content("#expr-problem .expr-bad") == " "
    assert "incomplete" in page.text_content("#expr-problem .expr-message")

    # a bad range is refused the same way, on the range's fields
    page.fill("#expr-input", "x^2 + 10*y^2")
    page.fill("#expr-xmin", "2")
    page.fill("#expr-xmax", "1")
    page.wait_for_function(f"{BAR_STATE} === 'refused'")
    assert page.get_attribute("#expr-xmin", "aria-invalid") == "true"
    assert page.get_attribute("#expr-ymin", "aria-invalid") == "false"
    assert page.is_hidden("#expr-problem .expr-echo")
    assert "x range" in page.text_content("#expr-problem .expr-message")

    # Escape: back to what is drawn
    page.focus("#expr-input")
    page.keyboard.press("Escape")
    assert page.input_value("#expr-input") == "x^2 + 10*y^2" and page.input_value("#expr-xmin") == "-3"
    assert page.is_hidden("#expr-problem")
    assert page.evaluate("window.__gdviz.sent().length") == before["sent"]
    assert page_log.page_errors == []


def test_where_f_is_undefined_the_plots_leave_gaps_and_a_run_says_why(open_playground, page_log):
    page = open_playground(link("x^2 + 10*y^2", "&r0=gd&r0.lr=0.1&r0.start=0.05,0.5"))
    wait_drawn(page, "x**2 + 10*y**2")
    assert page.is_hidden("#key-gap")
    type_expr(page, "log(x) + y^2", "ok")
    for k, v in {"xmin": "-1", "xmax": "1", "ymin": "-1", "ymax": "1"}.items():
        page.fill(f"#expr-{k}", v)
    page.press("#expr-ymax", "Enter")
    desc = wait_drawn(page, "log(x) + y**2")
    assert page.text_content("#formula") == "f(x, y) = ln(x) + y²"
    assert page.evaluate("window.__gdviz.scenario().runs[0]") == {"optimizer": "gd", "lr": desc["lr"], "start": [0.05, 0.5]}

    # null where x ≤ 0 (log is not finite there), numbers elsewhere: in the grid and the contour
    def check_gaps(trace):
        xs, z = trace["x"], trace["z"]
        for row in z:
            for xv, v in zip(xs, row):
                assert (v is None) == (xv <= 0), (xv, v)
    check_gaps(desc)
    check_gaps(page.evaluate(f"{CONTOUR}.data[0]"))
    assert page.is_visible("#key-gap")
    # …and in the 3D surface (its coarser mesh of the same grid)
    page.click("#tab-3d")
    page.wait_for_function("document.body.dataset.surface3d === 'drawn'"
                           " && document.getElementById('surface3d').data?.[0]?.x?.[0] === -1")
    check_gaps(page.evaluate("document.getElementById('surface3d').data[0]"))

    # a step that lands where f is undefined ends the run with the server's reason
    page.click("#btn-step")
    page.wait_for_function("document.body.dataset.status === 'diverged'")
    assert "no finite value" in page.text_content("#status-reason")
    assert page.text_content("#expr-grad-formula") == "∇f = (1/x, 2y)"
    assert page_log.page_errors == []


def test_the_explore_tools_work_on_a_typed_f(open_playground, page_log):
    # a link straight to the basin map of a double well: it runs once on load
    page = open_playground(link("(x^2 - 1)^2 + y^2", "&r0=gd&r0.lr=0.05&tab=basins&basins.n=32"))
    page.wait_for_function("window.__gdviz.basins() !== null")
    basins = page.evaluate("window.__gdviz.basins()")
    request = page.evaluate("window.__gdviz.jobsSent().find(m => m.kind === 'basins').request")
    assert request["expr"] == "(x^2 - 1)^2 + y^2" and "surface" not in request
    found = {label for row in basins["labels"] for label in row if label >= 0}
    assert len(basins["minima"]) == 2 and found == {0, 1}
    assert sorted(m[0] for m in basins["minima"]) == pytest.approx([-1, 1], abs=1e-6)
    assert page.locator("#basin-legend li").count() >= 2
    # a click on the contour still moves the start
    x, y = page.evaluate("window.__gdviz.toClient([0.5, -0.75])")
    page.mouse.click(x, y)
    page.wait_for_function("Math.abs(window.__gdviz.scenario().runs[0].start[0] - 0.5) < 0.02")
    assert page.evaluate("window.__gdviz.scenario().runs[0].start")[1] == pytest.approx(-0.75, abs=0.02)

    # stability: the Hessian at the nearest minimum (±1, 0) is diag(8, 2)
    page.click("#tab-stability")
    page.wait_for_function("window.__gdviz.stability()?.lam_max > 0")
    data = page.evaluate("window.__gdviz.stability()")
    assert data["lam_max"] == pytest.approx(8) and data["lam_min"] == pytest.approx(2)
    assert data["bounds"]["gd"]["max_lr"] == pytest.approx(0.25)

    # a small η sweep and a few scattered starts, on the same f
    page.click("#tab-sweep")
    page.fill("#sweep-count", "8")
    page.click("#btn-sweep")
    page.wait_for_function("window.__gdviz.sweep()?.points?.length === 8")
    assert page.evaluate("window.__gdviz.jobsSent().at(-1).request.expr") == "(x^2 - 1)^2 + y^2"
    page.click("#tab-scatter")
    page.fill("#scatter-n", "4")
    page.click("#btn-scatter")
    page.wait_for_function("window.__gdviz.scatter() !== null")
    assert page.evaluate("window.__gdviz.jobsSent().at(-1).request.expr") == "(x^2 - 1)^2 + y^2"
    assert page_log.page_errors == []


def test_a_link_with_a_refused_expr_opens_the_default_surface_and_says_why(open_playground):
    page = open_playground(link("x + eval(y)"))
    notice = page.text_content("#warnings")
    assert "expr: unknown function 'eval'" in notice and "using the default surface" in notice
    assert page.input_value("#surface-select") == "himmelblau"
    assert page.is_hidden("#expr-bar") and page.is_hidden("#expr-grad")


def test_an_embed_link_with_a_typed_f_renders(page, server_url, page_log):
    page.set_viewport_size({"width": 960, "height": 540})
    page.goto(f"{server_url}/embed?{link('sin(x)*cos(y) + 0.1*(x^2+y^2)', '&r0=gd&r0.lr=0.1')}")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    desc = page.evaluate("window.__gdviz.expr()")
    assert desc["expr"] == "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    assert page.evaluate(f"{CONTOUR}.data[0].z") == desc["z"]
    assert page.is_hidden("#expr-bar")  # nothing is typed on a slide
    assert page.is_visible("#contour") and page.is_visible("#expr-grad")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    page.wait_for_function("Number(document.querySelector('#expr-grad .expr-grad-value').dataset.value)"
                           " === window.__gdviz.state.runs[0].last.grad[0]")
    assert page_log.page_errors == []
