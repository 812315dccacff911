"""The inside of a step, in the page (issue 15): the network diagram, one point's backprop,
the output head's numbers and the update's arithmetic — each equal to the engine (1e-12),
in the link, and in an embed."""

from __future__ import annotations

import numpy as np
import pytest
from local_client import local_client

from gdviz.engine.nets.layers import ACTIVATIONS, Dense
from gdviz.scenarios.models import Scenario
from gdviz.scenarios.objectives import objective_of, start_of
from stepping import settled_step
from strict_json import loads

pytestmark = pytest.mark.browser

MOONS_RELU = ("v=1&model=mlp&model.dataset=moons&model.n=200&model.hidden=8,8&model.activation=relu"
              "&model.init=large&r0=gd&r0.lr=0.5&steps=400")
XOR = ("v=1&model=mlp&model.dataset=xor&model.n=80&model.hidden=2&model.activation=tanh"
       "&model.head=sigmoid_bce&model.batch_size=16&r0=gd&r0.lr=0.5")


def engine_activations(net, params, xs, ys):
    """Each hidden layer's a at the diagram's grid (row 0 at the top: ys run downwards)."""
    gx, gy = np.meshgrid(xs, ys)
    a = np.column_stack([gx.ravel(), gy.ravel()])
    out = []
    for l, (w, b) in enumerate(net.unpack(np.asarray([params]))):
        z = Dense.forward(a, w, b)[0]
        if l == net.n_layers - 1:
            break
        a = ACTIVATIONS[net.activation].forward(z)
        out.append(a)
    return out


def test_the_diagram_draws_the_engines_network_live(open_playground, page_log):
    page = open_playground(MOONS_RELU)
    assert page.is_visible("#net-panel"), "a network opens on its diagram"
    page.click("#btn-step")
    page.click("#btn-step")
    step = settled_step(page)
    assert step == 2
    page.wait_for_function(f"window.__gdviz.diagram()?.step === {step}")
    snap = page.evaluate("window.__gdviz.diagram()")
    sc = Scenario.model_validate({"model": {"kind": "mlp", "dataset": "moons", "n": 200,
                                            "hidden": [8, 8], "activation": "relu"},
                                  "runs": [{"optimizer": "gd", "lr": 0.5}]})
    net = objective_of(sc)
    frame = page.evaluate("window.__gdviz.state.runs[0].withParams")
    assert snap["params"] == frame["params"]
    want = engine_activations(net, snap["params"], snap["xs"], snap["ys"])
    for l, a in enumerate(want):  # column l + 1: hidden layer l + 1, one G² image per unit
        got = np.asarray(snap["values"][l + 1])  # (units, G²)
        assert np.abs(got - a.T).max() < 1e-12
    # dead units: the engine's count (z ≤ 0 on every training point), layer by layer
    dead = [sum(u["dead"] for u in layer) for layer in snap["states"]]
    frac = net.hidden_activity(np.asarray([snap["params"]]))[0]
    assert dead == [round(f * 8) for f in frac]
    # the gradients view: a weight's hover names its value, gradient and update
    page.check("input[name=net-mode][value=gradients]")
    page.wait_for_function("window.__gdviz.diagram()?.mode === 'gradients'")
    box = page.locator("#net-diagram").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    page.wait_for_function("document.getElementById('net-info').textContent.includes('∂L/∂w')")
    text = page.text_content("#net-info")
    assert text.startswith("W1[") and f"update from step {step}" in text
    assert page_log.page_errors == [] and page_log.console_errors == []


# Per layer, the ink of its lines on the diagram's canvas (the alpha summed over the strip
# between its two columns, per line): what a student sees of the line widths.
LINE_INK = """async () => {
    const { diagramLayout } = await import('/static/js/nets/diagram-layout.js');
    const canvas = document.querySelector('#net-diagram canvas');
    const dpr = canvas.width / canvas.clientWidth;
    const sizes = window.__gdviz.model().sizes;
    const lay = diagramLayout(sizes, canvas.clientWidth, canvas.clientHeight);
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const ink = [];
    for (let l = 1; l < sizes.length; l++) {
        const x0 = Math.ceil((lay.columns[l - 1].x + lay.node / 2 + 2) * dpr);
        const x1 = Math.floor((lay.columns[l].x - lay.node / 2 - 2) * dpr);
        let sum = 0;
        for (let y = 0; y < canvas.height; y++) for (let x = x0; x < x1; x++) sum += px[4 * (y * canvas.width + x) + 3] / 255;
        ink.push(sum / (sizes[l - 1] * sizes[l]));
    }
    return ink;
}"""


