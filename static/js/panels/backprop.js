// The "Backprop" tab: one training point's step through the network in stages — forward
// (z and a at every neuron), loss, backward (δ from the output back), gradients (a·δ per
// weight), update — on the diagram (the parts a stage touches lit, the rest dimmed) and
// written out for the selected weight with the engine's numbers (nets/trace-text.js).
// The point is picked by clicking it on the data plot; a weight by clicking its line.

import { emit } from "../events.js";
import { fmt } from "../format.js";
import { weightIndex } from "../nets/diagram-layout.js";
import { STAGES, stageLines, weightLabel } from "../nets/trace-text.js";
import { sendsThin } from "../objective.js";
import { NetworkDiagram } from "../plots/network-diagram.js";
import { selectedSpec, state } from "../state.js";
import { clickWord } from "../pointer.js";

const $ = (id) => document.getElementById(id);

/** The network the trace walks — its layers as the kind describes them (`desc.net`: an MLP's
 *  layers, or a 2-weight model as one bias-free layer) — with its training points and their box. */
export function traceNet(desc) {
  const x = desc.data.x_train ?? desc.data.x;
  return { ...desc, ...desc.net, data: { ...desc.data, domain: desc.data.domain ?? boxOf(x), x_train: x } };
}

/** The points' box, a tenth of its side added each side (linreg2's data has none of its own). */
function boxOf(points) {
  return [0, 1].map((c) => {
    const v = points.map((p) => p[c]);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const pad = 0.1 * Math.max(hi - lo, 1e-9);
    return [lo - pad, hi + pad];
  });
}

/** Every parameter's value for a stage's edges, in the flat layout (a layer's grad_W row-major, then grad_b). */
function flatGrad(answer) {
  const out = [];
  for (const l of answer.layers) {
    if (l.grad_W) for (const row of l.grad_W) out.push(...row);
    if (l.grad_b) out.push(...l.grad_b);
  }
  return out;
}

/** What the diagram shows at a stage: each column's numbers, each weight's, and what is dimmed. */
export function stagePicture(answer, net, frame, stage) {
  const L = net.sizes.length - 1;
  const all = new Set(Array.from({ length: L + 1 }, (_, c) => c));
  const layers = new Set(Array.from({ length: L }, (_, l) => l + 1));
  const out = answer.layers[L - 1];
  if (stage === "forward") {
    return { nodeValues: [answer.x, ...answer.layers.map((l) => l.a)], edgeValues: frame.params, dimNodes: new Set(), dimEdges: new Set() };
  }
  if (stage === "loss") {
    const shown = answer.probs ?? out.z;
    return { nodeValues: [answer.x, ...answer.layers.slice(0, -1).map((l) => l.a), shown], edgeValues: frame.params, dimNodes: new Set([...all].filter((c) => c !== L)), dimEdges: layers };
  }
  if (stage === "backward") {
    return { nodeValues: [null, ...answer.layers.map((l) => l.delta)], edgeValues: frame.params, dimNodes: new Set([0]), dimEdges: new Set() };
  }
  if (stage === "gradients") {
    return { nodeValues: [answer.x, ...answer.layers.map((l) => l.delta)], edgeValues: flatGrad(answer), dimNodes: new Set(), dimEdges: new Set() };
  }
  // the update the run takes (or, where the frame has none — an exported network — the
  // direction −ḡ of a plain gradient step)
  const edges = frame.update ?? answer.batch.grad.map((g) => (g === null ? null : -g));
  return { nodeValues: [answer.x, ...answer.layers.map((l) => l.a)], edgeValues: edges, dimNodes: all, dimEdges: new Set() };
}

export class BackpropPanel {
  /** @param {{tracer, send(msg), stage?: string}} h  send: a WS message (inspect); stage: the link's */
  constructor({ tracer, send, stage = null }) {
    this.tracer = tracer;
    this.send = send;
    this.pane = $("backprop-panel");
    this.stage = STAGES.includes(stage) ? stage : "forward";
    this.edge = null;
    this.net = null;
    this.inspected = null;
    this.diagram = new NetworkDiagram($("trace-diagram"), {
      onPick: (item) => {
        if (item?.kind !== "edge") return;
        this.edge = { layer: item.layer, i: item.i, j: item.j };
        this.render();
      },
    });
    this.buttons = [...this.pane.querySelectorAll("[data-stage]")];
    for (const b of this.buttons) b.addEventListener("click", () => this.setStage(b.dataset.stage, true));
    $("trace-prev").addEventListener("click", () => this.setStage(STAGES[Math.max(0, STAGES.indexOf(this.stage) - 1)], true));
    $("trace-next").addEventListener("click", () => this.setStage(STAGES[Math.min(STAGES.length - 1, STAGES.indexOf(this.stage) + 1)], true));
    $("trace-point-input").addEventListener("change", (ev) => {
      const n = Number(ev.target.value);
      if (Number.isInteger(n) && n >= 0 && n < this.points()) tracer.pick(n);
      else ev.target.value = tracer.point ?? "";
    });
    tracer.listen(() => this.render());
    this.showStage();
  }

