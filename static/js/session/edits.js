// The Editor owns the scenario (`state.scenario`, `state.selected`, `state.hidden`): it
// loads the link's, applies what the student changes — the selected run's settings, the
// set of runs, the start, the objective and the speed — and fits the runs to an objective
// once it is described. Hyperparameters go live to a running stream (`set`); anything
// `set` cannot carry (optimizer, schedule, clipping, noise, runs added or removed, a new
// start or objective) starts every run again from its start.

import { emit } from "../events.js";
import { clearRuns } from "../runs.js";
import { isExpr, kindOf, modelKinds, namingKey, objectiveField, objectiveKey } from "../objective.js";
import { LIMITS, SCHEMA } from "../schema.js";
import { defaultScenario, selectedSpec, state } from "../state.js";
import { toast } from "../toast.js";

const LR_SEND_MS = 66; // while dragging the slider, at most ~15 `set`s per second
const SPEED_SEND_MS = 60;
/** A run's fields that are not its optimizer's hyperparameters: they carry over to another optimizer. */
const RUN_OPTION_FIELDS = ["schedule", "step_size", "gamma", "T_max", "eta_min", "warmup_steps", "clip_norm", "noise", "init"];

/**
 * Put the runs at a new objective's suggested η (a rate that is stable and visible there,
 * e.g. Rosenbrock 0.001, the bowl 0.1): the selected run takes it, and every other run
 * keeps its ratio to the selected run's η — a race of 0.01 against 0.1 stays a tenfold
 * race — rounded to 3 significant digits within its optimizer's limits.
 * @param {object[]} runs  the scenario's run specs (changed in place)
 */
export function takeSuggestedLr(runs, selected, lr, optimizers) {
  const from = runs[selected]?.lr;
  const factor = Number.isFinite(from) && from > 0 ? lr / from : null;
  runs.forEach((r, i) => {
    const spec = optimizers.get(r.optimizer)?.params.lr ?? {};
    const v = i === selected || factor === null || !Number.isFinite(r.lr) ? lr : Number((r.lr * factor).toPrecision(3));
    r.lr = Math.min(Math.max(v, spec.min ?? 0), spec.max ?? Infinity);
  });
}

/** The scenario from the page (the server parsed the query string into it). */
export function readScenario(json) {
  try {
    const s = JSON.parse(json);
    if (!s || typeof s !== "object" || !Array.isArray(s.runs) || s.runs.length === 0) throw new Error("it has no runs");
    return { ...defaultScenario(), ...s };
  } catch (err) {
    toast(`Could not read the scenario (${err.message}); using the default.`);
    return defaultScenario();
  }
}

/** A branch's fields that are its parent's (the schema's, from gdviz/scenarios/models.py). */
const BRANCH_INHERITS = SCHEMA.scenario.run.branch_inherits;
/** A branch made a run of its own, from the start (its parent's start). */
function unbranch(spec) {
  delete spec.branch_of;
  delete spec.branch_at;
}

const inside = ([x, y], [[x0, x1], [y0, y1]]) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
/** The scenario's fields that name its objective (surface; expr and its domain; model). */
const OBJECTIVE_FIELDS = [...SCHEMA.scenario.named_by, ...Object.values(SCHEMA.scenario.companions)];

export class Editor {
  /**
   * @param {{session, view, controls, runOptions, stream, loadObjective: () => Promise<boolean>,
   *          showObjective: () => void}} parts  loadObjective draws the scenario's surface or model;
   *          showObjective fills the controls that depend on it
   */
  constructor({ session, view, controls, runOptions, stream, loadObjective, showObjective }) {
    this.session = session;
    this.view = view;
    this.controls = controls;
    this.runOptions = runOptions;
    this.stream = stream;
    this.loadObjective = loadObjective;
    this.showObjective = showObjective;
    this.lrTimer = null;
    this.lrSentAt = 0;
    this.speedTimer = null;
  }

  // ---------- the link's scenario ----------

  /**
   * Take the link's scenario (`json`, the page's data-scenario) and view (its selected and
   * hidden runs, which the server checked against the runs), and fill in what the page needs
   * to show and edit — a known surface and optimizers, every run's start and η, a speed in
   * range (the server fills these in itself when absent). Call once the catalogs are
   * loaded. Returns sentences about what was replaced.
   */
  load(json, view) {
    state.scenario = readScenario(json);
    const warnings = [];
    const sc = state.scenario;
    const [firstSurface] = state.surfaces.values();
    const [firstOptimizer] = state.optimizers.values();
    if (namingKey(sc) !== "surface") {
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
      if (surf && !Array.isArray(r.start)) r.start = [...(sc.runs[r.branch_of]?.start ?? surf.start)]; // (a branch: its parent's)
      if (typeof r.lr !== "number") r.lr = state.optimizers.get(r.optimizer).params.lr?.default ?? surf?.lr ?? defaultScenario().runs[0].lr;
    }
    const [lo, hi] = LIMITS.speed;
    sc.speed = Number.isFinite(sc.speed) ? Math.min(Math.max(sc.speed, lo), hi) : defaultScenario().speed;
    state.selected = view.select < sc.runs.length ? view.select : 0;
    state.hidden = sc.runs.map((_, i) => view.hide.includes(i));
    return warnings;
  }

