"""Model scenarios in the page (docs/models.md): linreg2/logreg2 on the weight plane
with their data & fit, and a tiny network with its decision boundary, curves,
per-layer gradient norms, loss slice and diagnosis. Few page loads: each one costs
seconds of software rendering on the test machine."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.browser

LINREG = "v=1&model=linreg2&r0=gd&r0.lr=0.1"
MOONS = ("v=1&model=mlp&model.dataset=moons&model.hidden=16,16&model.activation=tanh"
         "&r0=adam&r0.lr=0.01&steps=2000&speed=150")
XOR = ("v=1&model=mlp&model.dataset=xor&model.hidden=8&model.activation=relu&model.batch_size=32"
       "&r0=adam&r0.lr=0.01&r0.init=he")


def number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def last_frame(page, run: int = 0) -> dict:
    return page.evaluate(f"window.__gdviz.state.runs[{run}].last")


def test_linreg2_then_logreg2_weight_plane_fit_and_gradient(open_playground, page_log):
    page = open_playground(LINREG)
    # the loss over (w1, w2) as a contour, the data & fit tab open beside it
    assert page.locator("#contour .contourlayer path").count() > 0
    assert page.is_visible("#fit-panel") and page.is_visible("#tab-3d")
    assert page.is_visible("#tab-sweep") and page.is_hidden("#tab-basins") and page.is_visible("#tabs-note")
    assert page.evaluate("document.getElementById('fit-plot').data.length") == 4  # + the traced point's ring
    assert "true: 1·x1 − 2·x2" in page.text_content("#fit-model")
    assert page.input_value("#surface-select") == "model:linreg2"

    # a few steps: the formula's numbers are the newest frame's gradient, the fit follows
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '3'")
    page.wait_for_function("document.querySelector('.grad-value').dataset.value !== ''"
                           " && Number(document.querySelector('.grad-value').dataset.value)"
                           " === window.__gdviz.state.runs[0].last.grad[0]")
    frame = last_frame(page)
    lines = page.locator("#fit-grad .grad-line").all_text_contents()
    assert lines[0].startswith("∂L/∂w1 = 2·mean((ŷ−y)·x1) = ")
    assert lines[1].startswith("∂L/∂w2 = 2·mean((ŷ−y)·x2) = ")
    for i, line in enumerate(lines):
        assert number(line.rsplit("=", 1)[1]) == pytest.approx(frame["grad"][i], rel=5e-3)
    w1, w2 = frame["params"]
    page.wait_for_function("w => { const f = window.__gdviz.fitWeights(); return f && f[0] === w[0] && f[1] === w[1]; }",
                           arg=[w1, w2])
    pred = page.evaluate("document.getElementById('fit-plot').data[2].y")
    x = page.evaluate("window.__gdviz.model().data.x")
    assert np.allclose(pred, np.asarray(x) @ np.array([w1, w2]))
    assert page.evaluate("window.__gdviz.pathPoints(0)") == 4
    # the stability tools know the model: GD's bound 2/λ_max from the Hessian 2XᵀX/N
    page.click("#tab-stability")
    page.wait_for_function("window.__gdviz.stability()?.lam_max > 0")
    x = np.asarray(x)
    assert page.evaluate("window.__gdviz.stability().lam_max") == pytest.approx(
        np.linalg.eigvalsh(2 * x.T @ x / len(x)).max(), rel=1e-9)

    # the picker switches to logreg2: a new plane, the two classes and the decision line
    page.select_option("#surface-select", "model:logreg2")
    page.wait_for_function("window.__gdviz.model()?.kind === 'logreg2' && document.body.dataset.step === '0'")
    page.click("#tab-fit")  # (a plot under a closed tab is drawn when its tab opens)
    page.wait_for_function("document.getElementById('fit-plot').data?.some(t => t.name === 'decision line')")
    start = page.evaluate("window.__gdviz.scenario().runs[0].start")
    assert start == page.evaluate("window.__gdviz.model().start")
    # the line w1·x1 + w2·x2 = 0 through the origin, at the run's weights
    w1, w2 = last_frame(page)["params"]
    page.wait_for_function("w => { const f = window.__gdviz.fitWeights(); return f && f[0] === w[0] && f[1] === w[1]; }",
                           arg=[w1, w2])
    data = page.evaluate("document.getElementById('fit-plot').data")
    line = next(t for t in data if t.get("name") == "decision line")
    for px, py in zip(line["x"], line["y"]):
        assert abs(w1 * px + w2 * py) < 1e-6 * (abs(px) + abs(py))
    assert sum(1 for t in data if t.get("fill") == "toself") == 2, "both half-planes shaded"
    assert page.text_content("#readout-acc").endswith("%")
    assert "accuracy" in page.text_content("#fit-model")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_mlp_on_moons_trains_boundary_matches_engine_slice_and_healthy_diagnosis(open_playground, page_log):
    page = open_playground(MOONS)
    assert page.is_visible("#boundary") and page.is_hidden("#contour")
    assert page.is_visible("#net-panel"), "a network opens on its diagram"
    assert page.get_attribute("body", "data-surface3d") == "none"
    page.keyboard.press("Space")
    page.wait_for_function("(window.__gdviz.state.runs[0].accs.at(-1) ?? 0) > 0.9", timeout=60_000)
    page.keyboard.press("Space")  # pause
    page.wait_for_function("document.body.dataset.status === 'paused'")
    run = page.evaluate("(() => { const r = window.__gdviz.state.runs[0];"
                        " return {accs: r.accs, steps: r.steps, norms: r.layerNorms.at(-1), step: r.last.step}; })()")
    assert len(run["accs"]) == len(run["steps"]), "every frame reaches the curves, thin or not"
    assert run["steps"] == list(range(len(run["steps"])))
    # the readout ("train / test") is the newest frame's (frames still in flight at the
    # pause may come after the one that passed 90 %, and accuracy is not monotonic: it can
    # read 90.0 % again)
    page.wait_for_function("(() => { const a = window.__gdviz.state.runs[0].accs.at(-1);"
                           " return document.getElementById('readout-acc').textContent"
                           ".startsWith(`${(100 * a).toFixed(1)}% / `); })()")
    acc = page.text_content("#readout-acc")
    assert number(acc.split("%")[0]) >= 85
    assert max(run["accs"]) > 0.9
    assert page.text_content("#readout-x-label") == "epochs"
    assert page.text_content("#readout-y") == "1/1"  # full batch: one batch per epoch
    # train solid + test dashed per run, in the loss and accuracy plots (then each line's
    # end dot: where the run is now)
    page.wait_for_function("document.getElementById('acc-plot').data?.filter(t => t.meta !== 'now').length === 2"
                           " && document.getElementById('acc-plot').data[0].x.length > 5")
    dashes = page.evaluate("document.getElementById('loss-plot').data.filter(t => t.meta !== 'now').map(t => t.line.dash)")
    assert dashes == ["solid", "dash"]
    # one line per weight layer (2-16-16-2: W1, W2, W3), log axis
    page.wait_for_function("document.getElementById('layers-plot').data?.length === 3")
    layout = page.evaluate("(() => { const g = document.getElementById('layers-plot');"
                           " return {names: g.data.map(t => t.name), type: g.layout.yaxis.type}; })()")
    assert layout == {"names": ["W1", "W2", "W3"], "type": "log"}
    assert len(run["norms"]) == 3

    # the boundary the page drew is the engine's, at the newest weights of run 1
    page.wait_for_function("window.__gdviz.boundary()?.step === window.__gdviz.state.runs[0].withParams.step")
    snap = page.evaluate("window.__gdviz.boundary()")
    from gdviz.engine.nets.datasets import make_dataset
    from gdviz.engine.nets.mlp import MLP
    net = MLP(make_dataset("moons", n=400, test_fraction=0.2, seed=0), hidden=(16, 16),
              activation="tanh", head="softmax_ce")
    want = net.predict_proba_grid(np.array([snap["params"]]), snap["xs"], snap["ys"])[0]
    assert len(snap["xs"]) >= 50 and len(snap["ys"]) >= 50
    assert np.abs(np.asarray(snap["proba"]) - want).max() < 1e-9
    z = page.evaluate("document.getElementById('boundary').data[0].z")
    assert len(z) == len(snap["ys"]) and all(v is not None for v in z[0])

    # a healthy run: the plain-words empty state
    page.wait_for_function("document.getElementById('why-findings').dataset.state !== 'waiting'")
    assert page.get_attribute("#why-findings", "data-state") == "healthy"
    assert "Nothing looks wrong" in page.text_content("#why-findings")

    # a random-plane slice at the current weights: a grid and the projected path
    page.click("#tab-slice")
    page.select_option("#slice-grid", "17")
    page.click("#btn-slice")
    page.wait_for_function("window.__gdviz.slice() !== null")
    page.wait_for_function("document.getElementById('slice-caption').dataset.state === 'done'")
    s = page.evaluate("window.__gdviz.slice()")
    sent = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "slice"]
    assert sent[-1]["plane"] == "random" and sent[-1]["grid"] == 17 and sent[-1]["run"] == 0
    # through the weights the run has now (frames still in flight at the pause included)
    assert len(s["loss"]) == 17 and len(s["loss"][0]) == 17
    assert s["step"] == last_frame(page)["step"] >= run["step"]
    page.wait_for_function("document.getElementById('slice-plot').data?.length === 5")
    traces = page.evaluate("document.getElementById('slice-plot').data.map(t => [t.type, t.x.length])")
    assert traces[0] == ["contour", 17]
    assert traces[2][1] == len(s["path"]["alpha"]) > 2
    page.keyboard.press("ArrowRight")  # the run moves on: the slice is stale
    page.wait_for_function("document.getElementById('slice-caption').dataset.state === 'stale'")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_mlp_link_opens_its_options_and_a_zeros_init_is_diagnosed(open_playground, page_log):
    page = open_playground(XOR)
    page.wait_for_function("window.__gdviz.model()?.kind === 'mlp'")
    assert page.input_value("#surface-select") == "model:mlp"
    assert page.input_value("#model-dataset") == "xor"
    assert page.input_value("#model-hidden") == "8"
    assert page.input_value("#model-activation") == "relu"
    assert page.input_value("#model-batch_size") == "32"
    assert page.input_value("#run-init-select") == "he"
    assert "10 batches of 32 per epoch" in page.text_content("#model-batches")
    assert page.text_content("#readout-y") == "1/10"
    # a bad layer list is refused on the page, and the model is not changed
    page.click("#model-options summary")
    page.fill("#model-hidden", "8,64")
    page.press("#model-hidden", "Enter")
    assert page.get_attribute("#model-hidden", "aria-invalid") == "true"
    assert page.evaluate("window.__gdviz.scenario().model.hidden") == [8]

    # this run starts from zeros: every hidden unit the same, forever — and the page says so
    page.select_option("#run-init-select", "zeros")
    page.wait_for_function("window.__gdviz.scenario().runs[0].init === 'zeros'")
    page.wait_for_function("document.querySelector('#why-findings [data-id=symmetric]') !== null")
    assert page.evaluate("window.__gdviz.state.runs[0].withParams.params.every(v => v === 0)")
    page.click("#btn-step")  # the stream says the same
    page.wait_for_function("window.__gdviz.sent().some(m => m.type === 'start')")
    start = [m for m in page.evaluate("window.__gdviz.sent()") if m["type"] == "start"][-1]
    assert start["scenario"]["model"]["dataset"] == "xor"
    assert start["scenario"]["runs"][0]["init"] == "zeros"
    finding = page.locator("#why-findings [data-id=symmetric]")
    assert finding.get_attribute("data-severity") in ("warn", "error")
    assert "Try:" in finding.text_content()
    assert not page.is_hidden("#why-count")
    assert page_log.page_errors == [] and page_log.console_errors == []