def test_vanishing_diagram_draws_every_step_on_the_runs_scale(open_playground, page_log):
    """vanishing-diagram's GD run: its gradients fall from 7.7e-3 at step 0 to ~1e-6, so its
    lines are drawn thinner late in the run than at the start (one scale for the whole run,
    the largest |∂L/∂w| at step 0 — not each step's own largest, which drew a stuck run's
    1e-6 gradients as thick as the start's), and at step 0 the first layers are thinner
    than the last (vanishing towards the input)."""
    from gdviz.scenarios.presets import PRESETS

    sc = PRESETS["vanishing-diagram"].scenario
    net = objective_of(sc)
    _, g0 = net.loss_and_grad(np.asarray([start_of(sc, 0)]))
    largest_w0 = float(max(np.abs(g0[0][ws]).max() for ws, _ in net.layer_slices()))
    query = PRESETS["vanishing-diagram"].url.split("?", 1)[1].replace("speed=30", "speed=2000")
    page = open_playground(query)
    assert page.is_checked("input[name=net-mode][value=gradients]")
    page.wait_for_function("window.__gdviz.diagram()?.step === 0")
    page.wait_for_timeout(300)  # (drawn on the next animation frame)
    early = page.evaluate(LINE_INK)
    key = page.text_content("#net-key")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'max_steps'", timeout=60_000)
    page.wait_for_function("window.__gdviz.diagram()?.step === 300")
    page.wait_for_timeout(300)
    late = page.evaluate(LINE_INK)
    # at the start, early layers thinner than late ones (the first layer's lines, 10⁻⁴ of
    # the largest, have faded out)
    assert early[0] < early[1] < early[2] < early[-1], early
    # every layer thinner at step 300 than at step 0, and much thinner in all
    assert all(b < a for a, b in zip(early[1:], late[1:])), (early, late)
    assert sum(late) < 0.5 * sum(early), (early, late)
    # the key says what the widths are measured against, in numbers
    snap = page.evaluate("window.__gdviz.diagram()")
    assert snap["reference"]["from"] == "start" and abs(snap["reference"]["weights"] - largest_w0) < 1e-12
    shown = page.evaluate(f"import('/static/js/format.js').then(m => m.fmt({largest_w0!r}, 2))")
    assert f"{shown} (largest at step 0)" in key and key == page.text_content("#net-key")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_backprop_trace_on_xor_is_the_engines_at_every_stage(open_playground, page_log):
    page = open_playground(XOR + "&tab=backprop&point=5&stage=forward")
    page.wait_for_function("window.__gdviz.trace() !== null")
    tr, request = page.evaluate("[window.__gdviz.trace(), window.__gdviz.traceRequest()]")
    frame = page.evaluate("window.__gdviz.state.runs[0].withParams")
    assert request["params"] == frame["params"] and request["step"] == frame["step"] == 0
    assert request["sample"] == 5 and request["scenario"] == page.evaluate("window.__gdviz.forServer()")
    with local_client() as c:
        want = loads(c.post("/api/trace", json=request).content)
    assert tr == want
    assert tr["batch"]["size"] == 16  # a mini-batch step: the mean over 16 points
    seen = {}
    for stage in ["forward", "loss", "backward", "gradients", "update"]:
        page.click(f"[data-stage={stage}]")
        page.wait_for_function(f"document.querySelector('[data-stage={stage}]').getAttribute('aria-pressed') === 'true'")
        seen[stage] = page.evaluate("window.__gdviz.traceLines()")
        assert f"stage={stage}" in page.evaluate("window.__gdviz.query()") or stage == "forward"
    lt = tr["layers"][0]
    fmt = lambda v: page.evaluate(f"import('/static/js/format.js').then(m => m.fmt({v!r}, 4))")
    assert any(fmt(lt["z"][0]) in ln["text"] for ln in seen["forward"])
    assert any(fmt(tr["loss"]) in ln["text"] for ln in seen["loss"])
    assert any(fmt(lt["delta"][0]) in ln["text"] for ln in seen["backward"])
    assert any(fmt(lt["grad_W"][0][0]) in ln["text"] for ln in seen["gradients"])
    assert any("mean" in ln["what"] or "step's gradient" in ln["what"] for ln in seen["update"])
    assert any(fmt(tr["batch"]["grad"][0]) in ln["text"] for ln in seen["update"])
    # the head's tab shows the same point: σ(z) against y, BCE and σ − y
    page.click("#tab-head")
    page.wait_for_function("document.getElementById('head-lines').children.length > 0")
    head = page.text_content("#head-lines")
    assert fmt(tr["loss"]) in head and fmt(tr["layers"][-1]["delta"][0]) in head
    assert page.text_content("#tab-head") == "Sigmoid"
    # a click on another training point on the plot traces it
    page.click("#tab-backprop")
    xy = page.evaluate("window.__gdviz.model().data.x_train[9]")
    point = page.evaluate(f"""(() => {{ const gd = document.getElementById('boundary');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p({xy[0]}), r.top + ya._offset + ya.l2p({xy[1]})]; }})()""")
    page.mouse.click(*point)
    page.wait_for_function("(window.__gdviz.trace()?.sample ?? 5) !== 5")  # (null while asked)
    assert page.evaluate("window.__gdviz.trace().sample") in range(80)
    assert "point=" in page.evaluate("window.__gdviz.query()")
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_softmax_scores_box_and_the_step_arithmetic_on_a_surface(open_playground, page_log):
    page = open_playground("v=1&surface=rosenbrock&r0=adam&r0.lr=0.05&r0.start=-1.5,2&tab=step")
    page.click("#btn-step")
    page.click("#btn-step")
    assert settled_step(page) == 2
    page.wait_for_function("document.getElementById('step-rows').children.length > 5")
    rows = page.evaluate("[...document.querySelectorAll('#step-rows tr')].map(r => r.textContent)")
    assert [r.split("=")[0] for r in rows] == ["g", "m", "v", "m̂", "v̂", "Δθ", "θ′"]
    frame = page.evaluate("window.__gdviz.state.runs[0].last")
    nxt = [frame["params"][k] + frame["update"][k] for k in (0, 1)]
    shown = page.evaluate("import('/static/js/format.js').then(m => [0, 1].map(k => m.fmt(%r[k], 4)))" % nxt)
    assert f"({shown[0]}, {shown[1]})" in rows[-1]
    # the typed scores: the course's example
    page.goto(page.url.split("?")[0] + "?v=1&model=mlp&model.dataset=blobs&r0=gd&r0.lr=0.1&tab=head")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.click("#scores-box summary")
    cells = page.evaluate("[...document.querySelectorAll('.scores-table td')].map(td => td.textContent)")
    assert cells[3] == "6.15e-45" and cells[-1] == "1"
    page.fill("#scores-input", "1000, 1")
    page.wait_for_function("document.getElementById('scores-out').textContent.includes('∞/∞ = NaN')")
    page.fill("#scores-input", "1, x")
    assert "“x” is not a number" in page.text_content("#scores-out")
    # a 2-weight model's diagram: x1, x2 → σ(w1·x1 + w2·x2), no bias
    page.goto(page.url.split("?")[0] + "?v=1&model=logreg2&r0=gd&r0.lr=1&tab=net")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.wait_for_function("window.__gdviz.diagram() !== null")
    snap = page.evaluate("window.__gdviz.diagram()")
    w1, w2, bias = snap["params"]
    assert bias == 0 and [w1, w2] == page.evaluate("window.__gdviz.state.runs[0].last.params")
    gx, gy = np.meshgrid(snap["xs"], snap["ys"])
    want = 1 / (1 + np.exp(-(w1 * gx + w2 * gy)))
    assert np.abs(np.asarray(snap["values"][1][0]) - want.ravel()).max() < 1e-12
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_an_embed_shows_the_diagram(page, server_url, page_log):
    page.set_viewport_size({"width": 960, "height": 540})
    page.goto(f"{server_url}/embed?{MOONS_RELU}&tab=net&show=main,tab")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.wait_for_function("(window.__gdviz.diagram()?.draws ?? 0) > 0")
    box = page.locator("#net-diagram").bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    assert page_log.page_errors == [] and page_log.console_errors == []