  // ---------- the runs, fitted to a described objective ----------

  /** A described model: 2 weights start at its start unless given; runs of many weights
   *  start from their init (or the objective's start) unless they give every weight; `init`
   *  is only for kinds whose runs draw their weights. */
  fitRunsToModel(desc) {
    const { capabilities } = kindOf(state.scenario);
    for (const r of state.scenario.runs) {
      if (capabilities.weights !== "plane") {
        // (a start off a curve's x range — another function's — goes too: the run starts
        // at this one's start)
        const off = Array.isArray(r.start) && desc.dim === 1 && Array.isArray(desc.domain)
          && !(r.start[0] >= desc.domain[0] && r.start[0] <= desc.domain[1]);
        if (Array.isArray(r.start) && (r.start.length !== desc.dim || off)) delete r.start;
      } else if (!Array.isArray(r.start) || r.start.length !== 2) {
        r.start = [...desc.start];
      }
      if (!capabilities.init) delete r.init;
      if (!capabilities.grad_rules?.includes(r.grad_rule)) delete r.grad_rule;
    }
  }

  /** A described f(x, y): a run without a start starts at the suggested start (a link's
   *  start is kept as the link gave it). */
  fitRunsToExpr(desc) {
    for (const r of state.scenario.runs) if (!Array.isArray(r.start)) r.start = [...desc.start];
  }

  /**
   * A newly typed f(x, y): a run keeps its start when it lies inside the domain, else starts
   * at the suggested start; `init` does not apply. A new f takes its suggested η (takeLr: a
   * race keeps its ratios); a new x/y range of the same f keeps η. Then draw it.
   */
  applyExpr({ expr, domain }, desc) {
    const newF = !isExpr(state.scenario) || state.scenario.expr !== expr;
    for (const r of state.scenario.runs) {
      const ok = Array.isArray(r.start) && r.start.length === 2 && inside(r.start, desc.domain);
      if (!ok) r.start = [...desc.start];
      delete r.init;
      delete r.grad_rule;
    }
    return this.switchObjective(domain ? { expr, domain } : { expr }, { fresh: false, suggestLr: newF ? desc.lr : null });
  }

  // ---------- the selected run's hyperparameters (live) ----------

  changeLr(v, { final }) {
    const run = state.selected;
    state.scenario.runs[run].lr = v;
    clearTimeout(this.lrTimer);
    const now = performance.now();
    if (final || now - this.lrSentAt > LR_SEND_MS) {
      this.lrSentAt = now;
      this.session.applyLive(run, { lr: v });
    } else {
      // always send the last value of a drag
      this.lrTimer = setTimeout(() => {
        this.lrSentAt = performance.now();
        this.session.applyLive(run, { lr: state.scenario.runs[run].lr });
      }, LR_SEND_MS);
    }
    this.view.redrawContour();
    this.view.runList.update();
    emit("settings", run);
  }

  changeHyper(name, value) {
    const run = state.selected;
    state.scenario.runs[run][name] = value;
    this.session.applyLive(run, { [name]: value });
    this.view.redrawContour();
    emit("settings", run);
  }

  // ---------- settings that need a fresh start ----------

  changeOptimizer(id) {
    const opt = state.optimizers.get(id);
    if (!opt) return;
    const old = selectedSpec();
    const lrSpec = opt.params.lr ?? {};
    let lr = old.lr;
    if (!(lr >= (lrSpec.min ?? 0) && lr <= (lrSpec.max ?? Infinity))) lr = lrSpec.default;
    // The old optimizer's hyperparameters do not apply; schedule, clipping and noise do.
    const next = { optimizer: id, lr, start: old.start };
    for (const k of RUN_OPTION_FIELDS) if (old[k] !== undefined) next[k] = old[k];
    state.scenario.runs[state.selected] = next;
    this.controls.showOptimizer(opt, next);
    emit("settings", state.selected);
    this.session.restart();
  }

