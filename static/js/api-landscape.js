// Requests for the Explore panels, built from the selected run's settings.

import { LIMITS } from "./schema.js";
import { state } from "./state.js";

/** The landscape endpoints' bounds (docs/landscape.md): steps, basin work, run fields. */
const LANDSCAPE = LIMITS.landscape;

/** A run as the landscape endpoints take it: the scenario's run, only the fields they take. */
export function landscapeRun(spec, { withStart = true } = {}) {
  const out = {};
  for (const k of LANDSCAPE.run_fields) if (spec[k] !== undefined && (withStart || k !== "start")) out[k] = structuredClone(spec[k]);
  return out;
}

/** The scenario's step budget, within the landscape limit. */
export const landscapeSteps = () => Math.min(state.scenario.steps, LANDSCAPE.steps);

/** Steps for an n×n basin map: the scenario's, within the server's work limit (grid.n² × steps). */
export const basinSteps = (n) => Math.max(1, Math.min(landscapeSteps(), Math.floor(LANDSCAPE.basin_work / (n * n))));

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
