// gdviz playground: boot and wiring. UI state lives in `state`; the server is the
// source of truth for the run (frames, status, playing), the page only shows it.
//
// Run lifecycle, as the student sees it:
//   at start  — Reset, a new surface, or a click while paused: the run waits at step 0.
//               Frame 0 (loss, gradient, first update) comes from POST /api/run with a
//               one-step budget; no stream is running.
//   running   — Play sends `start` (from the start) or `play` (mid-run).
//   paused    — Pause, or Step (one step, then paused).
//   ended     — converged / oscillating / diverged / max_steps; Play starts again.

import { fetchGrid, fetchOptimizers, fetchStartFrames, fetchSurfaces } from "./api.js";
import { Controls } from "./controls.js";
import { fmt, norm2 } from "./format.js";
import { installKeyboard } from "./keyboard.js";
import { ContourPlot } from "./plots/contour.js";
import { CurvePlot } from "./plots/curves.js";
import { Surface3DPlot } from "./plots/surface3d.js";
import { makeTransform } from "./plots/theme.js";
import { renderStatus } from "./status.js";
import { RunStream } from "./stream.js";
import { toast } from "./toast.js";

const GRID_N = 120;
const DEFAULT_SCENARIO = { surface: "himmelblau", runs: [{ optimizer: "gd", lr: 0.01 }], steps: 500, seed: 0, speed: 30 };
const ENDED = new Set(["converged", "oscillating", "diverged", "max_steps"]);
const DEBUG_FRAMES = 400; // recent frames kept on window.__gdviz for tests and debugging

const $ = (id) => document.getElementById(id);

const state = {
  surfaces: new Map(),
  optimizers: new Map(),
  scenario: null,
  surfaceDrawn: false,
  socketOpen: false,
  playing: false,
  server: "none", // "none": no stream behind the page (waiting at the start) | "active" | "done"
  runs: [], // per run: {xs, ys, steps, losses, gradnorms, last, status, reason}
  updateStale: false, // a hyperparameter changed since the shown `update` was computed
  inbox: [], // server messages waiting for the next animation frame
  rafPending: false,
  previewToken: 0,
  recent: [],
};

// ---------- scenario ----------

function readScenario() {
  try {
    const s = JSON.parse($("app").dataset.scenario);
    if (!s || typeof s !== "object" || !Array.isArray(s.runs) || s.runs.length === 0) throw new Error("it has no runs");
    return { ...DEFAULT_SCENARIO, ...s };
  } catch (err) {
    toast(`Could not read the scenario (${err.message}); using the default.`);
    return structuredClone(DEFAULT_SCENARIO);
  }
}

const run0 = () => state.scenario.runs[0];

/** The scenario as `start` and POST /api/run take it. */
function scenarioForServer(speed = state.scenario.speed) {
  const s = state.scenario;
  return { surface: s.surface, runs: s.runs.map((r) => ({ ...r, start: [...r.start] })), steps: s.steps, seed: s.seed, speed };
}

/** The learning rate of the −η∇L arrow: the slider's, unless a schedule moves it. */
function arrowLr() {
  const r = run0();
  const last = state.runs[0]?.last;
  if (r.schedule && r.schedule !== "constant" && last && Number.isFinite(last.lr)) return last.lr;
  return r.lr;
}

// ---------- run display data ----------

function emptyRun() {
  return { xs: [], ys: [], steps: [], losses: [], gradnorms: [], last: null, status: null, reason: "" };
}

function clearRuns() {
  state.runs = state.scenario.runs.map(emptyRun);
  state.recent.length = 0;
  state.updateStale = false;
}

function addFrame(f) {
  const run = state.runs[f.run];
  if (!run) return;
  const p = f.params ?? [null, null];
  run.xs.push(p[0]);
  run.ys.push(p[1]);
  run.steps.push(f.step);
  run.losses.push(f.loss);
  run.gradnorms.push(norm2(f.grad));
  run.last = f;
  state.recent.push(f);
}

// ---------- the stream ----------

const stream = new RunStream({
  onMessage: (msg) => {
    if (msg.type === "error") {
      toast(msg.message ?? "The server reported an error.");
      return;
    }
    state.inbox.push(msg);
    scheduleFlush();
  },
  onOpen: () => {
    state.socketOpen = true;
    goToStart();
    markReady();
  },
  onClose: () => {
    state.socketOpen = false;
    state.playing = false;
    state.server = "none";
    controls.setPlaying(false);
    showStatus("offline", "Lost the connection to the gdviz server; reconnecting…");
  },
});

// ---------- commands ----------

