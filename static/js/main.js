// gdviz playground: boot and wiring. Each part has its own module:
//   state.js            the page's state (scenario = the truth for settings)
//   runs.js             per-run display data and labels
//   view.js             state → plots, readouts, status
//   session/commands.js play / pause / step / reset of the one stream
//   session/inbox.js    server messages, applied once per animation frame
//   session/replay.js   after a reconnect: the runs rebuilt up to the step shown
//   session/edits.js    what the student changes
//   session/scrub.js    the step slider: every view at an earlier step; branch from there
//   session/surface.js  drawing a surface (or a 2-weight model's loss over its weights)
//   session/model.js    describing and drawing a model (docs/models.md)
//   session/expr.js     describing and drawing a typed f(x, y) (docs/expressions.md)
//   schema.js           the link schema, limits and objective kinds the server publishes
//   objective.js        the scenario's objective kind: which views and tools apply
//   plugins.js          the views a kind brings (static/js/views/<id>.js)
//   panels/*.js         run list, schedule/clip/noise, model options, the Explore tabs,
//                       a model's data & fit, diagnosis, loss slice, decision boundary,
//                       the custom f(x, y) bar and its gradient line
//   landscape.js        WS /ws/landscape jobs (sweep, basins, scatter)
//   url.js              links read and written from the schema; the address bar
//   view-state.js       the view in the address bar: tab, selection, toggles, tools' forms
//   share.js            "Copy link" and "Copy embed code"
//   panels/gallery.js   the "Lessons" gallery; panels/lesson.js the lesson beside the plots
//   export-menu.js      "Export": CSV, JSON, offline HTML; plot-cameras.js a PNG of each plot

import { fetchCourse, fetchOptimizers, fetchPresets, fetchSurfaces, prefetchGrid } from "./api.js";
import { Controls } from "./controls.js";
import { ExportMenu } from "./export-menu.js";
import { GuideBar } from "./guide/bar.js";
import { installKeyboard } from "./keyboard.js";
import { LandscapeClient } from "./landscape.js";
import { CUSTOM_VALUE, isExpr, isModel, kindOf, pickerValue } from "./objective.js";
import { BasinsPanel } from "./panels/basins.js";
import { DataFitPanel } from "./panels/data-fit.js";
import { DiagnosisPanel } from "./panels/diagnosis.js";
import { ExploreTabs, JobBar } from "./panels/explore.js";
import { ExprGradient } from "./panels/expr-gradient.js";
import { ExprInput } from "./panels/expr-input.js";
import { Gallery } from "./panels/gallery.js";
import { LessonPanel } from "./panels/lesson.js";
import { ModelOptions } from "./panels/model-options.js";
import { NetworkPanel } from "./panels/network.js";
import { InsideViews } from "./panels/inside.js";
import { RunInit, RunRule } from "./panels/run-init.js";
import { RunList } from "./panels/run-list.js";
import { RunOptions } from "./panels/run-options.js";
import { ScatterPanel } from "./panels/scatter.js";
import { SlicePanel } from "./panels/slice.js";
import { StabilityPanel } from "./panels/stability.js";
import { SweepPanel } from "./panels/sweep.js";
import { installPageCameras } from "./plot-cameras.js";
import { ContourPlot } from "./plots/contour.js";
import { CurveGroup, CurvePlot } from "./plots/curves.js";
import { LayerNormPlot } from "./plots/layer-norms.js";
import { Surface3DPlot } from "./plots/surface3d.js";
import { Session } from "./session/commands.js";
import { Editor, readScenario } from "./session/edits.js";
import { ExprLoader, gapsOf } from "./session/expr.js";
import { Inbox } from "./session/inbox.js";
import { ReplayLog, Restorer } from "./session/replay.js";
import { Scrubber } from "./session/scrub.js";
import { ModelLoader } from "./session/model.js";
import { GRID_N, SurfaceLoader } from "./session/surface.js";
import { emit, on } from "./events.js";
import { fmt } from "./format.js";
import { clearRuns } from "./runs.js";
import { PluginViews } from "./plugins.js";
import { SCHEMA } from "./schema.js";
import { scenarioForServer, selectedSpec, state } from "./state.js";
import { RunStream } from "./stream.js";
import { Presentation } from "./presentation.js";
import { ShareButtons } from "./share.js";
import { toast } from "./toast.js";
import { UrlSync, queryString, readView, scenarioToQuery, viewToQuery } from "./url.js";
import { PageView } from "./view-state.js";
import { View } from "./view.js";

