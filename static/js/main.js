// gdviz playground: boot and wiring. All UI state lives in `state`; the server is the
// source of truth for the run (frames, status, playing), the page only shows it.

import { fetchGrid, fetchOptimizers, fetchSurfaces } from "./api.js";
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
const DEFAULT_SCENARIO = { surface: "himmelblau", runs: [{ optimizer: "gd", lr: 0.01, start: [-1, 0] }], steps: 500, seed: 0, speed: 30 };
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
  server: "none", // "none" | "active" (a run exists and has not finished) | "done"
  runs: [], // per run: {xs, ys, steps, losses, gradnorms, last, status, reason, hyper}
  inbox: [], // server messages waiting for the next animation frame
  rafPending: false,
  recent: [],
};

// ---------- scenario ----------

function readScenario() {
  const raw = $("app").dataset.scenario;
  try {
    const s = JSON.parse(raw);
    if (!s || typeof s !== "object" || !Array.isArray(s.runs) || s.runs.length === 0) throw new Error("no runs");
    return { ...DEFAULT_SCENARIO, ...s };
  } catch (err) {
    toast(`Could not read the scenario (${err.message}); using the default.`);
    return structuredClone(DEFAULT_SCENARIO);
  }
}

const run0 = () => state.scenario.runs[0];

/** The scenario object sent in `start` (same shape POST /api/run takes). */
function scenarioForServer(speed) {
  const s = state.scenario;
  const out = { surface: s.surface, runs: s.runs.map((r) => ({ ...r, start: [...r.start] })), steps: s.steps, seed: s.seed };
  if (speed !== undefined) out.speed = speed;
  return out;
}

// ---------- run display data ----------

function emptyRun(spec) {
  return { xs: [], ys: [], steps: [], losses: [], gradnorms: [], last: null, status: null, reason: "", hyper: null, start: spec.start };
}

function clearRuns() {
  state.runs = state.scenario.runs.map(emptyRun);
  state.inbox.length = 0;
  state.recent.length = 0;
  curves.loss.reset(state.runs.length);
  curves.grad.reset(state.runs.length);
  redraw([], []);
}

// ---------- commands ----------

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
    resetRun({ play: false });
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

/**
 * Restart every run from its start point. With play=false the run is prepared and left
 * at step 0 (frame 0 shows the gradient there): we start it at 1 step/s and pause at once,
 * then restore the chosen speed, so no step is taken before the student asks for one.
 */
function resetRun({ play }) {
  clearRuns();
  state.server = "active";
  state.playing = play;
  controls.setPlaying(play);
  if (play) {
    stream.start(scenarioForServer(state.scenario.speed));
  } else {
    stream.start(scenarioForServer(1));
    stream.pause();
    stream.speed(state.scenario.speed);
  }
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
    resetRun({ play: true }); // the run has ended: play it again from the start
    return;
  }
  controls.setPlaying(state.playing);
  updateStatus();
}

function stepOnce() {
  if (!state.socketOpen) return;
  if (state.server !== "active") resetRun({ play: false });
  stream.step(1);
  state.playing = false;
  controls.setPlaying(false);
  updateStatus();
}

function resetKey() {
  if (state.socketOpen) resetRun({ play: false });
}

/** Send hyperparameter changes to the live run (applies from its next step). */
function sendChanges(changes) {
  if (state.server === "active" && state.runs[0] && !state.runs[0].status) stream.set(0, changes);
}

let lrTimer = null;
let lrPendingSince = 0;
function changeLr(v, { final }) {
  run0().lr = v;
  redrawContourOnly();
  // While dragging, send at most ~15 changes per second; always send the final value.
  clearTimeout(lrTimer);
  const now = performance.now();
  if (final || now - lrPendingSince > 66) {
    lrPendingSince = now;
    sendChanges({ lr: v });
  } else {
    lrTimer = setTimeout(() => { lrPendingSince = performance.now(); sendChanges({ lr: run0().lr }); }, 66);
  }
}

function changeHyper(name, value) {
  run0()[name] = value;
  sendChanges({ [name]: value });
}

let speedTimer = null;
function changeSpeed(s) {
  state.scenario.speed = s;
  clearTimeout(speedTimer);
  speedTimer = setTimeout(() => stream.speed(s), 60);
}

function changeOptimizer(id) {
  const opt = state.optimizers.get(id);
  if (!opt) return;
  const old = run0();
  const lrSpec = opt.params.lr ?? {};
  let lr = old.lr;
  if (!(lr >= (lrSpec.min ?? 0) && lr <= (lrSpec.max ?? Infinity))) lr = lrSpec.default;
  const run = { optimizer: id, lr, start: old.start };
  state.scenario.runs[0] = run;
  controls.showOptimizer(opt, run);
  if (state.socketOpen) resetRun({ play: state.playing });
}

async function changeSurface(id) {
  const surf = state.surfaces.get(id);
  if (!surf) return;
  state.scenario.surface = id;
  for (const r of state.scenario.runs) r.start = [...surf.start];
  if (typeof surf.lr === "number") {
    run0().lr = surf.lr;
    controls.setLr(surf.lr);
  }
  if (state.playing) stream.pause();
  state.playing = false;
  controls.setPlaying(false);
  const ok = await loadSurface(id);
  if (ok && state.socketOpen && state.scenario.surface === id) resetRun({ play: false });
}

