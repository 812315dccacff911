// Pushes the state to the screen: every plot, the readouts, the status badge and
// the run list. The session calls `redraw` at most once per animation frame.
// What is shown depends on the objective (objective.js): a surface or a 2-weight
// model gets contour + 3D; a network gets its decision boundary and its curves.

import { fmt, norm2 } from "./format.js";
import { exploreTabsFor, objectiveKind } from "./objective.js";
import { runLabel } from "./runs.js";
import { ENDED, isVisible, selectedRun, selectedSpec, state } from "./state.js";
import { renderStatus } from "./status.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");

/** Panels shown only for some objectives (the rest are always there). */
const PANELS = {
  ".panel-contour": (k) => k !== "mlp",
  ".panel-boundary": (k) => k === "mlp",
  ".panel-grad": (k) => k !== "mlp",
  ".panel-lr": (k) => k !== "mlp",
  ".panel-acc": (k) => k === "mlp",
  ".panel-layers": (k) => k === "mlp",
};

export class View {
  /**
   * @param {{contour, surface3d, curves: {loss, grad, lr, acc}, layers, runList, network, fit, diagnosis, slice, tabs,
   *          exprGrad}} parts  exprGrad: a typed f(x, y)'s gradient line (hidden for anything else)
   */
  constructor(parts) {
    Object.assign(this, parts);
    this.kind = "surface";
  }

  /** Lay the page out for the scenario's objective (before it is drawn). */
  applyObjective() {
    const kind = objectiveKind(state.scenario);
    this.kind = kind;
    document.body.dataset.objective = kind;
    for (const [sel, shown] of Object.entries(PANELS)) document.querySelector(sel).hidden = !shown(kind);
    const f = kind === "surface" ? "f" : "L";
    if (kind === "mlp") {
      this.curves.loss.setSeries([{ key: "losses", dash: "solid", what: "train" }, { key: "testLosses", dash: "dash", what: "test" }], "L");
    } else {
      this.curves.loss.setSeries([{ key: "losses", dash: "solid", what: "" }], f);
    }
    this.curves.grad.setSeries([{ key: "gradnorms", dash: "solid", what: "" }], `‖∇${f}‖`);
    $("loss-title").textContent = kind === "mlp" ? "Loss L" : `Loss ${f} vs step`;
    $("gradnorm-title").firstChild.textContent = `‖∇${f}‖ vs step `;
    $("loss-line-key").hidden = kind !== "mlp";
    const labels = {
      surface: ["f", "‖∇f‖", "x", "y"],
      linreg2: ["L", "‖∇L‖", "w1", "w2"],
      logreg2: ["L", "‖∇L‖", "w1", "w2"],
      mlp: ["L", "‖∇L‖", "epochs", "next batch"],
    }[kind];
    ["loss", "gradnorm", "x", "y"].forEach((id, i) => { $(`readout-${id}-label`).textContent = labels[i]; });
    $("readout-y-label").title = kind === "mlp" ? "the mini-batch the next step uses, of the batches in one epoch" : "";
    $("readout-gradnorm-label").title = kind === "mlp" ? "the norm of the gradient the step uses (of its mini-batch)" : "";
    $("readout-acc-row").hidden = kind !== "mlp" && kind !== "logreg2";
    $("readout-acc-label").textContent = kind === "mlp" ? "acc. train / test" : "accuracy";
    const { tabs, note } = exploreTabsFor(state.scenario);
    this.tabs.setAvailable(tabs, note);
  }

  /** The runs as the plots take them: display data, start point, hidden flag, label. */
  plotRuns() {
    return state.runs.map((r, i) => ({
      ...r, start: state.scenario.runs[i]?.start, hidden: !isVisible(i), label: state.scenario.runs[i] ? runLabel(i) : "",
    }));
  }

  /** The selected run's newest frame, if it is shown. */
  current() {
    return isVisible(state.selected) ? selectedRun()?.last ?? null : null;
  }