/** Back to the start point, waiting (no stream); shows frame 0 from POST /api/run. */
function goToStart() {
  if (state.server === "active") stream.pause();
  stream.detach();
  state.server = "none";
  state.playing = false;
  controls.setPlaying(false);
  clearRuns();
  redraw();
  updateStatus();
  loadStartFrames();
}

let previewTimer = null;
async function loadStartFrames() {
  clearTimeout(previewTimer);
  const token = ++state.previewToken;
  let frames;
  try {
    frames = await fetchStartFrames(scenarioForServer());
  } catch (err) {
    if (token === state.previewToken) toast(`Could not compute the start: ${err.message}`);
    return;
  }
  if (token !== state.previewToken || state.server !== "none") return;
  clearRuns();
  frames.forEach((f, i) => {
    addFrame({ run: i, ...f });
    if (f.status) {
      state.runs[i].status = f.status;
      state.runs[i].reason = f.reason;
    }
  });
  redraw();
  updateStatus();
}

/** Start the stream from the start point: playing, or (oneStep) exactly one step then paused. */
function startStream({ oneStep = false } = {}) {
  state.previewToken += 1; // a start-frame request still in flight is now stale
  state.server = "active";
  if (oneStep) {
    stream.start(scenarioForServer(), { paused: true }); // frame 0, then wait
    stream.step(1);
    state.playing = false;
  } else {
    stream.start(scenarioForServer());
    state.playing = true;
  }
  controls.setPlaying(state.playing);
  updateStatus();
}

function playPause() {
  if (!state.socketOpen) return;
  if (state.playing) {
    stream.pause();
    state.playing = false;
  } else if (state.server === "active") {
    stream.play();
    state.playing = true;
  } else {
    startStream(); // waiting at the start, or the run has ended: play from the start
    return;
  }
  controls.setPlaying(state.playing);
  updateStatus();
}

function stepOnce() {
  if (!state.socketOpen) return;
  if (state.server === "active") {
    stream.step(1);
    state.playing = false;
    controls.setPlaying(false);
    updateStatus();
  } else {
    startStream({ oneStep: true });
  }
}

function reset() {
  if (state.socketOpen) goToStart();
}

/** Apply hyperparameter changes: live to a running stream (from its next step), else to the start preview. */
function applyChanges(changes) {
  if (state.server === "active") {
    if (state.runs[0] && !state.runs[0].status) {
      stream.set(0, changes);
      state.updateStale = true; // the shown `update` was computed with the old values
    }
  } else if (state.server === "none") {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(loadStartFrames, 120);
  }
}

let lrTimer = null;
let lrSentAt = 0;
function changeLr(v, { final }) {
  run0().lr = v;
  // While dragging, send at most ~15 changes per second; always send the last value.
  clearTimeout(lrTimer);
  const now = performance.now();
  if (final || now - lrSentAt > 66) {
    lrSentAt = now;
    applyChanges({ lr: v });
  } else {
    lrTimer = setTimeout(() => {
      lrSentAt = performance.now();
      applyChanges({ lr: run0().lr });
    }, 66);
  }
  redrawContour();
}

function changeHyper(name, value) {
  run0()[name] = value;
  applyChanges({ [name]: value });
  redrawContour();
}

let speedTimer = null;
function changeSpeed(s) {
  state.scenario.speed = s;
  clearTimeout(speedTimer);
  speedTimer = setTimeout(() => {
    if (state.socketOpen) stream.speed(s);
    updateStatus();
  }, 60);
}

function changeOptimizer(id) {
  const opt = state.optimizers.get(id);
  if (!opt) return;
  const old = run0();
  const lrSpec = opt.params.lr ?? {};
  let lr = old.lr;
  if (!(lr >= (lrSpec.min ?? 0) && lr <= (lrSpec.max ?? Infinity))) lr = lrSpec.default;
  state.scenario.runs[0] = { optimizer: id, lr, start: old.start };
  controls.showOptimizer(opt, run0());
  if (!state.socketOpen) return;
  if (state.playing) startStream();
  else goToStart();
}

async function changeSurface(id) {
  const surf = state.surfaces.get(id);
  if (!surf) return;
  if (state.server === "active") stream.pause();
  stream.detach();
  state.server = "none";
  state.playing = false;
  controls.setPlaying(false);
  state.scenario.surface = id;
  for (const r of state.scenario.runs) r.start = [...surf.start];
  if (typeof surf.lr === "number") {
    run0().lr = surf.lr;
    controls.setLr(surf.lr);
  }
  const ok = await loadSurface(id);
  if (ok && state.socketOpen && state.scenario.surface === id) goToStart();
}

