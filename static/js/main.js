// gdviz playground: boot and wiring. Each part has its own module:
//   state.js            the page's state (scenario = the truth for settings)
//   runs.js             per-run display data and labels
//   view.js             state → plots, readouts, status
//   session/commands.js play / pause / step / reset of the one stream
//   session/inbox.js    server messages, applied once per animation frame
//   session/edits.js    what the student changes
//   session/surface.js  drawing a surface
//   panels/*.js         run list, schedule/clip/noise, and the Explore tabs
//   landscape.js        WS /ws/landscape jobs (sweep, basins, scatter)

import { fetchOptimizers, fetchSurfaces } from "./api.js";
import { Controls } from "./controls.js";
import { installKeyboard } from "./keyboard.js";
import { LandscapeClient } from "./landscape.js";
import { BasinsPanel } from "./panels/basins.js";
import { ExploreTabs, JobBar } from "./panels/explore.js";
import { RunList } from "./panels/run-list.js";
import { RunOptions } from "./panels/run-options.js";
import { ScatterPanel } from "./panels/scatter.js";
import { StabilityPanel } from "./panels/stability.js";
import { SweepPanel } from "./panels/sweep.js";
import { ContourPlot } from "./plots/contour.js";
import { CurveGroup, CurvePlot } from "./plots/curves.js";
import { Surface3DPlot } from "./plots/surface3d.js";
import { Session } from "./session/commands.js";
import { Editor } from "./session/edits.js";
import { Inbox } from "./session/inbox.js";
import { SurfaceLoader } from "./session/surface.js";
import { on } from "./events.js";
import { clearRuns } from "./runs.js";
import { completeScenario, readScenario, selectedSpec, state } from "./state.js";
import { RunStream } from "./stream.js";
import { toast } from "./toast.js";
import { View } from "./view.js";

const $ = (id) => document.getElementById(id);

// ---------- parts ----------

let editor; // created below; the handlers reach it lazily
let session;
const controls = new Controls({
  onSurface: (id) => editor.changeSurface(id),
  onOptimizer: (id) => editor.changeOptimizer(id),
  onLr: (v, opts) => editor.changeLr(v, opts),
  onHyper: (name, value) => editor.changeHyper(name, value),
  onSpeed: (s) => editor.changeSpeed(s),
  onPlayPause: () => session.playPause(),
  onStep: () => session.stepOnce(),
  onReset: () => session.reset(),
  onInvalid: (m) => toast(m, "warning"),
});
const runOptions = new RunOptions({
  onChange: (changes) => {
    editor.changeRunOptions(changes);
    runOptions.showSummary(selectedSpec());
  },
  onInvalid: (m) => toast(m, "warning"),
});
const runList = new RunList({
  onSelect: (i) => editor.selectRun(i),
  onToggle: (i, visible) => editor.setVisible(i, visible),
  onRemove: (i) => editor.removeRun(i),
  onAdd: () => editor.addRun(),
});
const contour = new ContourPlot($("contour"), { onPick: (xy) => editor.pickStart(xy) });
const surface3d = new Surface3DPlot($("surface3d"));
const group = new CurveGroup();
const curves = {
  loss: new CurvePlot($("loss-plot"), { yTitle: "f", log: true, key: "losses", group }),
  grad: new CurvePlot($("gradnorm-plot"), { yTitle: "‖∇f‖", log: true, key: "gradnorms", group }),
  lr: new CurvePlot($("lr-plot"), { yTitle: "η", log: true, key: "lrs", group, pad: true }),
};
const view = new View({ contour, surface3d, curves, runList });

const stream = new RunStream({
  onMessage: (msg) => inbox.receive(msg),
  onOpen: () => {
    state.socketOpen = true;
    session.goToStart();
    markReady();
  },
  onClose: () => {
    state.socketOpen = false;
    state.server = "none";
    session.setPlaying(false);
    view.showStatus("offline", "Lost the connection to the gdviz server; reconnecting…");
  },
});
session = new Session({ stream, view, controls });
const inbox = new Inbox({ view, controls, session });
const surfaces = new SurfaceLoader({ contour, surface3d, curves, view, controls, onDrawn: markReady });
editor = new Editor({ session, view, controls, runOptions, stream, loadSurface: (id) => surfaces.load(id) });

// ---------- Explore ----------

const jobBar = new JobBar({ onCancel: () => jobs.cancel() });
const jobs = new LandscapeClient({ onProgress: (job) => jobBar.progressed(job), onEnd: (job, err) => jobBar.ended(job, err) });
const stability = new StabilityPanel();
const sweep = new SweepPanel({
  jobs,
  onPickLr: (lr) => {
    controls.setLr(lr);
    editor.changeLr(lr, { final: true });
  },
  onError: (m) => toast(m, "warning"),
});
const basins = new BasinsPanel({ jobs, layer: contour.basins });
const scatter = new ScatterPanel({ jobs, layer: contour.scatter, onError: (m) => toast(m, "warning") });
new ExploreTabs({ onShow: (name) => surface3d.setActive(name === "3d") });
on("surface", () => jobs.cancel()); // a sweep, map or scatter of the old surface is moot

$("loss-log-toggle").addEventListener("change", (ev) => curves.loss.setLog(ev.target.checked));
$("lr-log-toggle").addEventListener("change", (ev) => curves.lr.setLog(ev.target.checked));
$("warnings-close")?.addEventListener("click", () => $("warnings").remove());
installKeyboard({ onPlayPause: () => session.playPause(), onStep: () => session.stepOnce(), onReset: () => session.reset() });

function markReady() {
  if (state.surfaceDrawn && state.socketOpen) document.body.dataset.ready = "1";
}

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
  selected: () => state.selected,
  jobsSent: () => jobs.log.slice(),
  sweep: () => structuredClone(sweep.result),
  sweepPointToClient: (i) => sweep.plot.pointToClient(i),
  basins: () => structuredClone(basins.result),
  scatter: () => structuredClone(scatter.result),
  stability: () => structuredClone(stability.data),
};

// ---------- boot ----------

async function boot() {
  state.scenario = readScenario($("app").dataset.scenario);
  let surfaceList;
  let optimizers;
  try {
    [surfaceList, optimizers] = await Promise.all([fetchSurfaces(), fetchOptimizers()]);
  } catch (err) {
    view.showStatus("offline", `Could not reach the gdviz server: ${err.message}`);
    toast(`Could not load surfaces/optimizers: ${err.message}`);
    return;
  }
  for (const s of surfaceList) state.surfaces.set(s.id, s);
  for (const o of optimizers) state.optimizers.set(o.id, o);

  for (const warning of completeScenario()) toast(warning, "warning");
  const sc = state.scenario;
  controls.setSurfaces(surfaceList, sc.surface);
  controls.setOptimizers(optimizers, selectedSpec().optimizer);
  controls.showOptimizer(state.optimizers.get(selectedSpec().optimizer), selectedSpec());
  runOptions.show(selectedSpec());
  controls.setSpeed(sc.speed);
  clearRuns();
  runList.update();
  basins.clear();
  scatter.clear();
  view.showStatus("loading", "Drawing the surface…");
  stream.connect(); // in parallel with drawing; frame 0 waits for whichever comes last
  await surfaces.load(sc.surface);
  stability.refresh();
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
  view.showStatus("offline", `The page could not start: ${err.message}`);
  toast(err.message);
});
