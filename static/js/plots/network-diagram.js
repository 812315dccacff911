// The network drawn as a diagram on one <canvas>, as TensorFlow Playground draws it:
// every neuron a small heatmap of its activation over the data's input plane, every
// weight a line coloured by its sign and as thick as its size. Live: `setFrame` with the
// selected run's newest weights redraws at most once per animation frame.
//
//   neurons   inputs x1, x2; hidden units a = f(z) (red < 0 < blue; tanh on [−1, 1],
//             sigmoid 0 … 1 around ½, relu 0 … the layer's largest); outputs: the head's
//             P(class k) (MSE: the output clipped to [0, 1]) from white to the class colour
//   edges     "weights" view: colour the sign of w, width |w| / max |w| (the whole net);
//             "gradients" view: colour the sign of ∂L/∂w, width log |∂L/∂w| against the
//             run's reference — the largest |∂L/∂w| at step 0, the same for every step
//             (nets/gradient-scale.js) — over 4 decades (a line 10⁻⁴ of it or less has
//             faded out; one above it is at the thickest), and each neuron fades to grey
//             as its |∂L/∂b| shrinks against the largest |∂L/∂b| at step 0 (fully grey at
//             1/1000): vanishing gradients are edges that fade and neurons that grey,
//             from step to step and from the output back to the input
//   marks     dead relu units (z ≤ 0 on every training point) struck through in grey,
//             saturated tanh/sigmoid units with a dashed outline (nets/unit-states.js)
//
// A `trace` (POST /api/trace) turns it into the backprop view: each neuron shows its
// number for the stage (z and a, δ) and the edges the stage's values (the weights, this
// point's ∂ℓ/∂w, the update), with the parts the stage touches highlighted.

import { biasIndex, diagramLayout, weightIndex } from "../nets/diagram-layout.js";
import { forwardLayers, headScores, linspace, weightCount } from "../nets/forward.js";
import { gradientReference } from "../nets/gradient-scale.js";
import { unitStates } from "../nets/unit-states.js";
import { fmt } from "../format.js";
import { classColor } from "./theme.js";

export const POSITIVE = [33, 102, 172]; // #2166ac
export const NEGATIVE = [178, 24, 43]; // #b2182b
const WIDTHS = 6; // edge widths are drawn in this many steps (one path per step and sign)
const MAX_EDGE = 4.5; // px
const GREY_BELOW = 0.01; // gradients view: a neuron's outline greys below 1% of the reference |∂L/∂b|

export const GREY_DECADES = 3; // gradients view: a neuron is fully grey at |∂L/∂b| ≤ 10⁻³ of the reference

/** Gradients view: how far a neuron is washed to grey, from its |∂L/∂b| relative to the
 *  reference: 0 at 1 (and above), ⅓ at 0.1, ⅔ at 0.01, fully grey at 0.001 and below. */
export const fade = (relative) => Math.min(1, Math.max(0, -Math.log10(Math.max(relative, 1e-300)) / GREY_DECADES));

