// The "Network" tab: the selected run's network as a live diagram (plots/network-diagram.js),
// a weights / gradients switch, its key — in the gradients view with the run's scale in
// numbers (nets/gradient-scale.js) — and what the pointer is on: a weight or a neuron
// with its value, its gradient and the update taken from this step.

import { emit } from "../events.js";
import { fmt } from "../format.js";
import { biasIndex, weightIndex } from "../nets/diagram-layout.js";
import { SATURATED_SHARE, SATURATED_SLOPE } from "../nets/unit-states.js";
import { GRADIENT_DECADES, GREY_DECADES, NetworkDiagram } from "../plots/network-diagram.js";
import { traceNet } from "./backprop.js";
import { classColor } from "../plots/theme.js";
import { touchFirst } from "../pointer.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => `${Math.round(100 * v)}%`;

/** What the key says of a gradients scale (the same text: no need to write the key again). */
const scaleSaid = (scale) => (scale ? `${scale.from}:${scale.from === "start" ? `${scale.weights},${scale.biases}` : ""}` : "");

/** "hidden 2, unit 5" (units numbered from 1, as on screen). */
export function unitName(sizes, column, unit) {
  const L = sizes.length - 1;
  if (column === 0) return `input x${unit + 1}`;
  if (column === L) return `output ${unit + 1}`;
  return `hidden ${column}, unit ${unit + 1}`;
}

/** W2[3, 5] (1-based, as the diagram reads: from unit 3 of the column before to unit 5). */
export const weightName = (l, i, j) => `W${l}[${i + 1}, ${j + 1}]`;

/** One line about a weight or a neuron at a frame: value, gradient, the update from it. */
export function describeItem(item, frame, net, states) {
  if (!item || !frame?.params) return "";
  const { sizes, activation, head } = net;
  const L = sizes.length - 1;
  const numbers = (k, sym) => {
    const parts = [`${sym} = ${fmt(frame.params[k], 4)}`];
    if (frame.grad) parts.push(`∂L/∂${sym} = ${fmt(frame.grad[k], 3)}`);
    if (frame.update) parts.push(`update from step ${frame.step}: Δ${sym} = ${fmt(frame.update[k], 3)}`);
    return parts.join(" · ");
  };
  if (item.kind === "edge") {
    const from = unitName(sizes, item.layer - 1, item.i);
    const to = unitName(sizes, item.layer, item.j);
    const name = net.bias === false ? `w${item.i + 1}` : weightName(item.layer, item.i, item.j);
    return `${name}, ${from} → ${to}: ${numbers(weightIndex(sizes, item.layer, item.i, item.j), "w")}`;
  }
  const { column, unit } = item;
  if (column === 0) return `input x${unit + 1}: the point's coordinate (no weights of its own)`;
  if (net.bias === false) return net.regression ? "the output ŷ = w1·x1 + w2·x2 (no bias)" : "the output σ(w1·x1 + w2·x2) = P(class 1) (no bias)";
  const head_ = column === L ? (head === "sigmoid_bce" ? ", its σ is P(class 1)" : head === "softmax_ce" ? `, its softmax is P(class ${unit})` : " (MSE: compared with the one-hot target)") : ` (${activation})`;
  let text = `${unitName(sizes, column, unit)}${head_}: bias ${numbers(biasIndex(sizes, column, unit), "b")}`;
  const st = column < L ? states?.[column - 1]?.[unit] : null;
  if (st?.dead) text += ". Dead: z ≤ 0 on every training point, so it outputs 0 and gets no gradient";
  else if (st?.saturated) text += `. Saturated: f′(z) < ${pct(SATURATED_SLOPE)} of its peak on ${pct(st.flat)} of the training points`;
  else if (st) text += `. Active (z > 0) on ${pct(st.active)} of the training points`;
  return text;
}

export class NetPanel {
  /** @param {{mode?: string}} h  mode: the link's `net.mode` (weights or gradients) */
  constructor({ mode = "weights" } = {}) {
    this.pane = $("net-panel");
    this.info = $("net-info");
    this.caption = $("net-caption");
    this.diagram = new NetworkDiagram($("net-diagram"), {
      onHover: (item) => this.showInfo(item),
      onPick: (item) => {
        this.pinned = item;
        this.diagram.select(item);
        this.showInfo(null);
      },
    });
    this.pinned = null;
    this.net = null;
    this.frame = null;
    for (const input of this.pane.querySelectorAll("input[name=net-mode]")) {
      input.checked = input.value === mode;
      input.addEventListener("change", () => {
        this.diagram.setMode(input.value);
        this.showKey();
        emit("view");
      });
    }
  }

  get mode() {
    return this.pane.querySelector("input[name=net-mode]:checked")?.value ?? "weights";
  }

  /** A model is drawn (POST /api/model's description): a network, or a 2-weight model as
   *  one layer x1, x2 → output without a bias (panels/backprop.js, traceNet). */
  draw(desc) {
    desc = traceNet(desc);
    this.net = desc;
    this.frame = null;
    this.pinned = null;
    this.diagram.setNet(desc);
    this.diagram.setMode(this.mode);
    this.showKey();
    this.info.textContent = touchFirst() ? "Tap a weight or a neuron for its numbers."
      : "Point at a weight or a neuron for its numbers; click to keep it.";
  }

