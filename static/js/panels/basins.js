// The basin map: the selected run's optimizer and hyperparameters started from every
// point of an n×n grid (one vectorised job on the server); each start is coloured by
// the minimum it ends in, as a translucent layer over the contour.

import { basinSteps, landscapeRun, landscapeSteps } from "../api-landscape.js";
import { on } from "../events.js";
import { objectiveField, objectiveKey } from "../objective.js";
import { fmt } from "../format.js";
import { shortName } from "../runs.js";
import { selectedSpec, state } from "../state.js";
import { labelLegend } from "./label-legend.js";

const $ = (id) => document.getElementById(id);

export class BasinsPanel {
  /** @param {{jobs, layer: import("../plots/contour-layers.js").BasinLayer}} parts */
  constructor({ jobs, layer }) {
    this.jobs = jobs;
    this.layer = layer;
    this.btn = $("btn-basins");
    this.size = $("basin-n");
    this.toggle = $("basin-toggle");
    this.legend = $("basin-legend");
    this.note = $("basin-note");
    this.result = null;
    this.signature = "";
    this.btn.addEventListener("click", () => this.run());
    this.toggle.addEventListener("change", () => this.layer.setVisible(this.toggle.checked));
    on("settings", () => this.markStale());
    on("selection", () => this.markStale());
    on("surface", () => this.clear());
  }

  /** What a map depends on: the surface and the selected run's settings (not its start or η's run number). */
  currentSignature(n = Number(this.size.value)) {
    return JSON.stringify([objectiveKey(state.scenario), landscapeRun(selectedSpec(), { withStart: false }), basinSteps(n), state.scenario.seed]);
  }

  async run() {
    const n = Number(this.size.value);
    const spec = selectedSpec();
    const steps = basinSteps(n);
    const req = { ...objectiveField(state.scenario), run: landscapeRun(spec, { withStart: false }), steps, seed: state.scenario.seed, grid: { n } };
    const sig = this.currentSignature(n);
    this.setNote(`Running ${n}×${n} = ${(n * n).toLocaleString("en")} starts with run ${state.selected + 1}'s settings…`, "running");
    this.btn.disabled = true;
    let result;
    try {
      result = await this.jobs.run("basins", req);
    } catch (err) {
      this.setNote(err.cancelled ? "Basin map cancelled." : `Basin map failed: ${err.message}`, err.cancelled ? "cancelled" : "error");
      return;
    } finally {
      this.btn.disabled = false;
    }
    if (JSON.stringify(objectiveField(req)) !== objectiveKey(state.scenario)) { // the student moved on meanwhile
      this.setNote("The surface changed while the map was computed: compute it again.", "stale");
      return;
    }
    this.result = result;
    this.signature = sig;
    this.layer.show(result);
    this.layer.setStale(false);
    this.toggle.checked = true;
    this.toggle.disabled = false;
    this.layer.setVisible(true);
    this.btn.textContent = "Compute";
    this.renderLegend(result);
    const capped = steps < landscapeSteps() ? ` (${steps} steps each: the server's limit for a ${n}² grid)` : ` (${steps} steps each)`;
    this.doneNote = `Each start on a ${n}×${n} grid, coloured by where ${shortName(spec.optimizer)} with η = ${fmt(spec.lr)} took it${capped}.`;
    this.setNote(this.doneNote, "done");
  }

  renderLegend(result) {
    const counts = new Map();
    let total = 0;
    for (const row of result.labels) for (const l of row) { counts.set(l, (counts.get(l) ?? 0) + 1); total += 1; }
    const share = (n) => {
      const p = (100 * n) / total;
      return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
    };
    this.legend.replaceChildren(...labelLegend(result.minima, result.known_minima, counts, share));
    for (const li of this.legend.children) li.dataset.share = ((100 * Number(li.dataset.count)) / total).toFixed(2);
  }

  setNote(text, stateName) {
    this.note.textContent = text;
    this.note.dataset.state = stateName;
  }

  markStale() {
    if (!this.result) return;
    const stale = this.currentSignature() !== this.signature;
    this.layer.setStale(stale);
    $("basins-panel").classList.toggle("stale", stale);
    this.btn.textContent = stale ? "Recompute" : "Compute";
    if (stale) this.setNote("The optimizer or its settings changed since this map was made (it is greyed out): press Recompute.", "stale");
    else this.setNote(this.doneNote, "done");
  }

  clear() {
    this.result = null;
    this.layer.show(null);
    this.layer.setStale(false);
    this.legend.replaceChildren();
    this.toggle.disabled = true;
    this.btn.textContent = "Compute";
    $("basins-panel").classList.remove("stale");
    this.setNote("Colour every start point by the minimum the selected run's optimizer reaches from it.", "empty");
  }
}
