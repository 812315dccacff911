// The learning-rate sweep: the selected run (optimizer, hyperparameters, schedule,
// clipping, noise, start) repeated for many η at once on the server, then final loss
// against η. Clicking a point gives the selected run that η.

import { landscapeRun, landscapeSteps } from "../api-landscape.js";
import { on } from "../events.js";
import { objectiveField, objectiveKey } from "../objective.js";
import { fmt, fmtPoint } from "../format.js";
import { LIMITS } from "../schema.js";
import { STATUS_LOOK, SweepPlot } from "../plots/sweep.js";
import { shortName } from "../runs.js";
import { selectedSpec, state } from "../state.js";
import { clickWord } from "../pointer.js";

const $ = (id) => document.getElementById(id);
const [LR_MIN, LR_MAX] = LIMITS.lr; // the server's limits for a swept η
const MAX_POINTS = LIMITS.landscape.sweep_points;

/** The bound's formula, as gdviz/engine/stability.py's `bound_formula` writes it. */
export function boundLabel(spec) {
  const lam = spec.weight_decay > 0 ? "(λ_max+wd)" : "λ_max";
  if (spec.optimizer === "gd") return `2/${lam}`;
  if (spec.optimizer === "momentum") return spec.dampening > 0 ? `2(1+μ)/((1−τ)${lam})` : `2(1+μ)/${lam}`;
  if (spec.optimizer === "nesterov") return `2(1+μ)/((1+2μ)${lam})`;
  return "bound";
}

export class SweepPanel {
  /** @param {{jobs: import("../landscape.js").LandscapeClient, onPickLr(lr), onError(message)}} h */
  constructor({ jobs, onPickLr, onError }) {
    this.jobs = jobs;
    this.onError = onError;
    this.btn = $("btn-sweep");
    this.caption = $("sweep-caption");
    this.inputs = { min: $("sweep-min"), max: $("sweep-max"), count: $("sweep-count") };
    this.plot = new SweepPlot($("sweep-plot"), { onPick: (lr) => onPickLr(Number(lr.toPrecision(4))) });
    this.result = null;
    this.signature = "";
    this.btn.addEventListener("click", () => this.run());
    for (const input of Object.values(this.inputs)) {
      input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") this.run(); });
    }
    on("settings", () => { this.markStale(); this.moveMarker(); });
    on("selection", () => { this.markStale(); this.moveMarker(); });
    on("start", () => this.markStale());
    on("surface", () => this.clear());
  }

  /** The request for the selected run, or null (with a message) if the range is bad. */
  request() {
    const min = Number(this.inputs.min.value);
    const max = Number(this.inputs.max.value);
    const count = Number(this.inputs.count.value);
    const bad = [];
    if (!(min >= LR_MIN && min <= LR_MAX)) bad.push(this.inputs.min);
    if (!(max >= LR_MIN && max <= LR_MAX) || !(max > min)) bad.push(this.inputs.max);
    if (!(Number.isInteger(count) && count >= 2 && count <= MAX_POINTS)) bad.push(this.inputs.count);
    for (const input of Object.values(this.inputs)) {
      input.classList.toggle("invalid", bad.includes(input));
      input.setAttribute("aria-invalid", bad.includes(input) ? "true" : "false");
    }
    if (bad.length) {
      this.onError(`Sweep: η from ${fmt(LR_MIN)} to ${fmt(LR_MAX)} with "from" below "to", and 2 to ${MAX_POINTS} points.`);
      return null;
    }
    const spec = selectedSpec();
    return {
      ...objectiveField(state.scenario), run: landscapeRun(spec), steps: landscapeSteps(), seed: state.scenario.seed,
      lrs: { min, max, count },
    };
  }

  /** What a sweep depends on besides η (to tell when it is out of date). */
  currentSignature() {
    const { lr, ...rest } = landscapeRun(selectedSpec());
    return JSON.stringify([objectiveKey(state.scenario), rest, landscapeSteps(), state.scenario.seed, state.selected]);
  }

  async run() {
    const req = this.request();
    if (!req) return;
    const sig = this.currentSignature();
    const spec = selectedSpec();
    const who = `run ${state.selected + 1} (${shortName(spec.optimizer)})`;
    this.setCaption(`Sweeping ${req.lrs.count} learning rates for ${who}…`, "running");
    this.btn.disabled = true;
    let result;
    try {
      result = await this.jobs.run("sweep", req);
    } catch (err) {
      this.setCaption(err.cancelled ? "Sweep cancelled." : `Sweep failed: ${err.message}`, err.cancelled ? "cancelled" : "error");
      return;
    } finally {
      this.btn.disabled = false;
    }
    if (JSON.stringify(objectiveField(req)) !== objectiveKey(state.scenario)) { // the student moved on meanwhile
      this.setCaption("The surface changed while the sweep ran: run it again.", "stale");
      return;
    }
    this.result = result;
    this.signature = sig;
    this.forSpec = structuredClone(spec);
    const bound = result.bound === null ? null : { value: result.bound, label: result.formula ?? boundLabel(spec) };
    const counts = {};
    for (const p of result.points) counts[p.status] = (counts[p.status] ?? 0) + 1;
    this.showKey(counts, result.bound !== null); // first, so the plot is drawn at its final size
    await this.plot.show(result, bound, this.marker());
    const boundText = result.bound === null
      ? ` ${shortName(spec.optimizer)} scales its own steps: no single η bound.`
      : "";
    this.doneCaption = `${req.steps} steps from ${fmtPoint(spec.start ?? state.model?.start)} for each η.${boundText} ${clickWord(true)} a point to give run ${state.selected + 1} that η.`;
    $("sweep-panel").classList.remove("stale");
    this.setCaption(this.doneCaption, "done");
  }

  /** The key under the plot: each status present, with its count, and the bound line. */
  showKey(counts, hasBound) {
    const key = $("sweep-key");
    const items = [];
    for (const [status, look] of Object.entries(STATUS_LOOK)) {
      if (!counts[status]) continue;
      const li = document.createElement("li");
      li.dataset.status = status;
      const mark = document.createElement("span");
      mark.className = `sweep-mark mark-${status}`;
      mark.setAttribute("aria-hidden", "true");
      mark.style.setProperty("--c", look.color);
      li.append(mark, `${counts[status]} ${look.name}`);
      items.push(li);
    }
    if (hasBound) {
      const li = document.createElement("li");
      const mark = document.createElement("span");
      mark.className = "sweep-mark mark-bound";
      mark.setAttribute("aria-hidden", "true");
      li.append(mark, "largest stable η");
      items.push(li);
    }
    key.replaceChildren(...items);
    key.hidden = false;
  }

  setCaption(text, stateName) {
    this.caption.textContent = text;
    this.caption.dataset.state = stateName;
  }

  marker() {
    const spec = selectedSpec();
    return { lr: spec.lr, label: `run ${state.selected + 1}: η = ${fmt(spec.lr)}` };
  }

  moveMarker() {
    if (this.result) this.plot.setMarker(this.marker());
  }

  markStale() {
    if (!this.result) return;
    const stale = this.currentSignature() !== this.signature;
    $("sweep-panel").classList.toggle("stale", stale);
    if (stale) this.setCaption("The run's settings changed since this sweep: press “Run sweep” to redo it.", "stale");
    else this.setCaption(this.doneCaption, "done");
  }

  clear() {
    if (!this.result) return;
    this.result = null;
    this.plot.clear();
    $("sweep-key").hidden = true;
    $("sweep-panel").classList.remove("stale");
    this.setCaption("Run a sweep to see how the end of the run depends on η.", "empty");
  }
}