function pickStart(xy) {
  run0().start = xy.map((v) => Number(v.toPrecision(4)));
  if (!state.socketOpen) return;
  // Playing: keep playing from the new point. Otherwise: wait there for Play / Step.
  if (state.playing) startStream();
  else goToStart();
}

// ---------- surface ----------

let surfaceToken = 0;
async function loadSurface(id) {
  const token = ++surfaceToken;
  const surf = state.surfaces.get(id);
  controls.setSurfaceValue(id);
  $("formula").textContent = surf.formula;
  let grid;
  try {
    grid = await fetchGrid(id, GRID_N);
  } catch (err) {
    toast(`Could not load the surface: ${err.message}`);
    return false;
  }
  if (token !== surfaceToken) return false;
  const transform = makeTransform(grid, surf.contour_scale);
  // A log loss axis cannot show f ≤ 0: surfaces that go below zero start on linear.
  const logLoss = transform.zmin > 0;
  $("loss-log-toggle").checked = logLoss;
  curves.loss.setLog(logLoss);
  const n = state.scenario.runs.length;
  state.surfaceDrawn = false;
  await contour.draw(surf, grid, transform, n);
  if (token !== surfaceToken) return false;
  state.surfaceDrawn = true;
  redraw();
  markReady();
  // The 3D view next, after the contour has had a chance to paint (WebGL start-up is slow).
  requestAnimationFrame(() => setTimeout(async () => {
    if (token !== surfaceToken) return;
    await surface3d.draw(surf, grid, transform, n);
    if (token === surfaceToken) surface3d.update(state.runs, state.runs[0]?.last ?? null);
  }, 0));
  return true;
}

function markReady() {
  if (state.surfaceDrawn && state.socketOpen) document.body.dataset.ready = "1";
}

// ---------- server messages, applied once per animation frame ----------

function scheduleFlush() {
  if (state.rafPending) return;
  state.rafPending = true;
  requestAnimationFrame(flush);
}

function flush() {
  state.rafPending = false;
  for (const msg of state.inbox.splice(0)) {
    switch (msg.type) {
      case "started":
        clearRuns(); // the new run's frames follow
        for (const r of msg.runs ?? []) if (r.run === 0 && r.hyper) controls.fillHyper(r.hyper);
        break;
      case "frames":
        for (const f of msg.frames ?? []) addFrame(f);
        if (msg.frames?.length) state.updateStale = false;
        break;
      case "hyper":
        if (msg.run === 0 && msg.hyper) controls.fillHyper(msg.hyper);
        break;
      case "status":
        if (state.runs[msg.run]) {
          state.runs[msg.run].status = msg.status;
          state.runs[msg.run].reason = msg.reason ?? "";
        }
        break;
      case "done":
        (msg.runs ?? []).forEach((r, i) => {
          if (state.runs[i] && !state.runs[i].status) {
            state.runs[i].status = r.status;
            state.runs[i].reason = r.reason ?? "";
          }
        });
        state.server = "done";
        state.playing = false;
        break;
      case "state":
        state.playing = Boolean(msg.playing) && state.server === "active";
        break;
      default:
        break;
    }
  }
  if (state.recent.length > DEBUG_FRAMES) state.recent.splice(0, state.recent.length - DEBUG_FRAMES);
  controls.setPlaying(state.playing);
  redraw();
  updateStatus();
}

/** Push the current run data to every plot and readout. */
function redraw() {
  redrawContour();
  surface3d.update(state.runs, state.runs[0]?.last ?? null); // ignored until it is drawn
  curves.loss.update(state.runs);
  curves.grad.update(state.runs);
  const last = state.runs[0]?.last;
  $("step-count").textContent = last ? String(last.step) : "–";
  $("readout-loss").textContent = last ? fmt(last.loss) : "–";
  $("readout-gradnorm").textContent = last ? fmt(norm2(last.grad)) : "–";
  $("readout-x").textContent = last ? fmt(last.params?.[0] ?? null) : "–";
  $("readout-y").textContent = last ? fmt(last.params?.[1] ?? null) : "–";
  document.body.dataset.step = last ? String(last.step) : "";
}

function redrawContour() {
  if (!state.surfaceDrawn) return;
  const paths = state.runs.map((r, i) => ({ ...r, start: state.scenario.runs[i].start }));
  let current = state.runs[0]?.last ?? null;
  if (current && state.updateStale) current = { ...current, update: null };
  contour.update(paths, current, arrowLr());
}

function showStatus(status, reason) {
  renderStatus($("status-badge"), $("status-reason"), status, reason);
  document.body.dataset.status = status;
}

