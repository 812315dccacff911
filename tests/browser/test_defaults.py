"""Sensible defaults: a hand-written link runs at its objective's own start and η, a new
objective brings its suggested η, the contour's axes follow the objective, and the page
opens on its 2D views (the 3D view is drawn when asked for)."""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser

CONTOUR = "document.querySelector('#contour .plotly-host')"


def surfaces(server_url) -> dict:
    with urllib.request.urlopen(f"{server_url}/api/surfaces") as r:
        return {s["id"]: s for s in json.load(r)}


def test_a_surface_named_alone_runs_at_its_own_start_and_eta(open_playground, server_url):
    rosen = surfaces(server_url)["rosenbrock"]
    page = open_playground("surface=rosenbrock&speed=200")
    run = page.evaluate("window.__gdviz.scenario().runs[0]")
    assert run["lr"] == rosen["lr"] and run["start"] == rosen["start"]
    assert page.input_value("#lr-input") == str(rosen["lr"])
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.body.dataset.step) >= 30")  # it diverged at step 4 at η 0.01
    assert page.get_attribute("body", "data-status") != "diverged"


def test_scattered_starts_use_the_surfaces_eta(open_playground, server_url):
    page = open_playground("surface=rastrigin&tab=scatter&scatter.n=8")
    page.wait_for_function("window.__gdviz.jobsSent().some(j => j.kind === 'scatter')")
    job = [j for j in page.evaluate("window.__gdviz.jobsSent()") if j["kind"] == "scatter"][-1]
    assert job["request"]["run"]["lr"] == surfaces(server_url)["rastrigin"]["lr"] == 0.002


def test_a_new_objective_brings_its_eta_and_a_race_keeps_its_ratios(open_playground, server_url):
    own = surfaces(server_url)
    page = open_playground("surface=himmelblau&r0=gd&r0.lr=0.01&r1=gd&r1.lr=0.1")
    page.select_option("#surface-select", "rosenbrock")
    page.wait_for_function("window.__gdviz.scenario().surface === 'rosenbrock' && document.body.dataset.step === '0'")
    runs = page.evaluate("window.__gdviz.scenario().runs")
    assert [r["lr"] for r in runs] == [own["rosenbrock"]["lr"], 10 * own["rosenbrock"]["lr"]]
    assert [r["start"] for r in runs] == [own["rosenbrock"]["start"]] * 2
    assert page.input_value("#lr-input") == str(own["rosenbrock"]["lr"])
    # a two-weight model's suggested η arrives with its description
    page.select_option("#surface-select", "model:linreg2")
    page.wait_for_function("window.__gdviz.model()?.kind === 'linreg2' && document.body.dataset.step === '0'")
    lr = page.evaluate("window.__gdviz.model().lr")
    assert [r["lr"] for r in page.evaluate("window.__gdviz.scenario().runs")] == [lr, pytest.approx(10 * lr)]


def test_the_contour_axes_follow_the_objective_after_a_typed_f(open_playground):
    page = open_playground("expr=x%5E2%2B10*y%5E2&domain=-8,8,-20,20&r0=gd&r0.lr=0.001")
    assert page.evaluate(f"{CONTOUR}._fullLayout.yaxis.range") == [-20, 20]
    page.select_option("#surface-select", "bowl")
    page.wait_for_function(f"window.__gdviz.scenario().surface === 'bowl' && {CONTOUR}.data[0].x.at(-1) === 2")
    assert page.evaluate(f"{CONTOUR}._fullLayout.xaxis.range") == [-2, 2]
    assert page.evaluate(f"{CONTOUR}._fullLayout.yaxis.range") == [-2, 2]


def test_the_page_opens_on_its_2d_views(open_playground):
    page = open_playground("surface=himmelblau")
    assert page.get_attribute("#tab-stability", "aria-selected") == "true"
    assert page.get_attribute("body", "data-surface3d") == "deferred"
    assert page.locator("#surface3d canvas").count() == 0
    assert "tab=" not in page.evaluate("window.__gdviz.query()")  # the default tab is not written
    page.click("#tab-3d")
    page.wait_for_function("document.body.dataset.surface3d === 'drawn'")
    page.wait_for_function("window.__gdviz.query().includes('tab=3d')")
