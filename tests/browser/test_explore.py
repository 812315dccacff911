"""The Explore tabs: stability, learning-rate sweep, basin map and scattered starts,
computed over WS /ws/landscape and drawn on the page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# the badge colours (static/js/status.js, Okabe–Ito): one sweep trace per status
STATUS_COLORS = {"converged": "#009E73", "stalled": "#F0E442", "oscillating": "#E69F00",
                 "noise_floor": "#56B4E9", "diverged": "#D55E00", "max_steps": "#CC79A7"}


def test_stability_and_lr_sweep_on_the_bowl(open_playground, page_log):
    # opened on the stability tab (#stability): the 3D view is not drawn until asked for
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1&r0.start=1,1&steps=300&speed=30#stability")
    assert page.get_attribute("#tab-stability", "aria-selected") == "true"
    assert page.locator("#surface3d canvas").count() == 0
    # stability: f = x² + y² has Hessian 2I, so λ_max = 2 and plain GD converges for η < 1
    page.wait_for_selector("#stab-lam-max")
    assert page.text_content("#stab-lam-max") == "2"
    assert page.text_content("#stab-lam-min") == "2"
    assert page.text_content("#stab-kappa") == "1"
    assert page.text_content("#stab-gd-range") == "0 < η < 1"
    assert page.get_attribute("#stab-verdict", "data-inside") == "true"
    page.fill("#lr-input", "1.5")
    page.press("#lr-input", "Enter")
    page.wait_for_function("document.getElementById('stab-verdict').dataset.inside === 'false'")
    assert "beyond" in page.text_content("#stab-verdict")

    # the sweep: η from 1e-4 to 10 for this run, over the landscape socket
    page.click("#tab-sweep")
    page.click("#btn-sweep")
    page.wait_for_function("window.__gdviz.sweep() !== null")
    page.wait_for_function("new URLSearchParams(location.search).get('tab') === 'sweep'")  # the link names the tab
    job = page.evaluate("window.__gdviz.jobsSent()")[-1]
    assert job["type"] == "run" and job["kind"] == "sweep"
    req = job["request"]
    assert req["surface"] == "bowl" and req["run"]["optimizer"] == "gd" and req["run"]["start"] == [1, 1]
    assert req["lrs"] == {"min": 0.0001, "max": 10, "count": 120} and req["steps"] == 300
    result = page.evaluate("window.__gdviz.sweep()")
    assert result["bound"] == pytest.approx(1.0)
    page.wait_for_function("document.getElementById('sweep-plot').data?.length === 6")
    # one trace per status, each in its colour; the key under the plot counts them
    traces = page.evaluate("document.getElementById('sweep-plot').data.map(t => ({n: t.x.length, color: t.marker.color, lrs: t.x}))")
    by_color = {t["color"]: t for t in traces}
    counts = {}
    for p in result["points"]:
        counts[p["status"]] = counts.get(p["status"], 0) + 1
    for status, color in STATUS_COLORS.items():
        assert by_color[color]["n"] == counts.get(status, 0), status
    assert counts["converged"] > 0 and counts["diverged"] > 0
    diverged_lrs = sorted(p["lr"] for p in result["points"] if p["status"] == "diverged")
    assert sorted(by_color[STATUS_COLORS["diverged"]]["lrs"]) == pytest.approx(diverged_lrs)
    key = {li.get_attribute("data-status"): li.text_content() for li in page.locator("#sweep-key li[data-status]").all()}
    assert key["converged"].startswith(str(counts["converged"])) and "diverged" in key["diverged"]
    # the bound line at η = 1, labelled with its formula, and the run's own η
    shapes = page.evaluate("document.getElementById('sweep-plot').layout.shapes")
    assert any(s["line"].get("dash") == "dash" and s["x0"] == pytest.approx(1.0) for s in shapes)
    assert "2/λ_max = 1" in page.text_content("#sweep-plot")
    assert any(s["x0"] == 1.5 and s["line"].get("dash") is None for s in shapes)

    # clicking a point gives the run that η
    i = next(k for k, p in enumerate(result["points"]) if p["status"] == "converged" and 0.2 < p["lr"] < 0.5)
    lr = result["points"][i]["lr"]
    # (once the plot has its final size: the key under it may have just wrapped)
    page.wait_for_function("(el => el._fullLayout && Math.abs(el._fullLayout.height - el.clientHeight) < 2)"
                           "(document.getElementById('sweep-plot'))")
    x, y, _ = page.evaluate(f"window.__gdviz.sweepPointToClient({i})")
    page.mouse.click(x, y)
    page.wait_for_function(f"Math.abs(Number(document.getElementById('lr-input').value) - {lr}) < 1e-3 * {lr}")
    assert page.evaluate("window.__gdviz.scenario().runs[0].lr") == pytest.approx(lr, rel=1e-3)
    page.wait_for_function(f"document.getElementById('sweep-plot').layout.shapes.some(s => Math.abs(s.x0 - {lr}) < 1e-3 * {lr})")
    # and so do the keys: ← chooses the point below, Enter uses it (and → does not step the run)
    page.focus("#sweep-plot")
    step_before = page.evaluate("document.body.dataset.step")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    lower = result["points"][i - 1]["lr"]
    page.wait_for_function(f"Math.abs(Number(document.getElementById('lr-input').value) - {lower}) < 1e-3 * {lower}")
    assert page.evaluate("document.body.dataset.step") == step_before
    assert any(u.endswith("/ws/landscape") for u in page_log_urls(page_log))
    assert page_log.page_errors == [] and page_log.console_errors == []


def page_log_urls(page_log):
    return page_log.urls


def test_basins_cancel_and_scatter_on_himmelblau(open_playground, page_log):
    page = open_playground("surface=himmelblau&r0=gd&r0.lr=0.01&steps=500#basins")
    page.select_option("#basin-n", "32")
    page.click("#btn-basins")
    page.wait_for_function("window.__gdviz.basins() !== null")
    # four minima, each the end of more than a tenth of the starts
    items = page.locator("#basin-legend li")
    minima = [li for li in items.all() if int(li.get_attribute("data-label")) >= 0]
    assert len(minima) == 4
    for li in minima:
        assert float(li.get_attribute("data-share")) > 10
        assert "minimum (" in li.text_content() and "%" in li.text_content()
    # the layer is drawn over the contour: one pixel per start
    assert page.is_visible("#contour .basin-layer")
    assert page.evaluate("document.querySelector('#contour .basin-canvas').width") == 32
    page.uncheck("#basin-toggle")
    assert page.is_hidden("#contour .basin-layer")
    page.check("#basin-toggle")
    # a change of hyperparameter makes the map stale, with an offer to recompute
    page.fill("#lr-input", "0.02")
    page.press("#lr-input", "Enter")
    page.wait_for_function("document.getElementById('basins-panel').classList.contains('stale')")
    assert page.text_content("#btn-basins") == "Recompute"
    assert "stale" in page.get_attribute("#contour .basin-layer", "class")

    # a big map can be cancelled: progress stops and says so
    page.select_option("#basin-n", "256")
    page.click("#btn-basins")
    page.wait_for_function("document.getElementById('job-progress').value > 0")
    assert page.is_visible("#btn-cancel-job")
    page.click("#btn-cancel-job")
    page.wait_for_function("document.getElementById('job-bar').dataset.state === 'cancelled'")
    assert "cancelled" in page.text_content("#job-label")
    assert "cancelled" in page.text_content("#basin-note").lower()
    value = page.evaluate("document.getElementById('job-progress').value")
    page.wait_for_timeout(400)
    assert page.evaluate("document.getElementById('job-progress').value") == value
    assert page.is_hidden("#btn-cancel-job")
    assert any(m["type"] == "cancel" for m in page.evaluate("window.__gdviz.jobsSent()"))

    # 16 scattered starts: 16 thin paths on the contour and one sentence
    page.click("#tab-scatter")
    page.fill("#scatter-n", "16")
    page.click("#btn-scatter")
    page.wait_for_function("window.__gdviz.scatter() !== null")
    assert page.locator("#contour .scatter g.scatter-path").count() == 16
    assert page.text_content("#scatter-summary") == page.evaluate("window.__gdviz.scatter().summary")
    assert "16" in page.text_content("#scatter-summary")
    counts = [int(li.get_attribute("data-count")) for li in page.locator("#scatter-legend li").all()]
    assert sum(counts) == 16
    job = page.evaluate("window.__gdviz.jobsSent()")[-1]
    assert job["kind"] == "scatter" and job["request"]["n"] == 16 and job["request"]["seed"] == 0
    page.click("#btn-scatter-clear")
    assert page.locator("#contour .scatter g.scatter-path").count() == 0

    # the 3D tab draws the surface when it is first opened
    page.click("#tab-3d")
    page.wait_for_selector("#surface3d canvas", state="attached")
    assert "#" not in page.url

    # a new surface clears the map
    page.select_option("#surface-select", "bowl")
    page.wait_for_function("document.querySelectorAll('#basin-legend li').length === 0")
    assert page.is_hidden("#contour .basin-layer")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_stability_bounds_use_the_runs_dampening_and_weight_decay(open_playground, page_log):
    # bowl: λ_max = 2; weight decay wd = 1 makes it 3; dampening τ = 0.5 halves each step:
    # momentum's bound is 2(1+μ)/((1−τ)(λ_max+wd)) = 2·1.9/(0.5·3) = 2.533…
    page = open_playground("surface=bowl&r0=momentum&r0.lr=2.4&r0.momentum=0.9&r0.dampening=0.5"
                           "&r0.weight_decay=1&r0.start=1,1&steps=300#stability")
    page.wait_for_selector("#stab-wd")
    assert page.text_content("tr[data-optimizer='momentum'] td") == "Momentum μ=0.9, τ=0.5"
    assert page.text_content("#stab-gd-range") == "0 < η < 0.667"
    assert page.text_content("#stab-momentum-range") == "0 < η < 2.53"
    assert page.text_content("tr[data-optimizer='momentum'] .stab-formula") == "2(1+μ)/((1−τ)(λ_max + wd))"
    assert "λ_max + wd = 3" in page.text_content("#stab-wd")
    assert page.get_attribute("#stab-verdict", "data-inside") == "true"
    # just beyond the bound
    page.fill("#lr-input", "2.6")
    page.press("#lr-input", "Enter")
    page.wait_for_function("document.getElementById('stab-verdict').dataset.inside === 'false'")
    # and it is the bound the run lives by: played out, 2.6 diverges
    page.click("#btn-play")
    page.wait_for_function("document.body.dataset.status === 'diverged'", timeout=30_000)
    assert page_log.page_errors == []