function pickStart(xy) {
  const [x, y] = xy.map((v) => Number(v.toPrecision(4)));
  run0().start = [x, y];
  if (!state.socketOpen) return;
  // Playing: keep playing from the new point. Paused or finished: reset there and wait.
  resetRun({ play: state.playing });
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
  const n = state.scenario.runs.length;
  state.surfaceDrawn = false;
  await Promise.all([contour.draw(surf, grid, transform, n), surface3d.draw(surf, grid, transform, n)]);
  if (token !== surfaceToken) return false;
  state.surfaceDrawn = true;
  redraw([], []);
  markReady();
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
  const msgs = state.inbox.splice(0);
  const newX = state.runs.map(() => []);
  const newLoss = state.runs.map(() => []);
  const newGrad = state.runs.map(() => []);
  for (const msg of msgs) {
    switch (msg.type) {
      case "started":
        for (const r of msg.runs ?? []) {
          if (state.runs[r.run]) state.runs[r.run].hyper = r.hyper;
          if (r.run === 0 && r.hyper) controls.fillHyper(r.hyper);
        }
        break;
      case "frames":
        for (const f of msg.frames ?? []) {
          const run = state.runs[f.run];
          if (!run) continue;
          const p = f.params ?? [null, null];
          run.xs.push(p[0]);
          run.ys.push(p[1]);
          run.steps.push(f.step);
          run.losses.push(f.loss);
          const gn = norm2(f.grad);
          run.gradnorms.push(gn);
          run.last = f;
          newX[f.run].push(f.step);
          newLoss[f.run].push(f.loss);
          newGrad[f.run].push(gn);
          state.recent.push(f);
        }
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
  redraw(newX, newLoss, newGrad);
  updateStatus();
}

/** Push the current run data to every plot and readout. */
function redraw(newX, newLoss, newGrad) {
  redrawContourOnly();
  surface3d.update(state.runs, state.runs[0]?.last ?? null);
  if (newX.length) {
    curves.loss.extend(newX, newLoss);
    curves.grad.extend(newX, newGrad);
  }
  const last = state.runs[0]?.last;
  $("step-count").textContent = last ? String(last.step) : "–";
  $("readout-loss").textContent = last ? fmt(last.loss) : "–";
  $("readout-gradnorm").textContent = last ? fmt(norm2(last.grad)) : "–";
  $("readout-x").textContent = last ? fmt(last.params?.[0] ?? null) : "–";
  $("readout-y").textContent = last ? fmt(last.params?.[1] ?? null) : "–";
  document.body.dataset.step = last ? String(last.step) : "";
}

function redrawContourOnly() {
  if (!state.surfaceDrawn) return;
  const paths = state.runs.map((r, i) => ({ ...r, start: state.scenario.runs[i].start }));
  contour.update(paths, state.runs[0]?.last ?? null, run0().lr);
}

function showStatus(status, reason) {
  renderStatus($("status-badge"), $("status-reason"), status, reason);
  document.body.dataset.status = status;
}

function updateStatus() {
  const r = state.runs[0];
  if (!state.socketOpen) return;
  if (r?.status && ENDED.has(r.status)) {
    showStatus(r.status, r.reason || "");
  } else if (state.playing) {
    showStatus("running", `θ ← θ − η∇L(θ) with η = ${fmt(run0().lr)}, ${state.scenario.speed} steps/s.`);
  } else if (!r?.last || r.last.step === 0) {
    showStatus("paused", "At the start. Press Play (Space) or Step (→); click the contour to move the start.");
  } else {
    showStatus("paused", "Paused. Play (Space) to continue, Step (→) for one step, Reset (R) to go back.");
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
  onReset: resetKey,
  onInvalid: (m) => toast(m, "warning"),
});
const contour = new ContourPlot($("contour"), { onPick: pickStart });
const surface3d = new Surface3DPlot($("surface3d"));
const curves = {
  loss: new CurvePlot($("loss-plot"), { yTitle: "f", log: true }),
  grad: new CurvePlot($("gradnorm-plot"), { yTitle: "‖∇f‖", log: true }),
};

$("loss-log-toggle").addEventListener("change", (ev) => curves.loss.setLog(ev.target.checked));
$("warnings-close")?.addEventListener("click", () => $("warnings").remove());
installKeyboard({ onPlayPause: playPause, onStep: stepOnce, onReset: resetKey });

// Hooks for tests and for poking at the page from the console.
window.__gdviz = {
  state,
  frames: () => state.recent.slice(),
  path: (run = 0) => ({ x: state.runs[run]?.xs.slice() ?? [], y: state.runs[run]?.ys.slice() ?? [] }),
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
    sc.runs.forEach((r) => { r.start = [...surfaces[0].start]; });
  }
  for (const r of sc.runs) {
    if (!state.optimizers.has(r.optimizer)) {
      toast(`Unknown optimizer "${r.optimizer}"; using ${optimizers[0].name}.`, "warning");
      r.optimizer = optimizers[0].id;
    }
  }
  sc.speed = Number.isFinite(sc.speed) ? Math.min(Math.max(sc.speed, 1), 2000) : 30;

  controls.setSurfaces(surfaces, sc.surface);
  controls.setOptimizers(optimizers, run0().optimizer);
  controls.showOptimizer(state.optimizers.get(run0().optimizer), run0());
  controls.setSpeed(sc.speed);
  state.runs = sc.runs.map(emptyRun);
  await Promise.all([curves.loss.reset(sc.runs.length), curves.grad.reset(sc.runs.length)]);
  showStatus("loading", "Drawing the surface…");
  await loadSurface(sc.surface);
  stream.connect();
}

function whenPlotlyReady() {
  if (window.Plotly) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.querySelector('script[src$="plotly.min.js"]');
    s?.addEventListener("load", () => resolve());
    s?.addEventListener("error", () => reject(new Error("could not load /vendor/plotly.min.js")));
  });
}

whenPlotlyReady().then(boot).catch((err) => {
  showStatus("offline", `The page could not start: ${err.message}`);
  toast(err.message);
});
