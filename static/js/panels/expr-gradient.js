// Under the contour of a typed f(x, y): its exact gradient as a formula and its value at
// the selected run's point now — "∇f = (2x, 20y) = (4.5, 30)" — so a student can check
// the arrow on the plot against the formula. The formula is the server's (`grad_formula`,
// derived symbolically); the numbers are the frame's own `grad`, never recomputed here.

import { fmt } from "../format.js";
import { splitGradFormula } from "./data-fit.js";

const $ = (id) => document.getElementById(id);

/** "∂f/∂x = 2x" → "2x" (the right-hand side of one partial derivative's line). */
const rightSide = (line) => line.slice(line.indexOf("=") + 1).trim();

const minus = (text) => text.replace("-", "−");

export class ExprGradient {
  constructor() {
    this.box = $("expr-grad");
    this.formula = $("expr-grad-formula");
    this.values = [...this.box.querySelectorAll(".expr-grad-value")];
  }

  /** Show the gradient of a described f(x, y) (POST /api/expr); null: hide the line. */
  draw(desc) {
    this.box.hidden = !desc;
    if (!desc) return;
    const lines = splitGradFormula(desc.grad_formula).map((l) => l.trim());
    this.formula.textContent = `∇f = (${lines.map(rightSide).join(", ")})`;
    this.box.title = lines.join("\n"); // every symbol, when the line is cut
    this.update(null);
  }

  /** The gradient at `frame` (the selected run's newest; null = none yet). */
  update(frame) {
    if (this.box.hidden) return;
    const g = frame?.grad;
    this.values.forEach((v, i) => {
      const value = Array.isArray(g) ? g[i] : undefined;
      const text = value === undefined ? "–" : minus(fmt(value));
      if (v.textContent !== text) v.textContent = text;
      v.dataset.value = value === undefined || value === null ? "" : String(value);
    });
  }
}
