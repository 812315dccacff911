"""The cnn and complex_linreg kinds in the page: the CNN's inside view plays with the
engine's numbers, keeps its view keys in the link, the Mistakes tab counts what the
server counted; the complex race's gradient rule is a run setting; an embed and the
offline export show the CNN's view."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gdviz.engine.nets.cnn_trace import cnn_trace
from gdviz.export_html import to_html
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate

pytestmark = pytest.mark.browser

CNN = "v=1&model=cnn&model.n=100&model.kernels=4&r0=adam&r0.lr=0.01"


def number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def test_the_cnn_view_shows_the_engines_numbers_and_keeps_its_keys(open_playground, page_log):
    page = open_playground(CNN)
    page.wait_for_selector(".cnn-view .cnn-kernel canvas")
    assert page.locator(".cnn-kernel canvas").count() == 4
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '3'")
    page.wait_for_function("window.__gdviz.state.runs[0].withParams?.step === 3")
    # the sum the view writes out is the engine's conv pixel at the shown weights: read
    # once the view has drawn the step (two frames on), weights, head and line at once
    # (the pixel shown may change from one drawing to the next)
    page.wait_for_function("document.querySelector('.cnn-sumhead') !== null")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shown = page.evaluate("""() => ({
        params: window.__gdviz.state.runs[0].withParams.params,
        head: document.querySelector('.cnn-sumhead').textContent,
        line: document.querySelector('.cnn-sumline').textContent})""")
    params, head, line = np.array(shown["params"]), shown["head"], shown["line"]
    k, row, col = map(int, re.search(r"kernel (\d+) at row (\d+), col (\d+)", head).groups())
    z = number(line.rsplit("z", 1)[1])
    net = objective_of(Scenario.model_validate({"model": {"kind": "cnn", "n": 100,
                                                          "kernels": [4]}}))
    t = cnn_trace(net, params, [0])
    assert z == pytest.approx(t.layers[0].z[0, row - 1, col - 1, k - 1], rel=5e-3, abs=5e-4)
    # softmax bars: the target's row is the image's label
    assert page.locator(".cnn-barrow.cnn-target").count() == 1
    # Backward and the next image go into the link
    page.click(".cnn-modes [data-mode='backward']")
    page.wait_for_function("location.search.includes('cnn.mode=backward')")
    assert "∂L/∂p at the pool" in page.text_content(".cnn-maps")
    page.click(".cnn-bar button:has-text('▶')")
    page.wait_for_function("location.search.includes('cnn.image=1')")
    # the Mistakes tab counts the held-out images as the server did
    page.click("[data-tab='confusion']")
    page.wait_for_selector("table.confusion td")
    conf = page.evaluate("window.__gdviz.state.runs[0].withParams.confusion")
    right = sum(conf[i][i] for i in range(len(conf)))
    caption = page.text_content(".confusion-view .pane-caption")
    assert f"{right} of 20 right" in caption
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_the_complex_race_and_its_gradient_rule(open_playground, page_log):
    page = open_playground("v=1&preset=complex-gradient")
    assert "no conjugate" in page.text_content("#runs-list li:nth-child(2)")
    assert page.is_visible("#run-rule-row")
    assert page.input_value("#run-rule-select") == "conjugate"
    page.click("#runs-list li:nth-child(2)")
    page.wait_for_function("document.getElementById('run-rule-select').value === 'no_conjugate'")
    page.click("#runs-list li:nth-child(1)")
    page.select_option("#run-rule-select", "no_conjugate")
    page.wait_for_function("location.search.includes('r0.grad_rule=no_conjugate')")
    assert page_log.page_errors == []


def test_an_embed_of_the_routing_lesson_opens_backward(page, server_url, page_log):
    page.goto(server_url + PRESETS["maxpool-routing"].url.replace("/?", "/embed?", 1))
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.wait_for_selector(".cnn-view .cnn-maprow canvas")
    assert page.get_attribute(".cnn-modes [data-mode='backward']", "aria-pressed") == "true"
    assert page_log.page_errors == []


def test_the_offline_export_of_a_cnn_draws_its_view(strict_page, tmp_path):
    scenario = Scenario.model_validate({"model": {"kind": "cnn", "n": 60, "kernels": [3]},
                                        "steps": 20, "runs": [{"optimizer": "adam", "lr": 0.01}]})
    path = tmp_path / "cnn.html"
    path.write_text(to_html(scenario, simulate(scenario)), encoding="utf-8")
    requests, errors = [], []
    strict_page.on("request", lambda r: requests.append(r.url))
    strict_page.on("pageerror", lambda e: errors.append(str(e)))
    strict_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    strict_page.goto(path.as_uri())
    strict_page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    strict_page.wait_for_selector(".cnn-view .cnn-kernel canvas")
    assert strict_page.locator(".cnn-kernel canvas").count() == 3
    assert "image 1 of 48" in strict_page.text_content(".cnn-which")
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in requests), requests
    assert errors == []
