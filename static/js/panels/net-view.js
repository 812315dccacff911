// The "Network" tab: the selected run's network as a live diagram (plots/network-diagram.js),
// a weights / gradients switch, its key, and what the pointer is on — a weight or a neuron
// with its value, its gradient and the update taken from this step.

import { emit } from "../events.js";
import { fmt } from "../format.js";
import { biasIndex, weightIndex } from "../nets/diagram-layout.js";
import { SATURATED_SHARE, SATURATED_SLOPE } from "../nets/unit-states.js";
import { NetworkDiagram } from "../plots/network-diagram.js";
import { traceNet } from "./backprop.js";
import { classColor } from "../plots/theme.js";
import { touchFirst } from "../pointer.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => `${Math.round(100 * v)}%`;

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

  /** The selected run's newest frame with weights; drawn only while the tab is open. */
  update(frame, run, many) {
    if (!this.net || !frame?.params) return;
    this.frame = frame;
    this.lastRun = run;
    if (!this.pane.classList.contains("active")) return;
    this.diagram.setFrame(frame);
    const text = `${many ? `run ${run + 1}, ` : ""}step ${frame.step}`;
    if (this.caption.textContent !== text) this.caption.textContent = text;
    if (this.pinned) this.showInfo(null);
  }

  /** The tab was opened: draw what is there now. */
  shown() {
    if (this.frame) {
      this.diagram.setFrame(this.frame);
      this.diagram.redraw();
    }
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
    key.replaceChildren(
      item(["neurons: ", span("net-neg", "−"), " … ", span("net-pos", "+"), ...(K.length ? [", outputs ", ...K.flatMap((k) => [swatch(k), `P(${k}) `])] : [", output ŷ"])],
        "Each neuron is drawn as its activation over the data's input plane (the decision boundary's box): red below 0, white 0, blue above (sigmoid units around ½, relu up to the layer's largest); an output shows the head's probability of its class."),
      item([grads ? "lines: ∂L/∂w " : "lines: w ", span("net-pos", "+"), "/", span("net-neg", "−"), grads ? ", width log |∂L/∂w|; grey neuron: tiny |∂L/∂b|" : ", width |w|"],
        grads ? "Each line is the gradient of the loss with respect to that weight: its sign, and its size against the largest in the network on a log scale over 4 decades — a line 10,000× below the largest has faded out. A neuron fades to grey as |∂L/∂b| (its δ, averaged over the batch) falls below the largest: fully grey at a thousandth. Vanishing gradients look like fading lines and grey neurons near the input."
          : "Each line is a weight: blue positive, red negative, as thick as |w| against the largest weight in the network."),
      item([span("sw sw-dead"), " dead ", span("sw sw-sat"), " saturated"],
        `Dead: a relu unit with z ≤ 0 on every training point — it outputs 0 and gets no gradient. Saturated: a tanh or sigmoid unit whose slope f′(z) is below ${pct(SATURATED_SLOPE)} of its peak on at least ${pct(SATURATED_SHARE)} of the training points.`),
    );
  }
}
