// REST calls to the gdviz server (same origin only).

import { LIMITS } from "./schema.js";

const BUSY_RETRIES = 3; // a 503 (the server's computations are full) is asked again this often

/**
 * fetch, asking again after a 503's Retry-After (at most 10 s, spread ±25 % so a class
 * does not come back at once), up to BUSY_RETRIES times; then the 503 is the answer.
 */
async function fetchPatiently(url, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, init);
    if (res.status !== 503 || attempt >= BUSY_RETRIES || init.signal?.aborted) return res;
    const secs = Math.min(10, Number(res.headers.get("Retry-After")) || 1);
    await new Promise((resolve) => setTimeout(resolve, secs * 1000 * (0.75 + 0.5 * Math.random())));
  }
}

async function getJSON(path) {
  const res = await fetchPatiently(path, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    let detail = "";
    try {
      const body = await res.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
    } catch {
      detail = res.statusText;
    }
    throw new Error(`${path}: ${res.status} ${detail}`);
  }
  return res.json();
}

/** [{id, name, formula, domain, minima, start, lr, contour_scale}] */
export const fetchSurfaces = () => getJSON("/api/surfaces");

/** [{id, name, params: {name: {default, min, max}}}] */
export const fetchOptimizers = () => getJSON("/api/optimizers");
/** The guided path's steps (GET /api/course): [{preset, title, chapter, goal, check, url}]. */
export const fetchCourse = () => getJSON("/api/course");

/**
 * {x: [n], y: [n], z: [[n] per y]} with null for non-finite z, in the schema's
 * `contour_digits` (a contour needs far fewer than 17). At the schema's `contour_grid` this
 * is the URL the page's HTML preloads (gdviz/scenarios/schema.py, contour_grid_path).
 */
const gridPath = (surfaceId, n) =>
  `/api/surfaces/${encodeURIComponent(surfaceId)}/grid?n=${n}&digits=${LIMITS.contour_digits}`;
let prefetched = null; // {path, answer}: the link's grid, asked for while the page starts

/** Ask for a grid now; the next fetchGrid of the same one takes this answer. */
export function prefetchGrid(surfaceId, n = 120) {
  const path = gridPath(surfaceId, n);
  prefetched = { path, answer: getJSON(path) };
  prefetched.answer.catch(() => {}); // (fetchGrid's caller sees a failure)
}

export function fetchGrid(surfaceId, n = 120) {
  const path = gridPath(surfaceId, n);
  if (prefetched?.path === path) {
    const { answer } = prefetched;
    prefetched = null;
    return answer;
  }
  return getJSON(path);
}

let presets = null;
/** The preset lessons [{id, title, lesson, scenario, view, url}] (asked for once per page). */
export function fetchPresets() {
  presets ??= getJSON("/api/presets").catch((err) => {
    presets = null; // ask again next time
    throw err;
  });
  return presets;
}

/**
 * A model described (docs/models.md): its layers, data and, for 2-weight models, what
 * the contour needs (domain, minima, start, lr, grid {x, y, z}).
 */
export async function describeModel(model, grid = 120) {
  const res = await fetchPatiently(`/api/model?grid=${grid}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(model),
  });
  if (!res.ok) throw new Error(await errorDetail(res));
  return res.json();
}

/**
 * A typed f(x, y) described (docs/expressions.md): like a surface (formula, domain, minima,
 * start, lr, contour_scale) plus `expr`, `gradient`, `grad_formula` and its grid {x, y, z}
 * (null where f is not finite). A refused expression or domain rejects with an Error whose
 * `refusal` is the server's {field, message, position?, end?} (columns in code points).
 * @param {string} expr  @param {number[][]|undefined} domain  @param {number} n  grid points per axis
 * @param {AbortSignal} [signal]
 */
export async function describeExpr(expr, domain, n = 120, signal = undefined) {
  const res = await fetchPatiently(`/api/expr?n=${n}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(domain ? { expr, domain } : { expr }),
    signal,
  });
  if (res.ok) return res.json();
  const body = await res.clone().json().catch(() => null);
  const first = Array.isArray(body?.detail) ? body.detail[0] : null;
  if (res.status === 422 && first?.field && first?.message) throw Object.assign(new Error(first.message), { refusal: first });
  throw new Error(await errorDetail(res));
}

async function errorDetail(res) {
  try {
    const body = await res.json();
    if (typeof body.detail === "string") return body.detail;
    // pydantic's list of errors: "field: message" for the first
    const first = Array.isArray(body.detail) ? body.detail[0] : null;
    if (first?.field && first?.message) return `${first.field}: ${first.message}`;
    if (first?.msg) return `${(first.loc ?? []).filter((p) => p !== "body").join(".")}: ${first.msg.replace(/^Value error, /, "")}`;
    return JSON.stringify(body.detail ?? body);
  } catch {
    return res.statusText;
  }
}

/**
 * Frame 0 of every run (the start, its loss, gradient and first update) without
 * starting a stream: POST /api/run with a one-step budget.
 */
export async function fetchStartFrames(scenario) {
  // A branch's frame 0 is the first run's it comes from (it leaves it later on).
  const root = (i) => (scenario.runs[i].branch_of ?? null) === null ? i : root(scenario.runs[i].branch_of);
  const roots = scenario.runs.map((_, i) => root(i));
  const own = [...new Set(roots)];
  const res = await fetchPatiently("/api/run", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ ...scenario, runs: own.map((i) => scenario.runs[i]), steps: 1 }),
  });
  if (!res.ok) throw new Error(await errorDetail(res));
  const body = await res.json();
  const frames = body.runs.map((r) => ({
    ...r.frames[0], status: r.frames.length === 1 ? r.status : null, reason: r.reason, diagnosis: r.diagnosis ?? null,
  }));
  return roots.map((j) => frames[own.indexOf(j)]);
}

/**
 * One training point's forward and backward pass (POST /api/trace, docs/models.md):
 * {scenario, params?, sample, run?, step?} → {loss, logits, probs, target, layers, batch, …}.
 */
export async function fetchTrace(request, signal = undefined) {
  const res = await fetchPatiently("/api/trace", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(request),
    signal,
  });
  if (!res.ok) throw new Error(await errorDetail(res));
  return res.json();
}