const $ = (id) => document.getElementById(id);

/** The view the link asked for (the server parsed it: gdviz/scenarios/view.py). */
const linkView = readView(SCHEMA, $("app").dataset.view);
const embedded = document.body.dataset.embed === "1";

// ---------- parts ----------

let editor; // created below; the handlers reach it lazily
let inside; // (panels/inside.js; the Explore tabs call it once it exists)
let session;
const controls = new Controls({
  onSurface: (value) => (value === CUSTOM_VALUE ? exprInput.choose() : editor.changeObjective(value)),
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
const modelOptions = new ModelOptions({
  onChange: (changes) => editor.changeModel(changes),
  onInvalid: (m) => toast(m, "warning"),
});
const runInit = new RunInit({ onChange: (init) => editor.changeRunOptions({ init }) });
const runRule = new RunRule({ onChange: (grad_rule) => editor.changeRunOptions({ grad_rule }) });
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
  acc: new CurvePlot($("acc-plot"), {
    yTitle: "accuracy", log: false, key: "accs", group, range: [0, 1.03],
    series: [{ key: "accs", dash: "solid", what: "train" }, { key: "testAccs", dash: "dash", what: "test" }],
  }),
};
const layers = new LayerNormPlot($("layers-plot"), { group });
const network = new NetworkPanel({ onPickPoint: (i) => inside.pick(i) });
const fit = new DataFitPanel({ onPickPoint: (i) => inside.pick(i) });
const diagnosis = new DiagnosisPanel();
const exprGrad = new ExprGradient();
// (a plot in a pane is drawn once its tab is open: plots/on-screen.js)
const tabs = new ExploreTabs({
  onShow: (name) => inside?.shown(name), // (undefined while the tabs are first set up)
  initial: linkView.tab,
});

const replayLog = new ReplayLog();
const stream = new RunStream({
  onMessage: (msg) => restorer.receive(msg) || inbox.receive(msg),
  onSend: (msg) => replayLog.sent(msg),
  onOpen: () => {
    if (restorer.resume()) return; // back where it was once `replayed` comes
    session.connected();
    markReady();
  },
  onClose: (why) => {
    restorer.lost();
    document.body.dataset.ready = "0"; // (markReady says "1" again once connected)
    session.disconnected(why);
  },
});
const slice = new SlicePanel({ stream });
const plugins = new PluginViews({ tabs });
// the network diagram, one point's backprop, the output head, the update's arithmetic (issue 15)
inside = new InsideViews({
  send: (msg) => stream.send(msg), view: linkView,
  onPoint: (i, { byStudent }) => {
    network.plot.markPoint(i);
    fit.plot.markPoint(i);
    if (byStudent) emit("view");
  },
});
const view = new View({ contour, surface3d, curves, layers, runList, network, fit, diagnosis, slice, tabs, exprGrad, inside, plugins });
session = new Session({ stream, view, controls });
const scrubber = new Scrubber({ stream, session, view, joinScenario: (spec) => editor.joinBranch(spec), onBranched: (i) => editor.selectRun(i, { force: true }) });
view.scrubber = scrubber;
const inbox = new Inbox({ view, controls, session, scrubber, onSlice: (msg) => slice.receive(msg), onError: (m) => slice.failed(m) });
const restorer = new Restorer({
  stream, session, view, log: replayLog,
  onRestored: ({ fresh = false } = {}) => {
    session.restored({ fresh });
    markReady();
  },
});
const surfaces = new SurfaceLoader({
  contour, surface3d, network, plugins, curves, view, controls, onDrawn: markReady, wantLogLoss: () => pageView.wantLogLoss,
});
const models = new ModelLoader({
  surfaces,
  fitRuns: (desc) => editor.fitRunsToModel(desc),
  onDescribed: (desc) => {
    modelOptions.describe(desc);
    if (kindOf(state.scenario).capabilities.trace) inside.draw(desc);
    else inside.clear();
    showRunControls();
    plugins.draw(desc);
    if (kindOf(state.scenario).page.tabs.includes("fit")) fit.draw(desc);
  },
});
const exprs = new ExprLoader({
  surfaces,
  fitRuns: (desc) => editor.fitRunsToExpr(desc),
  onDescribed: (desc) => {
    exprGrad.draw(desc);
    plugins.draw(desc);
  },
});
editor = new Editor({ session, view, controls, runOptions, stream, loadObjective, showObjective });
const exprInput = new ExprInput({ onApply: applyExpr });

/** Draw the scenario's surface, typed f(x, y) or model. */
function loadObjective() {
  const sc = state.scenario;
  exprGrad.draw(null); // (a typed f(x, y) shows it again once described)
  if (sc.model) {
    exprs.cancel();
    return models.load();
  }
  models.cancel();
  inside.clear();
  if (isExpr(sc)) return exprs.load();
  exprs.cancel();
  return surfaces.load(sc.surface);
}

/**
 * Train on a typed f(x, y) over `domain` (undefined: the default): described on the full
 * grid first, so a refusal (rejected with the server's `refusal`) leaves the page as it was.
 */
async function applyExpr({ expr, domain }) {
  const desc = await exprs.describe(expr, domain);
  if (gapsOf(desc.z) === "all") {
    throw Object.assign(new Error("f"), {
      refusal: { field: "domain", message: "f(x, y) is not finite anywhere in this x/y range: choose another range" },
    });
  }
  await editor.applyExpr({ expr, domain }, desc);
}

/**
 * The controls that depend on the objective: the picker, the model's options (opened when
 * the student has just picked a model), a network run's init.
 */
function showObjective({ openOptions = false } = {}) {
  const sc = state.scenario;
  controls.setSurfaceValue(pickerValue(sc));
  modelOptions.show(sc.model ?? null);
  exprInput.show(sc);
  if (openOptions && sc.model) modelOptions.box.open = true;
  showRunControls();
}

function showRunControls() {
  const sc = state.scenario;
  const init = kindOf(sc).capabilities.init ? state.models?.find((m) => m.kind === sc.model.kind)?.fields.init : null;
  runInit.show(selectedSpec(), init?.choices ?? null, sc.model?.init ?? init?.default);
  runRule.show(selectedSpec(), kindOf(sc).capabilities.grad_rules ?? [], state.model?.rules ?? {});
}
on("selection", showRunControls);

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
on("surface", () => jobs.cancel()); // a sweep, map or scatter of the old surface is moot
on("halt", () => surface3d.settle()); // the 3D view shows where the runs stopped at once

// ---------- the link ----------

const pageView = new PageView(linkView, {
  tab: () => tabs.current, defaultTab: () => tabs.defaultTab,
  selected: () => state.selected, hidden: () => state.hidden, onChange: () => emit("view"),
  extra: () => inside.viewKeys(),
});
pageView.applyForms();
curves.loss.setLog(linkView.loss_log);
curves.lr.setLog(linkView.lr_log);

/** The page's link as a query string: the scenario, then the view (docs/url.md). */
const pageQuery = () => (state.scenario
  ? queryString([...scenarioToQuery(SCHEMA, scenarioForServer()), ...viewToQuery(SCHEMA, pageView.current(), { embed: embedded })])
  : location.search.slice(1));
const urlSync = new UrlSync({ query: pageQuery });
// Every edit of the scenario or the view rewrites the address bar (not at boot: a link that
// had bad parameters stays as it was typed, beside its warnings, until the student changes something).
for (const name of ["settings", "start", "runs", "surface", "speed", "selection", "tab", "view"]) on(name, () => urlSync.soon());

/** What the scenario shows, in a few words (the embed's title). */
function scenarioTitle() {
  const sc = state.scenario;
  const what = sc.model
    ? state.model?.name ?? state.models?.find((m) => m.kind === sc.model.kind)?.title ?? sc.model.kind
    : isExpr(sc) ? `f(x, y) = ${sc.expr}` : state.surfaces.get(sc.surface)?.name ?? sc.surface;
  const runs = sc.runs.map((r) => `${state.optimizers.get(r.optimizer)?.name ?? r.optimizer} η=${fmt(r.lr)}`);
  return `${what}; ${runs.join(" vs ")}`;
}
new ShareButtons({ href: () => urlSync.href(), title: scenarioTitle });
new ExportMenu({ href: () => urlSync.href(), name: () => pageView.preset ?? state.scenario.surface ?? state.scenario.model?.kind ?? "scenario" });

// ---------- lessons ----------

const lesson = new LessonPanel({ onClose: () => pageView.dropPreset() });
new Gallery({ presets: fetchPresets, current: () => pageView.preset });
/** Show the link's lesson (an unknown id: the server has said so, and there is none). */
async function showLesson() {
  // (a frame in a slide shows no lesson: the slide says it)
  const preset = pageView.preset && !embedded && (await fetchPresets().catch(() => [])).find((p) => p.id === pageView.preset);
  if (preset) lesson.show(preset);
  if (preset && linkView.guide) {
    // the guided path's step: its goal, checked on the runs as they go, and the way on
    new GuideBar({
      preset: preset.id, course: fetchCourse,
      run: (i) => state.runs[i], lr: (i) => state.scenario.runs[i]?.lr,
    });
  }
  $("lesson").dataset.state = preset ? "shown" : "none"; // (for tests: the question is settled)
}

// ---------- PNG of each plot ----------

const syncCameras = installPageCameras({ onError: (m) => toast(m, "warning") });
on("surface", syncCameras);

$("loss-log-toggle").addEventListener("change", (ev) => curves.loss.setLog(ev.target.checked));
$("lr-log-toggle").addEventListener("change", (ev) => curves.lr.setLog(ev.target.checked));
$("warnings-close")?.addEventListener("click", () => $("warnings").remove());
installKeyboard({ onPlayPause: () => session.playPause(), onStep: () => session.stepOnce(), onReset: () => session.reset() });
// scale, theme, autoplay; on /embed its panels, and the deck's keys back to the deck (after the keyboard)
const presentation = new Presentation({ view: linkView, embed: embedded, onPlay: () => session.playPause() });

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
  forServer: () => scenarioForServer(), // what `start` and POST /api/run get
  query: () => pageQuery(), // the link's query string now (the address bar follows within 300 ms)
  selected: () => state.selected,
  jobsSent: () => jobs.log.slice(),
  sweep: () => structuredClone(sweep.result),
  sweepPointToClient: (i) => sweep.plot.pointToClient(i),
  basins: () => structuredClone(basins.result),
  scatter: () => structuredClone(scatter.result),
  stability: () => structuredClone(stability.data),
  model: () => structuredClone(state.model),
  expr: () => structuredClone(state.expr), // the drawn f(x, y) as POST /api/expr described it
  boundary: () => network.plot.snapshot(),
  diagram: () => inside.net.diagram.snapshot(),
  diagramDrawMs: () => inside.net.diagram.lastDrawMs, // (bench/network_diagram.py)
  diagramObject: () => inside.net.diagram, // (bench/network_diagram.py drives it alone)
  trace: () => structuredClone(inside.tracer.trace?.answer ?? null),
  traceRequest: () => structuredClone(inside.tracer.trace?.request ?? null), // what the shown trace asked for
  traceLines: () => [...document.querySelectorAll("#trace-lines > div")].map((d) => ({ what: d.firstChild.textContent, text: d.lastChild.textContent })),
  pickPoint: (i) => inside.pick(i),
  fitWeights: () => fit.plot.w?.slice() ?? null,
  slice: () => structuredClone(slice.result),
  scrub: (k) => scrubber.drag(k), // (tests: the slider dragged to step k)
  surface3dUpdates: () => surface3d.updates, // path updates the 3D view drew (bench/frame_rate.py) …
  surface3dStats: () => ({ updates: surface3d.updates, direct: surface3d.direct, costMs: surface3d.throttle.cost }),
  curveDraws: () => group.draws, // Plotly draws of the curve plots
  pluginUpdates: () => plugins.updates(), // frames given to each of a kind's own views
  replay: () => ({ outcome: restorer.outcome, restores: restorer.restores, request: replayLog.request(-1, { paused: true, speed: state.scenario.speed }) }),
};

