// Per-run display data: what the server has sent for each run, in the shape the
// plots take (parallel arrays), plus each run's end status. And how a run is named.

import { fmt, norm2 } from "./format.js";
import { state } from "./state.js";

const DEBUG_FRAMES = 1200; // recent frames (of all runs) kept on window.__gdviz for tests and debugging


/** A run's per-step arrays (runs.js emptyRun), cut together. */
const SERIES = ["xs", "ys", "steps", "losses", "gradnorms", "lrs", "frames"];
const MODEL_SERIES = ["accs", "testLosses", "testAccs", "layerNorms"];

/** How many of `steps` (ascending) are ≤ k. */
export function countUpTo(steps, k) {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Run `run` as it was at step k: its frames up to k; `whole` a whole frame at k, if known. */
export function runAt(run, k, whole = null) {
  const n = countUpTo(run.steps, k);
  if (n === run.steps.length) return run;
  const out = { ...run };
  for (const key of SERIES) out[key] = run[key].slice(0, n);
  for (const key of MODEL_SERIES) out[key] = run[key].length ? run[key].slice(0, n) : run[key];
  const frame = n ? run.frames[n - 1] : null;
  out.last = frame && !frame.params && whole ? { ...whole, ...frame, params: whole.params, grad: whole.grad, update: whole.update, opt: whole.opt } : frame;
  out.withParams = out.last?.params ? out.last : null;
  out.status = null; // it had not ended at step k
  out.reason = "";
  out.diagnosis = run.diagnosis && run.diagnosis.step <= k ? run.diagnosis : null;
  return out;
}

/** Copy `parent`'s frames before step k into `run` (a branch's first frame is at k). */
export function copyPrefix(run, parent, k) {
  const n = countUpTo(parent.steps, k - 1);
  for (const key of [...SERIES, ...MODEL_SERIES]) run[key] = parent[key].slice(0, Math.min(n, parent[key].length));
}

/** The runs as the server has sent them. While the step slider is dragged back, `state.runs`
 * — what every view reads — holds each run as it was at that step (session/scrub.js), and
 * these are kept aside: what arrives is written here. */
export const liveRuns = () => state.liveRuns ?? state.runs;

export function emptyRun() {
  return {
    xs: [], ys: [], steps: [], losses: [], gradnorms: [], lrs: [], last: null, status: null, reason: "",
    frames: [], // every frame as sent (a network's thin ones without weights): scrubbing back shows them
    // models (docs/models.md): per-step metrics; the newest frame that carries the weights
    // (a network's stream frames leave them out but for the newest of each message);
    // the newest `diagnosis` message
    testLosses: [], accs: [], testAccs: [], layerNorms: [], withParams: null, diagnosis: null,
    hyper: null, // the hyperparameters in force (the stream's `started` and `hyper` messages)
  };
}

/** The step every view shows the runs at: k, or null for the newest (live). */
export function setScrub(k) {
  state.scrub = k;
}

/** What every view reads as `state.runs`: the live runs, or (`at`) each run cut to the
 * scrubbed step — the live ones kept in `state.liveRuns` meanwhile. */
export function showRuns(live, at = null) {
  state.liveRuns = at === null ? null : live;
  state.runs = at ?? live;
}

/** A run that joined the stream (a branch): its frames follow. */
export function addRun(run) {
  state.runs.push(run);
}

/** Forget every run's frames (a new start is coming). */
export function clearRuns() {
  state.runs = state.scenario.runs.map(emptyRun);
  state.liveRuns = null;
  state.scrub = null;
  state.recent.length = 0;
}

/**
 * A frame from the server. A branch's frames before its step are its parent's: a branch made
 * live copies them when its first frame comes; one a link opens (it leaves its parent only
 * once the parent is there) is given each of them as the parent's arrives.
 */
export function addFrame(f) {
  const runs = liveRuns();
  const run = runs[f.run];
  if (!run) return;
  const parent = state.scenario.runs[f.run]?.branch_of;
  if (runs[parent]) {
    if (run.steps.at(-1) >= f.step) return; // (its parent's, had already)
    if (!run.steps.length && f.step > 0) copyPrefix(run, runs[parent], f.step);
  }
  pushFrame(run, f);
  state.scenario.runs.forEach((spec, j) => {
    if (spec.branch_of === f.run && f.step < spec.branch_at && runs[j] && !(runs[j].steps.at(-1) >= f.step)) pushFrame(runs[j], f);
  });
  state.recent.push(f);
  // Trimmed in halves so the cost per frame stays O(1).
  if (state.recent.length > DEBUG_FRAMES) state.recent.splice(0, DEBUG_FRAMES / 2);
}

function pushFrame(run, f) {
  // a plane's point (x, y); a curve's x alone; a network's weights are no point in a plane
  const p = f.params?.length === 2 ? f.params : f.params?.length === 1 ? [f.params[0], null] : [null, null];
  run.xs.push(p[0]);
  run.ys.push(p[1]);
  run.steps.push(f.step);
  run.losses.push(f.loss);
  run.gradnorms.push(f.grad_norm !== undefined ? f.grad_norm : norm2(f.grad));
  run.lrs.push(typeof f.lr === "number" ? f.lr : null);
  if ("accuracy" in f) {
    run.accs.push(f.accuracy);
    run.testLosses.push(f.test_loss ?? null);
    run.testAccs.push(f.test_accuracy ?? null);
    run.layerNorms.push(f.grad_norms ?? null);
  }
  run.frames.push(f);
  if (f.params) run.withParams = f;
  run.last = f;
}

/** Run i's hyperparameters as the server resolved them (`started`, `hyper`). */
/** Run i's hyperparameters in force; `step` (a live `set`'s reply): in force from the step
 *  after it — a run changed mid-way, which a link (each run's settings from step 0) does not
 *  carry, so its label says from when. */
export function setRunHyper(i, hyper, step = null) {
  const r = liveRuns()[i];
  if (!r) return;
  r.hyper = hyper;
  if (typeof step === "number" && step > 0) r.changedAt = step + 1;
}

/** Run i's newest diagnosis (panels/diagnosis.js normalizes the server's). */
export function setRunDiagnosis(i, diagnosis) {
  if (liveRuns()[i]) liveRuns()[i].diagnosis = diagnosis;
}

export function setRunStatus(i, status, reason) {
  const run = liveRuns()[i];
  if (!run) return;
  run.status = status;
  run.reason = reason ?? "";
}

/** An optimizer's name in labels that must fit one line of the run list and a legend (GET /api/optimizers `short`). */
export const shortName = (optimizerId) => {
  const o = state.optimizers.get(optimizerId);
  return o?.short || o?.name || optimizerId;
};

/** What sets a run apart beyond optimizer and η: "cosine", "clip 1", "σ 0.5". */
export function runExtras(spec) {
  const out = [];
  if (spec.schedule && spec.schedule !== "constant") out.push(spec.schedule.replace("_", "+"));
  if (spec.clip_norm) out.push(`clip ${fmt(spec.clip_norm)}`);
  if (spec.noise) out.push(`σ ${fmt(spec.noise)}`);
  if (spec.init) out.push(`init ${spec.init}`);
  return out;
}

/** What sets a run apart in the run list: its extras, a gradient rule other than ∇L, the run
 * and step it branches from ("⑂1@40"). */
export function runTags(spec) {
  const out = runExtras(spec);
  if (spec.branch_of !== undefined && spec.branch_of !== null) out.push(`⑂${spec.branch_of + 1}@${spec.branch_at}`);
  if (spec.grad_rule && spec.grad_rule !== "conjugate") out.push(spec.grad_rule.replace("_", " "));
  return out;
}

/** "1 · Adam η=0.01": the run's number (1-based, as on screen) and what it is. */
export function runLabel(i) {
  const spec = state.scenario.runs[i];
  const from = liveRuns()[i]?.changedAt;
  return `${i + 1} · ${shortName(spec.optimizer)} η=${fmt(spec.lr)}${from ? ` from step ${from}` : ""}`;
}

/** The runs changed mid-way (a live `set`): [{run, step}] — what a link of them leaves out. */
export function changedMidway() {
  return liveRuns().flatMap((r, i) => (r?.changedAt ? [{ run: i, step: r.changedAt }] : []));
}