  /**
   * The selected run's newest frame with weights, and its frame at step 0 (`start`: the
   * gradients view's scale for the whole run); drawn only while the tab is open.
   */
  update(frame, run, many, start = null) {
    if (!this.net || !frame?.params) return;
    this.frame = frame;
    this.start = start;
    this.lastRun = run;
    if (!this.pane.classList.contains("active")) return;
    this.show();
    const text = `${many ? `run ${run + 1}, ` : ""}step ${frame.step}`;
    if (this.caption.textContent !== text) this.caption.textContent = text;
    if (this.pinned) this.showInfo(null);
  }

  /** The tab was opened: draw what is there now. */
  shown() {
    if (this.frame) {
      this.show();
      this.diagram.redraw();
    }
  }

  /** The diagram at the panel's frame, and the key with the scale it is drawn on. */
  show() {
    this.diagram.setStart(this.start);
    this.diagram.setFrame(this.frame);
    if (scaleSaid(this.diagram.gradientScale()) !== this.keyScale) this.showKey();
  }

  showInfo(hovered) {
    const item = hovered ?? this.pinned;
    if (!item) return;
    this.info.textContent = describeItem(item, this.frame, this.net, this.diagram.states);
  }

  showKey() {
    const key = $("net-key");
    const K = this.net?.regression ? [] : this.net?.head === "sigmoid_bce" ? [1] : Array.from({ length: this.net?.n_classes ?? 0 }, (_, k) => k);
    const item = (parts, title) => {
      const li = document.createElement("li");
      li.append(...parts);
      li.title = title;
      return li;
    };
    const span = (cls, text = "") => {
      const e = document.createElement("span");
      e.className = cls;
      e.textContent = text;
      return e;
    };
    const swatch = (k) => {
      const e = span("sw sw-class");
      e.style.setProperty("--c", classColor(k));
      return e;
    };
    const grads = this.mode === "gradients";
    const scale = this.diagram.gradientScale();
    this.keyScale = scaleSaid(scale);
    key.replaceChildren(
      item(["neurons: ", span("net-neg", "−"), " … ", span("net-pos", "+"), ...(K.length ? [", outputs ", ...K.flatMap((k) => [swatch(k), `P(${k}) `])] : [", output ŷ"])],
        "Each neuron is drawn as its activation over the data's input plane (the decision boundary's box): red below 0, white 0, blue above (sigmoid units around ½, relu up to the layer's largest); an output shows the head's probability of its class."),
      ...(grads ? this.gradientKey(scale, item, span) : [item(["lines: w ", span("net-pos", "+"), "/", span("net-neg", "−"), ", width |w|"],
        "Each line is a weight: blue positive, red negative, as thick as |w| against the largest weight in the network.")]),
      item([span("sw sw-dead"), " dead ", span("sw sw-sat"), " saturated"],
        `Dead: a relu unit with z ≤ 0 on every training point — it outputs 0 and gets no gradient. Saturated: a tanh or sigmoid unit whose slope f′(z) is below ${pct(SATURATED_SLOPE)} of its peak on at least ${pct(SATURATED_SHARE)} of the training points.`),
    );
  }

  /**
   * The gradients view's key items: what a line's width and a neuron's grey are measured
   * against, in numbers — the run's largest |∂L/∂w| and |∂L/∂b| at step 0, one scale for
   * every step (or, for a run without a gradient at step 0, this step's largest).
   */
  gradientKey(scale, item, span) {
    const lines = ["lines: ∂L/∂w ", span("net-pos", "+"), "/", span("net-neg", "−")];
    const range = 10 ** GRADIENT_DECADES;
    const grey = 10 ** GREY_DECADES;
    const sign = "Each line is the gradient of the loss with respect to that weight: blue positive, red negative";
    if (scale?.from === "start") {
      const { weights, biases } = scale;
      const widths = `${sign}. Its width is log |∂L/∂w| on one scale for every step of this run: the thickest is the largest |∂L/∂w| at step 0 (${fmt(weights, 2)}) or more, and a line below ${fmt(weights / range, 2)} (${range.toLocaleString("en")}× smaller) is not drawn. Lines that thin from step to step are gradients that shrink; a layer drawn thinner than another has smaller gradients — vanishing gradients fade near the input and over the run.`;
      return [
        item(lines, widths),
        item([`width: log |∂L/∂w|, ${fmt(weights / range, 2)} … ${fmt(weights, 2)} (largest at step 0)`], widths),
        item([`grey neuron: |∂L/∂b| ≤ ${fmt(biases / grey, 2)}`],
          `A neuron fades to grey as |∂L/∂b| (its δ, averaged over the batch) falls below the largest |∂L/∂b| at step 0 (${fmt(biases, 2)}): a third grey at a tenth of it, fully grey at a thousandth (${fmt(biases / grey, 2)}).`),
      ];
    }
    if (scale?.from === "frame") { // (a run without a gradient at step 0)
      const widths = `${sign}. Its width is log |∂L/∂w| against the largest in the network at this step (this run has no gradient at step 0 to measure against), over ${GRADIENT_DECADES} decades: widths compare lines within this step, not across steps.`;
      return [
        item(lines, widths),
        item([`width: log |∂L/∂w|, ${GRADIENT_DECADES} decades below this step's largest`], widths),
        item(["grey neuron: |∂L/∂b| ≤ 10⁻³ × this step's largest"],
          "A neuron fades to grey as |∂L/∂b| (its δ, averaged over the batch) falls below the largest at this step: fully grey at a thousandth."),
      ];
    }
    return [item([...lines, ", width log |∂L/∂w|"], `${sign}. Its width is log |∂L/∂w|, on one scale for the whole run (the largest |∂L/∂w| at step 0).`)];
  }
}
