// Per-run display data: what the server has sent for each run, in the shape the
// plots take (parallel arrays), plus each run's end status. And how a run is named.

import { fmt, norm2 } from "./format.js";
import { state } from "./state.js";

const DEBUG_FRAMES = 1200; // recent frames (of all runs) kept on window.__gdviz for tests and debugging


export function emptyRun() {
  return {
    xs: [], ys: [], steps: [], losses: [], gradnorms: [], lrs: [], last: null, status: null, reason: "",
    // models (docs/models.md): per-step metrics; the newest frame that carries the weights
    // (a network's stream frames leave them out but for the newest of each message);
    // the newest `diagnosis` message
    testLosses: [], accs: [], testAccs: [], layerNorms: [], withParams: null, diagnosis: null,
    hyper: null, // the hyperparameters in force (the stream's `started` and `hyper` messages)
  };
}

/** Forget every run's frames (a new start is coming). */
export function clearRuns() {
  state.runs = state.scenario.runs.map(emptyRun);
  state.recent.length = 0;
}

export function addFrame(f) {
  const run = state.runs[f.run];
  if (!run) return;
  const p = f.params?.length === 2 ? f.params : [null, null]; // a network's weights are no point in a plane
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
  if (f.params) run.withParams = f;
  run.last = f;
  state.recent.push(f);
  // Trimmed in halves so the cost per frame stays O(1).
  if (state.recent.length > DEBUG_FRAMES) state.recent.splice(0, DEBUG_FRAMES / 2);
}

/** Run i's hyperparameters as the server resolved them (`started`, `hyper`). */
export function setRunHyper(i, hyper) {
  if (state.runs[i]) state.runs[i].hyper = hyper;
}

/** Run i's newest diagnosis (panels/diagnosis.js normalizes the server's). */
export function setRunDiagnosis(i, diagnosis) {
  if (state.runs[i]) state.runs[i].diagnosis = diagnosis;
}

export function setRunStatus(i, status, reason) {
  const run = state.runs[i];
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

/** What sets a run apart in the run list: its extras, and a gradient rule other than ∇L. */
export function runTags(spec) {
  const out = runExtras(spec);
  if (spec.grad_rule && spec.grad_rule !== "conjugate") out.push(spec.grad_rule.replace("_", " "));
  return out;
}

/** "1 · Adam η=0.01": the run's number (1-based, as on screen) and what it is. */
export function runLabel(i) {
  const spec = state.scenario.runs[i];
  return `${i + 1} · ${shortName(spec.optimizer)} η=${fmt(spec.lr)}`;
}