  redraw() {
    const runs = this.plotRuns();
    const kind = this.kind;
    const many = state.scenario.runs.length > 1;
    if (kind === "mlp") {
      if (state.surfaceDrawn) this.network.update(state.selected, many);
      for (const c of [this.curves.loss, this.curves.acc]) c.update(runs);
      this.layers.update(selectedRun(), state.selected);
      this.slice.checkStale();
    } else {
      this.redrawContour(runs);
      this.surface3d.update(runs, this.current(), state.selected); // ignored until it is drawn
      for (const c of [this.curves.loss, this.curves.grad, this.curves.lr]) c.update(runs);
      if (kind !== "surface") this.fit.update(selectedRun()?.last ?? null);
      else this.exprGrad.update(selectedRun()?.last ?? null);
    }
    if (kind !== "surface") this.diagnosis.update(selectedRun()?.diagnosis ?? null, state.selected, many);
    this.inside?.update(); // the network diagram, backprop, head and step tabs (panels/inside.js)
    this.runList.update();
    this.showReadouts(selectedRun()?.last, kind);
  }

  showReadouts(last, kind) {
    const set = (id, text) => {
      const el = $(id);
      if (el.textContent !== text) el.textContent = text;
    };
    set("step-count", last ? String(last.step) : "–");
    set("readout-loss", last ? fmt(last.loss) : "–");
    if (kind === "mlp") {
      set("readout-gradnorm", last ? fmt(last.grad_norm ?? null) : "–");
      set("readout-x", last && last.epoch !== undefined ? String(last.epoch) : "–");
      set("readout-y", last && last.batch !== undefined ? `${last.batch + 1}/${last.batches_per_epoch}` : "–");
      set("readout-acc", last ? `${pct(last.accuracy)} / ${pct(last.test_accuracy ?? null)}` : "–");
    } else {
      set("readout-gradnorm", last ? fmt(norm2(last.grad)) : "–");
      set("readout-x", last ? fmt(last.params?.[0] ?? null) : "–");
      set("readout-y", last ? fmt(last.params?.[1] ?? null) : "–");
      if (kind === "logreg2") set("readout-acc", last ? pct(last.accuracy) : "–");
    }
    set("readout-lr", last && typeof last.lr === "number" ? fmt(last.lr) : fmt(selectedSpec().lr));
    document.body.dataset.step = last ? String(last.step) : "";
  }

  redrawContour(runs = this.plotRuns()) {
    if (!state.surfaceDrawn || this.kind === "mlp") return;
    let current = this.current();
    if (current && state.updateStale) current = { ...current, update: null };
    this.contour.update(runs, current, this.arrowLr(), state.selected);
  }

  /** The learning rate of the −η∇L arrow: the run's own, unless a schedule moves it. */
  arrowLr() {
    const spec = selectedSpec();
    const last = selectedRun()?.last;
    if (spec.schedule && spec.schedule !== "constant" && last && Number.isFinite(last.lr)) return last.lr;
    return spec.lr;
  }

  showStatus(status, reason) {
    renderStatus($("status-badge"), $("status-reason"), status, reason);
    document.body.dataset.status = status;
  }

  /** The main badge and sentence: about the selected run. */
  updateStatus() {
    if (!state.socketOpen) return;
    const r = selectedRun();
    const spec = selectedSpec();
    const many = state.scenario.runs.length > 1;
    const who = many ? `Run ${state.selected + 1}: ` : "";
    if (r?.status && ENDED.has(r.status)) {
      this.showStatus(r.status, `${who}${r.reason || ""}`);
    } else if (state.playing) {
      const rule = state.optimizers.get(spec.optimizer)?.rule ?? "";
      this.showStatus("running", `${who}${rule}  (g = ∇L, η = ${fmt(this.arrowLr())}), at ${state.scenario.speed} steps/s.`);
    } else if (state.server !== "active") {
      const whose = many ? `run ${state.selected + 1}'s start` : "the start";
      const click = this.kind === "mlp" ? "" : ` Click the contour to move ${whose}.`;
      this.showStatus("paused", `At the start. Press Play (Space) or Step (→).${click}`);
    } else {
      this.showStatus("paused", "Paused. Play (Space) goes on, Step (→) takes one step, Reset (R) goes back.");
    }
  }
}
