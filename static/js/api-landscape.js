// Requests for the Explore panels, built from the selected run's settings.

import { state } from "./state.js";

/** Fields of a run spec the landscape endpoints take (docs/landscape.md). */
const RUN_FIELDS = ["optimizer", "lr", "momentum", "dampening", "weight_decay", "alpha", "eps", "lr_decay", "initial_accumulator_value", "betas",
  "schedule", "step_size", "gamma", "T_max", "eta_min", "warmup_steps", "clip_norm", "noise", "start"];
export const MAX_LANDSCAPE_STEPS = 5000; // gdviz/scenarios/landscape.py
export const MAX_BASIN_WORK = 256 * 256 * 2000; // grid.n² × steps, gdviz/scenarios/landscape.py

/** A run as the landscape endpoints take it: the scenario's run without page-only fields. */
export function landscapeRun(spec, { withStart = true } = {}) {
  const out = {};
  for (const k of RUN_FIELDS) if (spec[k] !== undefined && (withStart || k !== "start")) out[k] = structuredClone(spec[k]);
  return out;
}

/** The scenario's step budget, within the landscape limit. */
export const landscapeSteps = () => Math.min(state.scenario.steps, MAX_LANDSCAPE_STEPS);

/** Steps for an n×n basin map: the scenario's, within the server's work limit. */
export const basinSteps = (n) => Math.max(1, Math.min(landscapeSteps(), Math.floor(MAX_BASIN_WORK / (n * n))));

/**
 * GET /api/stability: curvature at the known minimum nearest (x, y) and stable lr ranges.
 * @param {object} objective  the objective as a link names it (objective.js objectiveParams)
 */
/** GET /api/stability; `hyper` = {momentum, dampening, weight_decay} of the run asking. */
export async function fetchStability(objective, [x, y], hyper) {
  const q = new URLSearchParams({ ...objective, x: String(x), y: String(y) });
  for (const [k, v] of Object.entries(hyper)) q.set(k, String(v));
  const res = await fetch(`/api/stability?${q}`, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(typeof body.detail === "string" ? body.detail : res.statusText);
  return body;
}
