// The "Step" tab: the selected run's current update written out with its numbers — the
// optimizer's rule line by line (θ − η·g; momentum's buffer; Adam's m, v and bias
// corrections) — from the frame's `opt` (docs/protocol.md), updating as it plays.

import { fmt } from "../format.js";
import { stepArithmetic, substitute } from "../nets/step-arithmetic.js";
import { selectedRun, selectedSpec, state } from "../state.js";

const $ = (id) => document.getElementById(id);
const n4 = (v) => fmt(v, 4);
const vec = (v) => (v.length === 1 ? n4(v[0]) : `(${v.map(n4).join(", ")})`);

export class StepPanel {
  constructor() {
    this.pane = $("step-panel");
    this.key = "";
  }

  get active() {
    return this.pane.classList.contains("active");
  }

  update() {
    if (!this.active) return;
    const frame = selectedRun()?.last;
    const spec = selectedSpec();
    const hyper = selectedRun()?.hyper;
    const key = `${state.selected}|${frame?.step}|${frame?.loss}|${JSON.stringify(hyper)}`;
    if (key === this.key) return;
    this.key = key;
    const where = $("step-where");
    const table = $("step-rows");
    if (!frame?.opt || !hyper || frame.params?.length !== 2) {
      where.textContent = frame && !frame.update ? "This run has ended: it takes no more steps." : "Waiting for the run's first frame…";
      table.replaceChildren();
      return;
    }
    const many = state.scenario.runs.length > 1;
    const axes = state.model ? "w1, w2" : "x, y";
    const { rows } = stepArithmetic({ optimizer: spec.optimizer, hyper, lr: frame.lr, params: frame.params, opt: frame.opt });
    const t = frame.opt.after.step;
    const who = many ? `Run ${state.selected + 1}, ` : "";
    const ended = selectedRun()?.status; // its last frame: the update it would take next, never taken
    where.textContent = ended
      ? `${who}ended at step ${frame.step} (${ended.replace("_", " ")}): update ${t}, which it would take next but did not, θ = (${axes}) = ${vec(frame.params)}, η = ${n4(frame.lr)}:`
      : `${who}update ${t} (from step ${frame.step} to ${frame.step + 1}), θ = (${axes}) = ${vec(frame.params)}, η = ${n4(frame.lr)}:`;
    const nabla = state.model ? "∇L" : "∇f";
    table.replaceChildren(...rows.map((r) => {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = r.name;
      const body = document.createElement("td");
      const rule = document.createElement("div");
      rule.className = "step-rule";
      const numbers = document.createElement("div");
      if (r.name === "g" && !Object.keys(r.parts).length) {
        rule.textContent = frame.opt.g.every((v, k) => v === frame.grad[k]) ? `= ${nabla} at θ` : `= ${nabla} with noise / clipping`;
      } else {
        rule.textContent = `= ${r.rule}`;
        numbers.textContent = `= ${substitute(r.rule, r.parts, n4)} `;
      }
      const value = document.createElement("strong");
      value.textContent = `= ${vec(r.value)}`;
      numbers.append(value);
      body.append(rule, numbers);
      tr.append(name, body);
      return tr;
    }));
  }

  shown() {
    this.key = "";
    this.update();
  }
}
