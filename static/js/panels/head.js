// The "Softmax" tab (its name follows the head): for the picked training point, the
// output scores, what the head makes of them — softmax probabilities as bars beside the
// one-hot target, −log p_y and ∂ℓ/∂scores = p − onehot; σ(z) against y with BCE; or the
// raw outputs against the one-hot target with MSE — every number from POST /api/trace.
// Below, "type your own scores": the softmax of any scores, step by step, and why the
// max is subtracted first (nets/softmax.js).

import { fmt } from "../format.js";
import { allFinite, naiveSoftmax, parseScores, stableSoftmax } from "../nets/softmax.js";
import { classColor } from "../plots/theme.js";
import { clickWord } from "../pointer.js";

const $ = (id) => document.getElementById(id);
const n4 = (v) => fmt(v, 4);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

/** The tab's title for a head (short: the tab bar is narrow). */
export function headTitle(head) {
  return { softmax_ce: "Softmax", sigmoid_bce: "Sigmoid" }[head] ?? "MSE";
}

/** One bar row: label, a bar of `value` (0 … 1) and its number. */
function bar(label, value, color, text) {
  const row = el("div", "head-bar");
  row.append(el("span", "head-bar-label", label));
  const track = el("span", "head-bar-track");
  const fill = el("span", "head-bar-fill");
  fill.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
  fill.style.background = color;
  track.append(fill);
  row.append(track, el("span", "head-bar-value", text));
  return row;
}

export class HeadPanel {
  constructor({ tracer }) {
    this.tracer = tracer;
    this.pane = $("head-panel");
    this.regression = false;
    tracer.listen(() => this.render());
    const input = $("scores-input");
    input.addEventListener("input", () => this.showScores(input.value));
    this.showScores(input.value);
  }

  get active() {
    return this.pane.classList.contains("active");
  }

  draw(desc) {
    this.regression = desc.net.regression; // a target, not classes (linreg2)
    this.head = desc.net.head;
    $("tab-head").textContent = headTitle(this.head);
    this.render();
  }

  update() {
    this.tracer.refresh(this.active);
  }

  shown() {
    this.tracer.refresh(true);
    this.render();
  }

  render() {
    const caption = $("head-caption");
    const bars = $("head-bars");
    const lines = $("head-lines");
    const t = this.tracer;
    const a = t.trace?.answer;
    if (t.point === null || !a) {
      caption.textContent = t.point === null ? `${clickWord(true)} a training point on the plot to see its scores, probabilities and loss.` : `Tracing point ${t.point}…`;
      bars.replaceChildren();
      lines.replaceChildren();
      return;
    }
    caption.textContent = `Point ${a.sample}, at the weights of step ${t.trace.frame.step}:`;
    const rows = [];
    const out = [];
    const add = (what, text) => out.push([what, text]);
    const delta = a.layers[a.layers.length - 1].delta;
    if (this.regression) {
      const [yHat] = a.logits;
      add("prediction", `ŷ = w1·x1 + w2·x2 = ${n4(yHat)}, target y = ${n4(a.label)}`);
      add("loss", `ℓ = (ŷ − y)² = (${n4(yHat)} − ${n4(a.label)})² = ${n4(a.loss)}`);
      add("∂ℓ/∂ŷ", `2(ŷ − y) = ${n4(delta[0])}`);
    } else if (this.head === "softmax_ce") {
      a.probs.forEach((p, k) => {
        rows.push(bar(`class ${k}`, p, classColor(k), `z = ${n4(a.logits[k])} → p = ${n4(p)}`));
        rows.push(bar("", a.target[k], "var(--muted)", `one-hot ${a.target[k]}`));
      });
      add("softmax", `pₖ = e^(zₖ − max z) / Σⱼ e^(zⱼ − max z), max z = ${n4(Math.max(...a.logits))}`);
      add("cross-entropy", `ℓ = −log p_y = −log p${a.label} = −log(${n4(a.probs[a.label])}) = ${n4(a.loss)}`);
      add("∂ℓ/∂z = p − onehot", `(${delta.map(n4).join(", ")})`);
    } else if (this.head === "sigmoid_bce") {
      const [p] = a.probs;
      rows.push(bar("P(class 1)", p, classColor(1), `σ(${n4(a.logits[0])}) = ${n4(p)}`));
      rows.push(bar("y", a.target[0], "var(--muted)", `target ${a.target[0]}`));
      add("sigmoid", `p = σ(z) = 1/(1 + e^(−z)) = ${n4(p)}`);
      add("binary cross-entropy", `ℓ = −[y·log p + (1 − y)·log(1 − p)] = ${n4(a.loss)}`);
      add("∂ℓ/∂z = σ(z) − y", `${n4(p)} − ${a.target[0]} = ${n4(delta[0])}`);
    } else {
      a.logits.forEach((z, k) => {
        rows.push(bar(`output ${k}`, z, classColor(k), `z = ${n4(z)}`));
        rows.push(bar("", a.target[k], "var(--muted)", `one-hot ${a.target[k]}`));
      });
      add("MSE", `ℓ = (1/K) Σₖ (zₖ − tₖ)² = ${n4(a.loss)} (the outputs are not probabilities)`);
      add("∂ℓ/∂z = 2(z − t)/K", `(${delta.map(n4).join(", ")})`);
    }
    bars.replaceChildren(...rows);
    lines.replaceChildren(...out.map(([what, text]) => {
      const row = el("div");
      row.append(el("dt", "", what), el("dd", "", text));
      return row;
    }));
  }

  /** The typed scores' softmax, every step, and the naive form beside it. */
  showScores(text) {
    const out = $("scores-out");
    const parsed = parseScores(text);
    if (parsed.error) {
      out.replaceChildren(el("p", "scores-error", parsed.error));
      return;
    }
    const z = parsed.scores;
    const s = stableSoftmax(z);
    const table = el("table", "scores-table");
    const head = el("tr");
    for (const h of ["z", `z − ${n4(s.max)}`, "e^(z − max)", "p"]) head.append(el("th", "", h));
    table.append(head);
    z.forEach((v, k) => {
      const tr = el("tr");
      for (const cell of [n4(v), n4(s.shifted[k]), fmt(s.exps[k], 3), fmt(s.probs[k], 3)]) tr.append(el("td", "", cell));
      table.append(tr);
    });
    const f64 = naiveSoftmax(z);
    const f32 = naiveSoftmax(z, { float32: true });
    const big = z.reduce((k, v, i) => (v > z[k] ? i : k), 0);
    const notes = [el("p", "", `Σ e^(z − max) = ${fmt(s.sum, 4)}; the probabilities add up to 1.`)];
    const say = (ok, where, limit, r) => (ok
      ? `Without subtracting the max, in ${where} e^${n4(z[big])} = ${fmt(r.exps[big], 3)} is still finite (it overflows above z ≈ ${limit}).`
      : `Without subtracting the max, in ${where} e^${n4(z[big])} = ∞ and ∞/∞ = NaN: the probabilities are lost. With it, every exponent is ≤ 0, so e^(z − max) ≤ 1.`);
    notes.push(el("p", "", say(allFinite(f64.probs), "float64 (NumPy, JavaScript)", "709.8", f64)));
    notes.push(el("p", "", say(allFinite(f32.probs), "float32 (a GPU)", "88.7", f32)));
    out.replaceChildren(table, ...notes);
  }
}