const rgbHex = (hex) => {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

export const GRADIENT_DECADES = 4; // the gradients view's line widths span 10⁻⁴ … 1 of the reference

/**
 * Which of the WIDTHS line widths a value gets, from its size against the reference
 * (0 … 1; more is drawn at the thickest): in proportion, or — for gradients, which span
 * decades — by its log over GRADIENT_DECADES (−1: smaller still, not drawn: it has faded out).
 */
export function widthStep(relative, log = false) {
  if (!log) return Math.min(WIDTHS - 1, Math.floor(relative * WIDTHS));
  if (!(relative > 0) || relative < 10 ** -GRADIENT_DECADES) return -1;
  return Math.min(WIDTHS - 1, Math.floor(((Math.log10(relative) + GRADIENT_DECADES) / GRADIENT_DECADES) * WIDTHS));
}

/** White → red (t < 0) or → blue (t > 0), t clipped to [−1, 1]. */
export function diverging(t, out, k = 0) {
  const c = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const [r, g, b] = c < 0 ? NEGATIVE : POSITIVE;
  const w = Math.abs(c);
  out[k] = 255 + (r - 255) * w;
  out[k + 1] = 255 + (g - 255) * w;
  out[k + 2] = 255 + (b - 255) * w;
  return out;
}

/** Hidden units' values mapped to [−1, 1] for colour: tanh as is, sigmoid 2a − 1, relu by the layer's max. */
function hiddenScale(activation, values) {
  if (activation === "tanh") return 1;
  if (activation === "sigmoid") return null; // (2a − 1)
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m > 0 ? m : 1;
}

export class NetworkDiagram {
  /**
   * @param {HTMLElement} box  the element the canvas fills
   * @param {{onHover?(item, event), onPick?(item)}} h  item: {kind: "edge", layer, i, j} |
   *   {kind: "node", column, unit} | null
   */
  constructor(box, h = {}) {
    this.box = box;
    this.h = h;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "net-canvas";
    box.append(this.canvas);
    this.ctx = this.canvas.getContext("2d");
    this.tile = document.createElement("canvas"); // the neurons' heatmaps, side by side (drawNodes)
    this.net = null;
    this.frame = null;
    this.startGrad = null; // the run's gradient at step 0: the gradients view's reference
    this.reference = null; // what the gradients view drew against (nets/gradient-scale.js)
    this.mode = "weights";
    this.trace = null;
    this.selected = null;
    this.hovered = null;
    this.pending = false;
    this.draws = 0; // for bench/ and tests: how many times it has drawn
    this.lastDrawMs = 0;
    new ResizeObserver(() => this.redraw()).observe(box);
    this.canvas.addEventListener("mousemove", (ev) => this.hover(ev));
    this.canvas.addEventListener("mouseleave", () => this.hover(null));
    this.canvas.addEventListener("click", (ev) => {
      const item = this.itemAt(ev);
      this.h.onPick?.(item);
    });
  }

  /**
   * A network described by POST /api/model (sizes, activation, head, data) — or a 2-weight
   * model as one layer without a bias (`bias: false`; `regression`: its output is ŷ itself).
   */
  setNet(desc) {
    this.net = {
      sizes: desc.sizes, activation: desc.activation, head: desc.head, domain: desc.data.domain,
      nClasses: desc.n_classes, xTrain: Float64Array.from(desc.data.x_train.flat()),
      bias: desc.bias !== false, regression: Boolean(desc.regression),
    };
    this.frame = null;
    this.start = null;
    this.startGrad = null;
    this.states = null;
    this.trace = null;
    this.selected = null;
    this.redraw();
  }

  /** A vector in the network's flat layout: a model without a bias gets a 0 in the bias's
   *  place (so W then b, as a network's). */
  padded(v) {
    return v && !this.net.bias ? [...v, 0] : v;
  }

  /**
   * The selected run's frame at step 0 (null: not known): its gradient is the gradients
   * view's reference for every step of the run (nets/gradient-scale.js).
   */
  setStart(frame) {
    if (frame === this.start || !this.net) return;
    this.start = frame;
    const grad = frame?.step === 0 ? this.padded(frame.grad) : null;
    this.startGrad = grad && grad.length === weightCount(this.net.sizes) ? grad : null;
    this.redraw();
  }

  /** The selected run's newest frame with weights ({params, grad?, update?, step}). */
  setFrame(frame) {
    if (!frame?.params || frame === this.frame || frame === this.given) return;
    this.given = frame;
    const pad = (v) => this.padded(v);
    // a frame of the model before an options change: the new model's frames follow
    if (pad(frame.params).length !== weightCount(this.net.sizes)) return;
    this.frame = this.net.bias ? frame : { ...frame, params: pad(frame.params), grad: pad(frame.grad), update: pad(frame.update) };
    this.states = null;
    this.redraw();
  }

  setMode(mode) {
    this.mode = mode;
    this.redraw();
  }

  /** The backprop view: a trace, the stage shown and the parts it touches (or null: the live view). */
  setTrace(trace) {
    this.trace = trace;
    this.redraw();
  }

  select(item) {
    this.selected = item;
    this.redraw();
  }

  /** Draw on the next animation frame (once, however often it is asked). */
  redraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  itemAt(ev) {
    if (!this.layout || !ev) return null;
    const r = this.canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    const n = this.layout.nodeAt(x, y);
    if (n) return { kind: "node", ...n };
    const e = this.layout.edgeAt(x, y, 5);
    return e ? { kind: "edge", ...e } : null;
  }

  hover(ev) {
    const item = this.itemAt(ev);
    const same = JSON.stringify(item) === JSON.stringify(this.hovered);
    this.hovered = item;
    if (!same) this.redraw();
    this.h.onHover?.(item, ev);
  }

  // ---------- what is drawn ----------

  /** The activations over a G×G grid of the input plane: per column, per unit, G² values. */
  grid(G) {
    const { sizes, activation, head, domain } = this.net;
    const [[x0, x1], [y0, y1]] = domain;
    const xs = linspace(x0, x1, G);
    const ys = linspace(y1, y0, G); // row 0 at the top
    const pts = new Float64Array(G * G * 2);
    for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
      pts[2 * (i * G + j)] = xs[j];
      pts[2 * (i * G + j) + 1] = ys[i];
    }
    const { a } = forwardLayers(this.frame.params, this.net, pts);
    const L = sizes.length - 1;
    const K = sizes[L];
    const out = [[0, 1].map((c) => Float64Array.from({ length: G * G }, (_, k) => pts[2 * k + c]))];
    for (let l = 0; l < L - 1; l++) {
      const n = sizes[l + 1];
      out.push(Array.from({ length: n }, (_, j) => Float64Array.from({ length: G * G }, (_, k) => a[l][k * n + j])));
    }
    if (this.net.regression) { // ŷ itself, not a class's probability
      out.push([Float64Array.from(a[L - 1])]);
      return { G, xs, ys, values: out, classOf: null };
    }
    const { scores, classes } = headScores(Float64Array.from(a[L - 1]), head, G * G, K);
    const shown = head === "sigmoid_bce" ? [1] : Array.from({ length: K }, (_, k) => k);
    out.push(shown.map((k) => Float64Array.from({ length: G * G }, (_, r) => scores[r * classes + k])));
    return { G, xs, ys, values: out, classOf: shown };
  }

  /** Dead and saturated units, from z at the training points (once per frame). */
  unitStates() {
    if (!this.states) {
      const { z } = forwardLayers(this.frame.params, this.net, this.net.xTrain);
      this.states = unitStates(z, this.net.sizes, this.net.activation);
    }
    return this.states;
  }

  draw() {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const w = this.box.clientWidth;
    const h = this.box.clientHeight;
    if (!w || !h) return;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(this.box);
    this.ink = css.getPropertyValue("--ink").trim() || "#111";
    this.muted = css.getPropertyValue("--muted").trim() || "#555";
    ctx.clearRect(0, 0, w, h);
    if (!this.net) return;
    const sizes = this.net.sizes;
    this.layout = diagramLayout(sizes, w, h);
    this.drawHeaders(ctx);
    this.reference = this.gradientScale();
    if (!this.frame || this.frame.params.some((v) => v === null)) {
      this.drawEmptyNodes(ctx);
      this.lastDrawMs = performance.now() - t0;
      return;
    }
    this.drawEdges(ctx);
    if (this.trace) this.drawTraceNodes(ctx);
    else this.drawNodes(ctx, dpr);
    this.drawSelection(ctx);
    this.draws += 1;
    this.lastDrawMs = performance.now() - t0;
  }

  columnName(c) {
    const L = this.net.sizes.length - 1;
    if (c === 0) return "input";
    return c === L ? "output" : `hidden ${c}`;
  }

  drawHeaders(ctx) {
    ctx.fillStyle = this.muted;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const { columns } = this.layout;
    const last = columns.length - 1;
    columns.forEach((col, c) => {
      const text = this.columnName(c);
      const x = c === 0 ? Math.max(col.x, ctx.measureText(text).width / 2 + 2) : c === last ? Math.min(col.x, this.box.clientWidth - ctx.measureText(text).width / 2 - 2) : col.x;
      ctx.fillText(text, x, 2);
    });
  }

  drawEmptyNodes(ctx) {
    const s = this.layout.node;
    ctx.strokeStyle = this.muted;
    for (const col of this.layout.columns) for (const y of col.ys) ctx.strokeRect(col.x - s / 2, y - s / 2, s, s);
  }

  /** Whether the lines show the run's gradients (the gradients view, no trace). */
  gradientsShown() {
    return !this.trace && this.mode === "gradients";
  }

  /** The gradients view's reference for the frame shown ({weights, biases, from}: the run's
   *  step-0 largest, or the frame's own without one; nets/gradient-scale.js), or null. */
  gradientScale() {
    if (!this.net || !this.frame || !this.gradientsShown()) return null;
    return gradientReference(this.startGrad, this.frame.grad ?? null, this.net.sizes);
  }

  /** The value each edge shows: weights, gradients, or the trace stage's. */
  edgeValues() {
    const f = this.frame;
    if (this.trace) return this.trace.edgeValues;
    if (this.mode === "gradients") return f.grad ?? null;
    return f.params;
  }

  drawEdges(ctx) {
    const values = this.edgeValues();
    this.layerWidths = null;
    if (!values) return;
    const { sizes } = this.net;
    const { columns, node } = this.layout;
    const L = sizes.length - 1;
    let max = 0;
    for (let l = 1; l <= L; l++) for (let i = 0; i < sizes[l - 1]; i++) for (let j = 0; j < sizes[l]; j++) {
      const v = Math.abs(values[weightIndex(sizes, l, i, j)] ?? 0);
      if (v > max) max = v;
    }
    this.edgeMax = max;
    const logScale = this.gradientsShown();
    // gradients: against the run's reference, the same at every step; the rest: this frame's largest
    const ref = logScale ? this.reference?.weights ?? 0 : max;
    this.layerWidths = Array.from({ length: L }, () => -1); // per layer, the widest step drawn (for tests)
    const dim = this.trace?.dimEdges ?? null; // layers the stage does not touch
    const paths = [[], []].map(() => Array.from({ length: WIDTHS }, () => new Path2D()));
    const faint = [[], []].map(() => Array.from({ length: WIDTHS }, () => new Path2D()));
    for (let l = 1; l <= L; l++) {
      const x0 = columns[l - 1].x + node / 2;
      const x1 = columns[l].x - node / 2;
      for (let i = 0; i < sizes[l - 1]; i++) {
        const y0 = columns[l - 1].ys[i];
        for (let j = 0; j < sizes[l]; j++) {
          const v = values[weightIndex(sizes, l, i, j)];
          if (v === null || v === undefined || !(ref > 0)) continue;
          const step = widthStep(Math.abs(v) / ref, logScale);
          if (step < 0) continue; // (gradients: more than GRADIENT_DECADES below the reference)
          if (step > this.layerWidths[l - 1]) this.layerWidths[l - 1] = step;
          const target = (dim?.has(l) ? faint : paths)[v >= 0 ? 0 : 1][step];
          target.moveTo(x0, y0);
          target.lineTo(x1, columns[l].ys[j]);
        }
      }
    }
    ctx.lineCap = "round";
    for (const [set, alpha] of [[faint, 0.12], [paths, 1]]) {
      set.forEach((bySign, s) => {
        const [r, g, b] = s === 0 ? POSITIVE : NEGATIVE;
        bySign.forEach((path, k) => {
          const frac = (k + 1) / WIDTHS;
          ctx.strokeStyle = `rgba(${r},${g},${b},${alpha * (0.18 + 0.82 * frac)})`;
          ctx.lineWidth = 0.4 + MAX_EDGE * frac;
          ctx.stroke(path);
        });
      });
    }
  }

  /** How strongly each neuron's gradient shows in the gradients view, per column: its
   *  |∂L/∂b| against the run's reference (1 and above full colour … 0 grey). */
  neuronStrength() {
    const f = this.frame;
    if (this.mode !== "gradients" || !f.grad) return null;
    const { sizes } = this.net;
    const ref = this.reference?.biases ?? 0;
    const g = (l, j) => Math.abs(f.grad[biasIndex(sizes, l, j)] ?? 0);
    return sizes.map((n, c) => Array.from({ length: n }, (_, j) => (c === 0 || !(ref > 0) ? 1 : g(c, j) / ref)));
  }

  /**
   * Every neuron's heatmap, painted into one atlas image (one G×G tile per neuron, side by
   * side) that is uploaded once and then cut into the squares: a canvas per neuron would
   * cost a texture upload each, which a software-GL Chromium pays dearly for.
   */
  drawNodes(ctx, dpr) {
    const { node, columns } = this.layout;
    const { sizes, activation } = this.net;
    const G = Math.max(6, Math.min(28, Math.round((node * dpr) / 2)));
    const grid = this.grid(G);
    this.lastGrid = grid;
    const states = this.unitStates();
    const strength = this.neuronStrength();
    const L = sizes.length - 1;
    const count = sizes.reduce((a, n) => a + n, 0);
    const atlas = this.tile;
    if (atlas.width !== G * count || atlas.height !== G) {
      atlas.width = G * count;
      atlas.height = G;
    }
    const actx = atlas.getContext("2d");
    const img = actx.createImageData(G * count, G);
    const px = img.data;
    const stride = 4 * G * count;
    const rgb = [0, 0, 0];
    const placed = [];
    let slot = 0;
    for (let c = 0; c <= L; c++) {
      const vals = grid.values[c];
      let scale = 1;
      if (c === 0) scale = Math.max(...this.net.domain.flat().map(Math.abs));
      else if (c < L || this.net.regression) scale = hiddenScale(c < L ? activation : "relu", vals.flatMap((v) => Array.from(v)));
      for (let k = 0; k < vals.length; k++, slot++) {
        const v = vals[k];
        const grey = strength ? fade(strength[c][k]) : 0;
        const state = c > 0 && c < L ? states[c - 1][k] : null;
        const outColor = c === L && grid.classOf ? rgbHex(classColor(grid.classOf[k])) : null;
        const washed = state?.dead ? 1 : grey;
        for (let p = 0; p < v.length; p++) {
          if (outColor) {
            const t = Math.max(0, Math.min(1, v[p]));
            rgb[0] = 255 + (outColor[0] - 255) * t;
            rgb[1] = 255 + (outColor[1] - 255) * t;
            rgb[2] = 255 + (outColor[2] - 255) * t;
          } else {
            diverging(scale === null ? 2 * v[p] - 1 : v[p] / scale, rgb);
          }
          let [r, g, b] = rgb;
          if (washed > 0) {
            const y = 0.3 * r + 0.59 * g + 0.11 * b;
            r += (y - r) * washed;
            g += (y - g) * washed;
            b += (y - b) * washed;
          }
          const o = Math.floor(p / G) * stride + 4 * (slot * G + (p % G));
          px[o] = r;
          px[o + 1] = g;
          px[o + 2] = b;
          px[o + 3] = 255;
        }
        placed.push([slot, columns[c].x - node / 2, columns[c].ys[k] - node / 2, state, strength ? strength[c][k] < GREY_BELOW : false]);
      }
    }
    actx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    for (const [at, x, y] of placed) ctx.drawImage(atlas, at * G, 0, G, G, x, y, node, node);
    for (const [, x, y, state, faded] of placed) this.outline(ctx, x, y, node, state, faded);
  }

  outline(ctx, x, y, s, state, faded) {
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    ctx.strokeStyle = faded ? "#9aa0a8" : this.ink;
    if (state?.saturated) {
      ctx.lineWidth = 2;
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = "#6b7280";
    }
    ctx.strokeRect(x, y, s, s);
    ctx.setLineDash([]);
    if (state?.dead) {
      ctx.strokeStyle = "#4b5563";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, y + s);
      ctx.lineTo(x + s, y);
      ctx.stroke();
    }
  }

  /** The backprop view's neurons: each a square coloured by the stage's number, the number inside when it fits. */
  drawTraceNodes(ctx) {
    const { node, columns } = this.layout;
    const t = this.trace;
    const rgb = [0, 0, 0];
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const fontPx = Math.min(13, node / 3.2);
    ctx.font = `${fontPx}px system-ui, sans-serif`;
    for (let c = 0; c < columns.length; c++) {
      const vals = t.nodeValues[c] ?? [];
      const lit = !t.dimNodes?.has(c);
      let max = 0;
      for (const v of vals) if (v !== null && Math.abs(v) > max) max = Math.abs(v);
      columns[c].ys.forEach((yc, k) => {
        const v = vals[k];
        const x = columns[c].x - node / 2;
        const y = yc - node / 2;
        diverging(v === null || v === undefined || max === 0 ? 0 : v / max, rgb);
        ctx.globalAlpha = lit ? 1 : 0.25;
        ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
        ctx.fillRect(x, y, node, node);
        ctx.strokeStyle = this.ink;
        ctx.lineWidth = 1;
        ctx.strokeRect(x, y, node, node);
        if (node >= 30 && v !== null && v !== undefined) {
          ctx.fillStyle = "#111418";
          ctx.fillText(fmt(v, 2), columns[c].x, yc);
        }
        ctx.globalAlpha = 1;
      });
    }
  }

  /** The selected (and the hovered) edge or neuron, outlined on top. */
  drawSelection(ctx) {
    const { columns, node } = this.layout;
    for (const [item, color, width] of [[this.hovered, "#f59e0b", 2], [this.selected, "#111418", 3]]) {
      if (!item) continue;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      if (item.kind === "edge") {
        ctx.beginPath();
        ctx.moveTo(columns[item.layer - 1].x + node / 2, columns[item.layer - 1].ys[item.i]);
        ctx.lineTo(columns[item.layer].x - node / 2, columns[item.layer].ys[item.j]);
        ctx.stroke();
      } else if (columns[item.column]) {
        ctx.strokeRect(columns[item.column].x - node / 2 - 2, columns[item.column].ys[item.unit] - node / 2 - 2, node + 4, node + 4);
      }
    }
  }

  /** What is drawn, for tests: the weights, the grid and each neuron's values on it, the unit
   *  states; the lines' largest value, the gradients view's reference and, per layer, the
   *  widest of the WIDTHS line widths drawn (−1: none). */
  snapshot() {
    if (!this.lastGrid || !this.frame) return null;
    const g = this.lastGrid;
    return {
      step: this.frame.step, params: this.frame.params.slice(), xs: g.xs, ys: g.ys, mode: this.mode,
      values: g.values.map((col) => col.map((v) => Array.from(v))), states: this.states, draws: this.draws,
      edgeMax: this.edgeMax, reference: this.reference, layerWidths: this.layerWidths,
    };
  }
}
