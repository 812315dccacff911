// All page state in one object. The scenario (what the URL and the server's `start`
// take) is the truth for settings; `runs` holds what the server has sent so far.

import { isExpr, objectiveField } from "./objective.js";
import { toast } from "./toast.js";
import { END_STATUSES } from "./status.js";

export const MAX_RUNS = 6; // the server streams at most six runs in one scenario
export const DEFAULT_SCENARIO = { surface: "himmelblau", runs: [{ optimizer: "gd", lr: 0.01 }], steps: 500, seed: 0, speed: 30 };
export const ENDED = new Set(END_STATUSES); // every status a run ends with (status.js)

export const state = {
  surfaces: new Map(),
  optimizers: new Map(),
  models: null, // GET /api/models: kinds, choices, every field's default and range
  model: null, // POST /api/model: the drawn model (data, layers, grid…), or null on a surface
  expr: null, // POST /api/expr: the drawn typed f(x, y) (formula, gradient, grid…), or null
  scenario: null,
  selected: 0, // the run the control column edits
  hidden: [], // per run: hidden from every plot (it still runs)
  surfaceDrawn: false, // the objective's main view is drawn (contour, or a network's boundary)
  socketOpen: false,
  playing: false,
  server: "none", // "none": no stream behind the page (waiting at the start) | "active" | "done"
  runs: [], // per run: display data (see runs.js)
  updateStale: false, // a hyperparameter changed since the shown `update` was computed
  recent: [], // recent frames, for tests and debugging
};

/** The scenario from the page (the server parsed the query string into it). */
export function readScenario(json) {
  try {
    const s = JSON.parse(json);
    if (!s || typeof s !== "object" || !Array.isArray(s.runs) || s.runs.length === 0) throw new Error("it has no runs");
    return { ...DEFAULT_SCENARIO, ...s };
  } catch (err) {
    toast(`Could not read the scenario (${err.message}); using the default.`);
    return structuredClone(DEFAULT_SCENARIO);
  }
}

/** The settings of the run the controls edit. */
export const selectedSpec = () => state.scenario.runs[state.selected];

/** The display data of the selected run. */
export const selectedRun = () => state.runs[state.selected];

/** The scenario as `start` and POST /api/run take it. */
export function scenarioForServer(speed = state.scenario.speed) {
  const s = state.scenario;
  const objective = objectiveField(s);
  const runs = s.runs.map((r) => {
    const out = { ...r };
    if (Array.isArray(r.start)) out.start = [...r.start];
    else delete out.start; // a network's runs start from their init
    return out;
  });
  return { ...objective, runs, steps: s.steps, seed: s.seed, speed };
}

export const isVisible = (i) => !state.hidden[i];

/**
 * Fill in what the page needs to show and edit (the server fills these in itself when
 * absent): known surface and optimizers, every run's start and η, a speed in range.
 * Call once the catalogs are loaded. Returns sentences about what was replaced.
 */
export function completeScenario() {
  const warnings = [];
  const sc = state.scenario;
  const [firstSurface] = state.surfaces.values();
  const [firstOptimizer] = state.optimizers.values();
  if (sc.model || isExpr(sc)) {
    delete sc.surface; // (the page's default scenario names one)
  } else if (!state.surfaces.has(sc.surface)) {
    warnings.push(`Unknown surface "${sc.surface}"; showing ${firstSurface.name}.`);
    sc.surface = firstSurface.id;
  }
  const surf = state.surfaces.get(sc.surface); // undefined for a model or an expr: its start comes with its description
  for (const r of sc.runs) {
    if (!state.optimizers.has(r.optimizer)) {
      warnings.push(`Unknown optimizer "${r.optimizer}"; using ${firstOptimizer.name}.`);
      r.optimizer = firstOptimizer.id;
    }
    if (surf && !Array.isArray(r.start)) r.start = [...surf.start];
    if (typeof r.lr !== "number") r.lr = state.optimizers.get(r.optimizer).params.lr?.default ?? surf?.lr ?? 0.01;
  }
  sc.speed = Number.isFinite(sc.speed) ? Math.min(Math.max(sc.speed, 1), 2000) : 30;
  state.hidden = sc.runs.map(() => false);
  state.selected = 0;
  return warnings;
}
