// Scattered starts: the selected run's settings from N random starts (seeded by the
// scenario's seed), drawn as thin paths on the contour coloured by the minimum each
// reached, with the server's one-sentence summary. Separate from the race's runs.

import { landscapeRun, landscapeSteps } from "../api-landscape.js";
import { on } from "../events.js";
import { objectiveField, objectiveKey } from "../objective.js";
import { LIMITS } from "../schema.js";
import { selectedSpec, state } from "../state.js";
import { labelLegend } from "./label-legend.js";

const $ = (id) => document.getElementById(id);
const MAX_STARTS = LIMITS.landscape.scatter;

export class ScatterPanel {
  /** @param {{jobs, layer: import("../plots/contour-layers.js").ScatterLayer, onError(message)}} parts */
  constructor({ jobs, layer, onError }) {
    this.jobs = jobs;
    this.layer = layer;
    this.onError = onError;
    this.btn = $("btn-scatter");
    this.clearBtn = $("btn-scatter-clear");
    this.nInput = $("scatter-n");
    this.summary = $("scatter-summary");
    this.legend = $("scatter-legend");
    this.result = null;
    this.btn.addEventListener("click", () => this.run());
    this.clearBtn.addEventListener("click", () => this.clear());
    this.nInput.addEventListener("keydown", (ev) => { if (ev.key === "Enter") this.run(); });
    on("surface", () => this.clear());
  }

  async run() {
    const n = Number(this.nInput.value);
    const ok = Number.isInteger(n) && n >= 1 && n <= MAX_STARTS;
    this.nInput.classList.toggle("invalid", !ok);
    this.nInput.setAttribute("aria-invalid", ok ? "false" : "true");
    if (!ok) {
      this.onError(`Starts: a whole number from 1 to ${MAX_STARTS}.`);
      return;
    }
    const req = {
      ...objectiveField(state.scenario), run: landscapeRun(selectedSpec(), { withStart: false }),
      steps: landscapeSteps(), seed: state.scenario.seed, n,
    };
    this.summary.textContent = `Running ${n} starts with run ${state.selected + 1}'s settings…`;
    this.summary.dataset.state = "running";
    this.btn.disabled = true;
    let result;
    try {
      result = await this.jobs.run("scatter", req);
    } catch (err) {
      this.summary.textContent = err.cancelled ? "Scatter cancelled." : `Scatter failed: ${err.message}`;
      this.summary.dataset.state = err.cancelled ? "cancelled" : "error";
      return;
    } finally {
      this.btn.disabled = false;
    }
    if (JSON.stringify(objectiveField(req)) !== objectiveKey(state.scenario)) { // the student moved on meanwhile
      this.summary.textContent = "The surface changed while the starts ran: scatter again.";
      this.summary.dataset.state = "stale";
      return;
    }
    this.result = result;
    this.layer.show(result);
    this.clearBtn.disabled = false;
    const counts = new Map(Object.entries(result.counts ?? {}).map(([k, v]) => [Number(k), v]));
    this.legend.replaceChildren(...labelLegend(result.minima, result.known_minima, counts, (c) => `${c} start${c === 1 ? "" : "s"}`));
    this.summary.textContent = result.summary;
    this.summary.dataset.state = "done";
  }

  clear() {
    this.result = null;
    this.layer.show(null);
    this.legend.replaceChildren();
    this.clearBtn.disabled = true;
    this.summary.textContent = "";
    this.summary.dataset.state = "empty";
  }
}