// ---------- boot ----------

async function boot(catalogs) {
  // the main view's first paint (the contour) before the curves': they wait for it
  let mainViewShown;
  group.holdUntil(new Promise((resolve) => { mainViewShown = resolve; }));
  try {
    await start(catalogs, mainViewShown);
  } finally {
    mainViewShown();
  }
}

async function start(catalogs, mainViewShown) {
  let surfaceList;
  let optimizers;
  try {
    [surfaceList, optimizers] = await catalogs;
  } catch (err) {
    view.showStatus("offline", `Could not reach the gdviz server: ${err.message}`);
    toast(`Could not load surfaces/optimizers: ${err.message}`);
    return;
  }
  for (const s of surfaceList) state.surfaces.set(s.id, s);
  for (const o of optimizers) state.optimizers.set(o.id, o);
  state.models = SCHEMA.kinds.filter((k) => k.model).map((k) => k.model); // as GET /api/models
  modelOptions.setCatalog(state.models);

  // the link's scenario, and its selected and hidden runs (the server checked them against the runs)
  for (const warning of editor.load($("app").dataset.scenario, linkView)) toast(warning, "warning");
  const sc = state.scenario;
  controls.setObjectives(surfaceList, state.models, pickerValue(sc));
  controls.setOptimizers(optimizers, selectedSpec().optimizer);
  controls.showOptimizer(state.optimizers.get(selectedSpec().optimizer), selectedSpec());
  runOptions.show(selectedSpec());
  controls.setSpeed(sc.speed);
  clearRuns();
  view.applyObjective();
  presentation.layout();
  showObjective();
  runList.update();
  basins.clear();
  scatter.clear();
  view.showStatus("loading", isModel(sc) ? "Building the model…" : "Drawing the surface…");
  stream.connect(); // in parallel with drawing; frame 0 waits for whichever comes last
  showLesson();
  const drawn = await loadObjective();
  mainViewShown();
  syncCameras();
  stability.refresh();
  // A link to a sweep, basin map or scatter shows it: run the tool once.
  const tool = { sweep, basins, scatter }[linkView.tab];
  if (drawn !== false && tool && tabs.current === linkView.tab) tool.run(); // (if this objective has the tab)
}

/** Plotly's 2D part (static/vendor/plotly/, tools/plotly/build.mjs): it sets window.Plotly,
 * which the plot modules call; the 3D traces load when a 3D view is first drawn. */
function whenPlotlyReady() {
  return import("../vendor/plotly/plotly-2d.js").catch(() => {
    throw new Error("could not load Plotly (static/vendor/plotly/plotly-2d.js)");
  });
}

// The catalogs, and the link's contour grid, are asked for at once, while Plotly loads.
const catalogs = Promise.all([fetchSurfaces(), fetchOptimizers()]);
catalogs.catch(() => {}); // (boot reports a failure, once Plotly is there)
const linkSurface = readScenario($("app").dataset.scenario).surface;
if (linkSurface) prefetchGrid(linkSurface, GRID_N);
whenPlotlyReady().then(() => boot(catalogs)).catch((err) => {
  view.showStatus("offline", `The page could not start: ${err.message}`);
  toast(err.message);
});
