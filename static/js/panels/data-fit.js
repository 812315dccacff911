// The "Data & fit" tab of a 2-weight model: the fitted model at the selected run's
// current weights ("ŷ = 1.02·x1 − 1.97·x2  (true: 1·x1 − 2·x2)"), the plot of the data
// and the fit (plots/data-fit.js), and the gradient's formula with its value now —
// "∂L/∂w1 = 2·mean((ŷ−y)·x1) = −0.734" — from the frame the server sent.

import { fmt } from "../format.js";
import { regression } from "../objective.js";
import { FitPlot } from "../plots/data-fit.js";
import { classColor } from "../plots/theme.js";

const $ = (id) => document.getElementById(id);

/** "1.02·x1 − 1.97·x2" */
export function linearTerm(w1, w2) {
  const sign = w2 < 0 ? "−" : "+";
  return `${fmt(w1).replace("-", "−")}·x1 ${sign} ${fmt(Math.abs(w2))}·x2`;
}

/** The formula server sends as one line ("∂L/∂w1 = …,  ∂L/∂w2 = …"), one per weight. */
export function splitGradFormula(text) {
  if (Array.isArray(text)) return text;
  return String(text ?? "").split(/,\s+(?=∂)/);
}

function swatch(cls, style = {}) {
  const s = document.createElement("span");
  s.className = `sw ${cls}`;
  s.setAttribute("aria-hidden", "true");
  Object.assign(s.style, style);
  return s;
}

export class DataFitPanel {
  /** @param {{onPickPoint?(index)}} h  a data point clicked */
  constructor(h = {}) {
    this.model = $("fit-model");
    this.gradBox = $("fit-grad");
    this.key = $("fit-key");
    this.plot = new FitPlot($("fit-plot"), h);
    this.desc = null;
  }

  async draw(desc) {
    this.desc = desc;
    this.lines = splitGradFormula(desc.grad_formula).map((formula, i) => {
      const p = document.createElement("p");
      p.className = "grad-line";
      const f = document.createElement("span");
      f.className = "grad-formula";
      f.textContent = formula.trim();
      const v = document.createElement("strong");
      v.className = "grad-value";
      v.dataset.index = String(i);
      p.append(f, " = ", v);
      return p;
    });
    this.gradBox.replaceChildren(...this.lines);
    this.buildKey(desc);
    await this.plot.draw(desc);
  }

  buildKey(desc) {
    const item = (sw, text) => {
      const li = document.createElement("li");
      li.append(sw, text);
      return li;
    };
    const items = regression(desc)
      ? [
        item(swatch("sw-dot", { background: classColor(0) }), "a data point (y, ŷ)"),
        item(swatch("sw-diag"), "ŷ = y: a perfect fit"),
        item(swatch("sw-err"), "error ŷ − y (L = mean of its square)"),
      ]
      : [
        item(swatch("sw-dot", { background: classColor(0) }), "class 0"),
        item(swatch("sw-sq", { background: classColor(1) }), "class 1"),
        item(swatch("sw-line"), "decision line w·x = 0"),
        item(swatch("sw-w"), "direction of w (towards class 1)"),
      ];
    this.key.replaceChildren(...items);
  }

  /** Show the fit and the gradient at `frame` (the selected run's newest); null = none yet. */
  update(frame) {
    if (!this.desc) return;
    const w = frame?.params;
    const g = frame?.grad;
    const ok = Array.isArray(w) && w[0] !== null && w[1] !== null;
    if (ok) this.plot.update(w);
    this.model.textContent = ok ? this.modelText(w, frame) : "";
    (this.lines ?? []).forEach((p, i) => {
      const v = p.querySelector(".grad-value");
      const value = g ? g[i] : undefined;
      v.textContent = value === undefined ? "–" : fmt(value).replace("-", "−");
      v.dataset.value = value === undefined || value === null ? "" : String(value);
    });
  }

  modelText([w1, w2], frame) {
    if (regression(this.desc)) {
      const t = this.desc.true_w;
      const truth = t ? `  (true: ${linearTerm(t[0], t[1])})` : "  (random targets: there is no true w)";
      return `ŷ = ${linearTerm(w1, w2)}${truth}`;
    }
    const acc = typeof frame.accuracy === "number" ? ` · accuracy ${(100 * frame.accuracy).toFixed(0)}%` : "";
    return `ŷ = σ(${linearTerm(w1, w2)})${acc}`;
  }
}