def test_the_offline_export_shows_the_inside_views(strict_page, tmp_path):
    """backprop-xor as one file from file://: its Backprop tab walks the exported trace,
    the Network tab draws the weights, and the step slider moves both."""
    from gdviz.export_html import to_html
    from gdviz.scenarios.presets import PRESETS
    from gdviz.scenarios.simulate import simulate
    from test_offline_html import poll

    p = PRESETS["backprop-xor"]
    sc = p.scenario.model_copy(update={"steps": 20})
    path = tmp_path / "backprop.html"
    path.write_text(to_html(sc, simulate(sc), title=p.title, lesson=p.lesson, view=p.view), encoding="utf-8")
    page = strict_page
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    assert page.get_attribute("body", "data-view") == "backprop"
    data = page.evaluate("window.__gdvizOffline.data.inside")
    poll(page, "window.__gdvizOffline.trace() !== null")
    assert page.evaluate("window.__gdvizOffline.trace()") == data["traces"][0][0]
    page.click("#btn-step")
    page.click("#btn-step")
    poll(page, "window.__gdvizOffline.trace()?.batch.step === 2")
    page.click("[data-stage=gradients]")
    lines = page.evaluate("window.__gdvizOffline.traceLines()")
    g = data["traces"][0][2]["layers"][0]["grad_W"][0][0]
    shown = page.evaluate(f"gdvizModules['format.js'].fmt({g!r}, 4)")
    assert any(ln["text"].endswith(f"= {shown}") for ln in lines)
    page.click("#tab-net")
    poll(page, "window.__gdvizOffline.diagram()?.step === 2")
    assert page.evaluate("window.__gdvizOffline.diagram().params") == page.evaluate(
        "window.__gdvizOffline.data.runs[0].frames.params[2]")
    assert errors == []
