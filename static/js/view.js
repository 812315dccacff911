// Pushes the state to the screen: every plot, the readouts, the status badge and
// the run list. The session calls `redraw` at most once per animation frame.

import { fmt, norm2 } from "./format.js";
import { runLabel } from "./runs.js";
import { ENDED, isVisible, selectedRun, selectedSpec, state } from "./state.js";
import { renderStatus } from "./status.js";

const $ = (id) => document.getElementById(id);

export class View {
  /**
   * @param {{contour, surface3d, curves: {loss, grad, lr}, runList}} parts
   */
  constructor({ contour, surface3d, curves, runList }) {
    this.contour = contour;
    this.surface3d = surface3d;
    this.curves = curves;
    this.runList = runList;
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
    this.redrawContour(runs);
    this.surface3d.update(runs, this.current(), state.selected); // ignored until it is drawn
    for (const c of Object.values(this.curves)) c.update(runs);
    this.runList.update();
    const last = selectedRun()?.last;
    $("step-count").textContent = last ? String(last.step) : "–";
    $("readout-loss").textContent = last ? fmt(last.loss) : "–";
    $("readout-gradnorm").textContent = last ? fmt(norm2(last.grad)) : "–";
    $("readout-x").textContent = last ? fmt(last.params?.[0] ?? null) : "–";
    $("readout-y").textContent = last ? fmt(last.params?.[1] ?? null) : "–";
    $("readout-lr").textContent = last && typeof last.lr === "number" ? fmt(last.lr) : fmt(selectedSpec().lr);
    document.body.dataset.step = last ? String(last.step) : "";
  }

  redrawContour(runs = this.plotRuns()) {
    if (!state.surfaceDrawn) return;
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
      this.showStatus("paused", `At the start. Press Play (Space) or Step (→). Click the contour to move ${whose}.`);
    } else {
      this.showStatus("paused", "Paused. Play (Space) goes on, Step (→) takes one step, Reset (R) goes back.");
    }
  }
}