  /** Schedule, clipping or noise of the selected run: `changes` maps a field to a value or undefined (off). */
  changeRunOptions(changes) {
    const spec = selectedSpec();
    if (Object.keys(changes).some((k) => BRANCH_INHERITS.includes(k))) unbranch(spec); // (a branch's are its parent's)
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === null) delete spec[k];
      else spec[k] = v;
    }
    this.view.runList.update();
    emit("settings", state.selected);
    this.session.restart();
  }

  pickStart(xy) {
    unbranch(selectedSpec()); // a new start: a run of its own
    selectedSpec().start = xy.map((v) => Number(v.toPrecision(4)));
    emit("start", state.selected);
    if (!state.socketOpen) return;
    // Playing: keep playing from the new point. Otherwise: wait there for Play / Step.
    this.session.restart();
  }

  // ---------- the set of runs ----------

  /** A copy of the selected run, selected: the student changes one thing at a time. */
  addRun() {
    if (state.scenario.runs.length >= LIMITS.runs) return;
    state.scenario.runs.push(structuredClone(selectedSpec()));
    state.hidden.push(false);
    this.afterRunsChanged(state.scenario.runs.length - 1);
  }

  /** A branch the server made (`branched`) joins the scenario, beside its parent: no
   * restart — the stream already runs it. */
  joinBranch(spec) {
    state.scenario.runs.push(spec);
    state.hidden.push(false);
  }

  removeRun(i) {
    const runs = state.scenario.runs;
    if (runs.length <= 1 || i < 0 || i >= runs.length) return;
    runs.splice(i, 1);
    state.hidden.splice(i, 1);
    for (const r of runs) {
      if (r.branch_of === i) unbranch(r); // its parent is gone: it runs from the start
      else if (r.branch_of > i) r.branch_of -= 1;
    }
    let sel = state.selected;
    if (sel > i || sel >= runs.length) sel -= 1;
    this.afterRunsChanged(Math.max(sel, 0));
  }

  afterRunsChanged(selected) {
    state.selected = selected; // (before the panels hear of the new runs: the old index may be gone)
    clearRuns();
    emit("runs");
    this.selectRun(selected, { force: true });
    this.session.restart();
  }

  selectRun(i, { force = false } = {}) {
    if (i < 0 || i >= state.scenario.runs.length || (i === state.selected && !force)) return;
    state.selected = i;
    const spec = selectedSpec();
    this.controls.showOptimizer(state.optimizers.get(spec.optimizer), spec);
    this.runOptions.show(spec);
    this.view.redraw();
    this.view.updateStatus();
    emit("selection", i);
  }

  setVisible(i, visible) {
    state.hidden[i] = !visible;
    this.view.redraw();
    emit("runs");
  }

  // ---------- surface and speed ----------

  /** The objective picker: a surface id, or "model:<kind>". */
  changeObjective(value) {
    const kind = value.startsWith("model:") ? value.slice(6) : null;
    if (kind) {
      if (!modelKinds().some((k) => k.id === kind) || state.scenario.model?.kind === kind) return;
      return this.switchObjective({ model: { kind } }, { fresh: true });
    }
    const surf = state.surfaces.get(value);
    if (!surf) return;
    return this.switchObjective({ surface: value }, { fresh: true });
  }

  /** A model option changed (changes: field → value, undefined = its default): a new model. */
  changeModel(changes) {
    const model = { ...state.scenario.model };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === null) delete model[k];
      else model[k] = v;
    }
    return this.switchObjective({ model }, { fresh: false });
  }

  /**
   * Stop, put the new objective in the scenario, draw it and wait at the start. A new
   * objective picked (fresh) gives the runs its suggested start and η (takeSuggestedLr;
   * a model's once it is described); `suggestLr` gives a typed f(x, y)'s η.
   */
  async switchObjective(objective, { fresh, revert = true, suggestLr = null }) {
    this.session.stop();
    const sc = state.scenario;
    const before = { objective: objectiveField(sc), runs: structuredClone(sc.runs) };
    for (const k of OBJECTIVE_FIELDS) delete sc[k];
    Object.assign(sc, objective);
    if (fresh) {
      const surf = sc.surface ? state.surfaces.get(sc.surface) : null;
      const { init, grad_rules: rules = [] } = kindOf(sc).capabilities;
      for (const r of sc.runs) {
        if (surf) r.start = [...surf.start];
        else delete r.start; // the model's description gives 2-weight starts; networks start from init
        if (!init) delete r.init;
        if (!rules.includes(r.grad_rule)) delete r.grad_rule;
      }
      if (surf && typeof surf.lr === "number") this.takeLr(surf.lr);
      this.fitLrToModel = Boolean(sc.model);
    }
    if (typeof suggestLr === "number") this.takeLr(suggestLr);
    clearRuns();
    this.view.applyObjective();
    this.showObjective({ openOptions: fresh });
    const ok = await this.loadObjective();
    const still = OBJECTIVE_FIELDS.every((k) => state.scenario[k] === objective[k]);
    if (!ok && still && revert) {
      // Refused (the toast says why, e.g. a batch larger than the training set): back to what was shown.
      sc.runs = before.runs;
      return this.switchObjective(before.objective, { fresh: false, revert: false });
    }
    if (!ok || !still) return;
    if (this.fitLrToModel && typeof state.model?.lr === "number") this.takeLr(state.model.lr);
    this.fitLrToModel = false;
    emit("surface", objectiveKey(sc));
    if (state.socketOpen) this.session.goToStart();
  }

  /** Every run at the objective's suggested η (takeSuggestedLr), shown on the controls. */
  takeLr(lr) {
    takeSuggestedLr(state.scenario.runs, state.selected, lr, state.optimizers);
    this.controls.setLr(selectedSpec().lr);
    this.view.runList.update();
  }

  changeSpeed(s) {
    state.scenario.speed = s;
    emit("speed", s);
    clearTimeout(this.speedTimer);
    this.speedTimer = setTimeout(() => {
      if (state.socketOpen) this.stream.speed(s);
      this.view.updateStatus();
    }, SPEED_SEND_MS);
  }
}
