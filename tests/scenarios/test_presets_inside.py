"""The lessons of the inside views (issue 15): each preset's numbers, read off the engine —
the trace the Backprop and Softmax tabs show, and the gradients the diagram draws."""

import math

import numpy as np

from gdviz.scenarios.objectives import objective_of, start_of
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.simulate import simulate
from gdviz.scenarios.trace import TraceRequest, trace_json
from test_presets import says

DECADES = 4  # the diagram's gradient lines span 10⁻⁴ … 1 of the largest at step 0 (static/js/plots/network-diagram.js)
GREY = 1e-3  # a neuron is fully grey at |∂L/∂b| ≤ a thousandth of the largest at step 0


def start_trace(pid: str, sample: int) -> dict:
    sc = PRESETS[pid].scenario
    return trace_json(TraceRequest.model_validate({"scenario": sc.model_dump(), "sample": sample}))


def r3(v: float) -> str:
    """Three decimals, with the minus sign a lesson prints."""
    return f"{v:.3f}".replace("-", "−")


def test_the_three_lessons_open_their_views():
    assert PRESETS["vanishing-diagram"].view_keys == {"tab": "net", "net.mode": "gradients"}
    assert PRESETS["backprop-xor"].view_keys == {"tab": "backprop", "point": "0"}
    assert PRESETS["softmax-ce"].view_keys == {"tab": "head", "point": "1"}


def test_backprop_xor_walks_its_first_step_with_the_engines_numbers():
    p = PRESETS["backprop-xor"]
    t = start_trace("backprop-xor", 0)
    h, out = t["layers"]
    assert t["label"] == 1 and [round(v, 2) for v in t["x"]] == [0.26, 0.79]
    w = start_of(p.scenario, 0)
    w2_11 = w[6]  # W2[1, 1]: after W1 (4) and b1 (2)
    says("backprop-xor", f"z = {r3(h['z'][0])}", f"a = tanh z = {r3(h['a'][0])}",
         f"p = σ({r3(t['logits'][0])}) = {r3(t['probs'][0])}", f"−log {r3(t['probs'][0])} = {r3(t['loss'])}",
         f"δ = p − y = {r3(out['delta'][0])}", f"the weight {r3(w2_11)}",
         f"tanh′ = 1 − {r3(h['a'][0])}² = {r3(1 - h['a'][0] ** 2)}", f"δ = {r3(h['delta'][0])} at hidden unit 1",
         f"x1·δ = {r3(t['x'][0])} × {r3(h['delta'][0])} = {h['grad_W'][0][0]:.4f}")
    g_bar = t["batch"]["grad"][0]
    assert t["batch"]["size"] == 40
    says("backprop-xor", f"all 40 points, {g_bar:.4f}", f"this point adds {h['grad_W'][0][0] / 40:.5f}",
         f"from {r3(w[0])} to {r3(w[0] - 2.0 * g_bar)}")
    run = simulate(p.scenario)[0]
    acc = [f["accuracy"] for f in run["frames"]]
    assert next(k for k, a in enumerate(acc) if a >= 0.95) == 74
    says("backprop-xor", "95 % by step 74", "η = 2")


def test_softmax_ce_scores_probabilities_and_gradient():
    t = start_trace("softmax-ce", 1)
    assert t["label"] == 0
    says("softmax-ce", "(" + ", ".join(r3(z) for z in t["logits"]) + ")",
         f"p₀ = {r3(t['probs'][0])}", f"−log {r3(t['probs'][0])} = {t['loss']:.2f}",
         "(" + ", ".join(r3(d) for d in t["layers"][-1]["delta"]) + ")")
    assert t["layers"][-1]["delta"][0] < 0 < min(t["layers"][-1]["delta"][1:])  # z₀ up, the rest down
    run = simulate(PRESETS["softmax-ce"].scenario)[0]
    first, last = run["frames"][0]["loss"], run["frames"][-1]["loss"]
    assert abs(first - math.log(5)) < 0.05 and len(run["frames"]) == 301
    says("softmax-ce", f"from {first:.2f}", f"ln 5 = {math.log(5):.2f}", f"to {last:.2f} in 300 steps",
         "6.15e-45", "(0.2, 1.3, 25.7, −11, 102)")


def test_vanishing_diagram_fading_lines_and_grey_neurons():
    sc = PRESETS["vanishing-diagram"].scenario
    net = objective_of(sc)
    _, g = net.loss_and_grad(start_of(sc, 0)[None, :])
    g = np.abs(g[0])
    w_max = [g[ws].max() for ws, _ in net.layer_slices()]
    rel = np.array(w_max) / max(w_max)
    assert list(rel) == sorted(rel)  # thinner layer by layer back from the output
    assert rel[0] < 10 ** -DECADES  # the first layer's lines have faded out
    b_all = np.concatenate([g[bs] for _, bs in net.layer_slices()])
    first_b = g[net.layer_slices()[0][1]]
    assert (first_b <= GREY * b_all.max()).all()  # the whole first hidden layer is grey
    says("vanishing-diagram", f"{w_max[0]:.1e}".replace("e-0", "e-"), f"{w_max[-1]:.2g}",
         f"about {round(w_max[-1] / w_max[0], -3):,.0f}×")
    # GD's step 300, on step 0's scale (the diagram keeps it for the whole run)
    runs = simulate(sc)
    gd = np.abs(np.array(runs[0]["frames"][300]["grad"], dtype=float))
    gd_w = max(gd[ws].max() for ws, _ in net.layer_slices())
    assert gd_w < max(w_max) * 10 ** (-DECADES + DECADES / 6)  # the thinnest of 6 widths, or gone
    assert (np.concatenate([gd[bs] for _, bs in net.layer_slices()]) <= GREY * b_all.max()).all()
    says("vanishing-diagram", "by step 300", f"is {gd_w:.1e}".replace("e-0", "e-"),
         f"about {round(max(w_max) / gd_w, -3):,.0f}× below the start's")
    adam = runs[1]["frames"][150]
    ga = np.abs(np.array(adam["grad"]))
    assert adam["accuracy"] >= 0.99
    assert np.argmax([ga[ws].max() for ws, _ in net.layer_slices()]) == 0
    says("vanishing-diagram", "by step 150")