  points() {
    return this.net?.data.x_train.length ?? 0;
  }

  get active() {
    return this.pane.classList.contains("active");
  }

  setStage(stage, byStudent = false) {
    if (!STAGES.includes(stage)) return;
    this.stage = stage;
    this.showStage();
    this.render();
    if (byStudent) emit("view");
  }

  showStage() {
    for (const b of this.buttons) b.setAttribute("aria-pressed", b.dataset.stage === this.stage ? "true" : "false");
    $("trace-prev").disabled = this.stage === STAGES[0];
    $("trace-next").disabled = this.stage === STAGES[STAGES.length - 1];
  }

  /** A model is drawn (its description). */
  draw(desc) {
    this.net = traceNet(desc);
    this.desc = desc;
    this.edge = { layer: 1, i: 0, j: 0 }; // x1 → the first unit: its chain runs through the whole net
    this.diagram.setNet({ ...this.net, data: this.net.data });
    $("trace-point-input").max = String(Math.max(0, this.points() - 1));
    this.render();
  }

  /** Called on every redraw of the page: keeps the trace current while the tab is open. */
  update() {
    this.tracer.refresh(this.active);
    this.inspectEdge();
  }

  shown() {
    this.tracer.refresh(true);
    this.render();
  }

  /** For a network with an optimizer that keeps state, ask the stream for the selected weight's terms. */
  inspectEdge() {
    // (a kind whose frames carry every weight's terms needs no asking: sendsThin)
    if (!this.active || !this.desc || !sendsThin(this.desc) || !this.edge) return;
    const index = weightIndex(this.net.sizes, this.edge.layer, this.edge.i, this.edge.j);
    const run = state.runs[state.selected]; // a new object after every (re)start: ask again
    if ((this.inspected?.run === run && this.inspected.index === index) || selectedSpec().optimizer === "gd") return;
    this.inspected = { run, index };
    this.send({ type: "inspect", run: state.selected, weights: [index] });
  }

  render() {
    const t = this.tracer;
    const caption = $("trace-caption");
    const list = $("trace-lines");
    $("trace-point-input").value = t.point ?? "";
    if (!this.net) return;
    if (t.point === null) {
      caption.textContent = `${clickWord(true)} a training point on the plot (or give its number) to trace one step of it.`;
      list.replaceChildren();
      this.diagram.setTrace(null);
      return;
    }
    if (t.error) {
      caption.textContent = `Could not trace point ${t.point}: ${t.error}`;
      return;
    }
    const tr = t.trace;
    if (!tr) {
      caption.textContent = `Tracing point ${t.point}…`;
      return;
    }
    const a = tr.answer;
    const frame = tr.frame;
    const many = state.scenario.runs.length > 1;
    const label = this.net.regression ? `y = ${fmt(a.label, 4)}` : `class ${a.label}`;
    const e = this.edge;
    caption.textContent = `Point ${a.sample} (${fmt(a.x[0], 3)}, ${fmt(a.x[1], 3)}), ${label} · ${many ? `run ${state.selected + 1}, ` : ""}step ${frame.step} · following ${weightLabel(this.net, e)}`;
    caption.title = "Click a weight's line in the diagram to follow another; click a training point on the plot to trace it.";
    this.diagram.frame = { params: frame.params };
    this.diagram.selected = { kind: "edge", ...this.edge };
    this.diagram.setTrace(stagePicture(a, this.net, frame, this.stage));
    const spec = selectedSpec();
    const index = weightIndex(this.net.sizes, this.edge.layer, this.edge.i, this.edge.j);
    const opt = frame.opt && (!frame.opt.weights || frame.opt.weights.includes(index)) ? pick(frame.opt, index) : null;
    const hyper = state.runs[state.selected]?.hyper ?? null;
    const lines = stageLines(a, { ...this.net, params: frame.params }, this.edge, this.stage, {
      index, lr: frame.lr, optimizer: spec.optimizer, hyper, update: frame.update?.[index] ?? null, opt, regression: this.net.regression,
    });
    list.replaceChildren(...lines.map(({ what, text }) => {
      const row = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = what;
      dd.textContent = text;
      row.append(dt, dd);
      return row;
    }));
  }
}

/** A frame's `opt` cut to one weight (the stream sends the inspected weights' or, on 2 weights, both). */
function pick(opt, index) {
  const k = opt.weights ? opt.weights.indexOf(index) : index;
  const cut = (s) => Object.fromEntries(Object.entries(s).map(([name, v]) => [name, Array.isArray(v) ? [v[k]] : v]));
  return { g: [opt.g[k]], before: cut(opt.before), after: cut(opt.after) };
}