function updateStatus() {
  if (!state.socketOpen) return;
  const r = state.runs[0];
  if (r?.status && ENDED.has(r.status)) {
    showStatus(r.status, r.reason || "");
  } else if (state.playing) {
    const rule = state.optimizers.get(run0().optimizer)?.rule ?? "";
    showStatus("running", `${rule}  (g = ∇L, η = ${fmt(run0().lr)}), at ${state.scenario.speed} steps/s.`);
  } else if (state.server !== "active") {
    showStatus("paused", "At the start. Press Play (Space) or Step (→). Click the contour to move the start.");
  } else {
    showStatus("paused", "Paused. Play (Space) goes on, Step (→) takes one step, Reset (R) goes back.");
  }
}

// ---------- boot ----------

const controls = new Controls({
  onSurface: changeSurface,
  onOptimizer: changeOptimizer,
  onLr: changeLr,
  onHyper: changeHyper,
  onSpeed: changeSpeed,
  onPlayPause: playPause,
  onStep: stepOnce,
  onReset: reset,
  onInvalid: (m) => toast(m, "warning"),
});
const contour = new ContourPlot($("contour"), { onPick: pickStart });
const surface3d = new Surface3DPlot($("surface3d"));
const curves = {
  loss: new CurvePlot($("loss-plot"), { yTitle: "f", log: true, key: "losses" }),
  grad: new CurvePlot($("gradnorm-plot"), { yTitle: "‖∇f‖", log: true, key: "gradnorms" }),
};

$("loss-log-toggle").addEventListener("change", (ev) => curves.loss.setLog(ev.target.checked));
$("warnings-close")?.addEventListener("click", () => $("warnings").remove());
installKeyboard({ onPlayPause: playPause, onStep: stepOnce, onReset: reset });

// Read-only hooks for tests and for poking at the page from the console.
window.__gdviz = {
  state,
  frames: () => state.recent.slice(),
  sent: () => stream.sentLog.slice(),
  send: (msg) => stream.send(msg), // raw protocol message, e.g. to see how errors are shown
  path: (run = 0) => ({ x: state.runs[run]?.xs.slice() ?? [], y: state.runs[run]?.ys.slice() ?? [] }),
  pathPoints: (run = 0) => contour.pointCount(run),
  toClient: (xy) => contour.dataToClient(xy),
  scenario: () => structuredClone(state.scenario),
};

async function boot() {
  state.scenario = readScenario();
  let surfaces;
  let optimizers;
  try {
    [surfaces, optimizers] = await Promise.all([fetchSurfaces(), fetchOptimizers()]);
  } catch (err) {
    showStatus("offline", `Could not reach the gdviz server: ${err.message}`);
    toast(`Could not load surfaces/optimizers: ${err.message}`);
    return;
  }
  for (const s of surfaces) state.surfaces.set(s.id, s);
  for (const o of optimizers) state.optimizers.set(o.id, o);

  const sc = state.scenario;
  if (!state.surfaces.has(sc.surface)) {
    toast(`Unknown surface "${sc.surface}"; showing ${surfaces[0].name}.`, "warning");
    sc.surface = surfaces[0].id;
  }
  const surf = state.surfaces.get(sc.surface);
  for (const r of sc.runs) {
    if (!state.optimizers.has(r.optimizer)) {
      toast(`Unknown optimizer "${r.optimizer}"; using ${optimizers[0].name}.`, "warning");
      r.optimizer = optimizers[0].id;
    }
    // The server fills these in when absent; the page needs them to show and edit.
    if (!Array.isArray(r.start)) r.start = [...surf.start];
    if (typeof r.lr !== "number") r.lr = state.optimizers.get(r.optimizer).params.lr?.default ?? surf.lr;
  }
  sc.speed = Number.isFinite(sc.speed) ? Math.min(Math.max(sc.speed, 1), 2000) : 30;

  controls.setSurfaces(surfaces, sc.surface);
  controls.setOptimizers(optimizers, run0().optimizer);
  controls.showOptimizer(state.optimizers.get(run0().optimizer), run0());
  controls.setSpeed(sc.speed);
  clearRuns();
  showStatus("loading", "Drawing the surface…");
  stream.connect(); // in parallel with drawing; frame 0 waits for whichever comes last
  await loadSurface(sc.surface);
}

function whenPlotlyReady() {
  if (window.Plotly) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.querySelector('script[src$="plotly.min.js"]');
    if (!s) reject(new Error("the Plotly script tag is missing"));
    s?.addEventListener("load", () => resolve());
    s?.addEventListener("error", () => reject(new Error("could not load /vendor/plotly.min.js")));
  });
}

whenPlotlyReady().then(boot).catch((err) => {
  showStatus("offline", `The page could not start: ${err.message}`);
  toast(err.message);
});
