// What the student changes: the selected run's settings, the set of runs, the start,
// the surface and the speed. Hyperparameters go live to a running stream (`set`);
// anything `set` cannot carry (optimizer, schedule, clipping, noise, runs added or
// removed, a new start or surface) starts every run again from its start.

import { emit } from "../events.js";
import { clearRuns } from "../runs.js";
import { MODEL_KINDS, objectiveField, objectiveKey } from "../objective.js";
import { MAX_RUNS, selectedSpec, state } from "../state.js";

const LR_SEND_MS = 66; // while dragging the slider, at most ~15 `set`s per second
const SPEED_SEND_MS = 60;
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
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === null) delete spec[k];
      else spec[k] = v;
    }
    this.view.runList.update();
    emit("settings", state.selected);
    this.session.restart();
  }

  pickStart(xy) {
    selectedSpec().start = xy.map((v) => Number(v.toPrecision(4)));
    emit("start", state.selected);
    if (!state.socketOpen) return;
    // Playing: keep playing from the new point. Otherwise: wait there for Play / Step.
    this.session.restart();
  }

  // ---------- the set of runs ----------

  /** A copy of the selected run, selected: the student changes one thing at a time. */
  addRun() {
    if (state.scenario.runs.length >= MAX_RUNS) return;
    state.scenario.runs.push(structuredClone(selectedSpec()));
    state.hidden.push(false);
    this.afterRunsChanged(state.scenario.runs.length - 1);
  }

  removeRun(i) {
    const runs = state.scenario.runs;
    if (runs.length <= 1 || i < 0 || i >= runs.length) return;
    runs.splice(i, 1);
    state.hidden.splice(i, 1);
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
      if (!MODEL_KINDS.includes(kind) || state.scenario.model?.kind === kind) return;
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
    if (state.server === "active") this.stream.pause();
    this.stream.detach();
    state.server = "none";
    this.session.setPlaying(false);
    const sc = state.scenario;
    const before = { objective: objectiveField(sc), runs: structuredClone(sc.runs) };
    for (const k of ["surface", "model", "expr", "domain"]) delete sc[k];
    Object.assign(sc, objective);
    state.model = null;
    state.expr = null;
    if (fresh) {
      const surf = sc.surface ? state.surfaces.get(sc.surface) : null;
      for (const r of sc.runs) {
        if (surf) r.start = [...surf.start];
        else delete r.start; // the model's description gives 2-weight starts; networks start from init
        if (!sc.model || sc.model.kind !== "mlp") delete r.init;
      }
      if (surf && typeof surf.lr === "number") this.takeLr(surf.lr);
      this.fitLrToModel = Boolean(sc.model);
    }
    if (typeof suggestLr === "number") this.takeLr(suggestLr);
    clearRuns();
    this.view.applyObjective();
    this.showObjective({ openOptions: fresh });
    const ok = await this.loadObjective();
    const still = ["surface", "model", "expr", "domain"].every((k) => state.scenario[k] === objective[k]);
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
