// Pushes the state to the screen: every plot, the readouts, the status badge and
// the run list. The session calls `redraw` at most once per animation frame.
// What is shown is the objective kind's (objective.js, from the server's registry): its
// main view (a contour of the loss over two weights, a decision boundary, or a plug-in
// view), its Explore tabs, its curves and its readouts. No kind is named here.

import { fmt, norm2 } from "./format.js";
import { exploreTabsFor, kindOf } from "./objective.js";
import { countUpTo, runLabel } from "./runs.js";
import { ENDED, isVisible, selectedRun, selectedSpec, state } from "./state.js";
import { renderStatus } from "./status.js";
import { touchFirst } from "./pointer.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");

/** The page's main panels and curve panels, by the view ids the registry uses. */
const MAIN_PANELS = { contour: ".panel-contour", boundary: ".panel-boundary", plugin: ".panel-plugin" };
const CURVE_PANELS = ["loss", "grad", "lr", "acc", "layers"];
const READOUT_SLOTS = ["loss", "gradnorm", "x", "y"];
/** A branch's series that plots draw from its branch step on. */
const BRANCH_DRAWN = ["xs", "ys", "losses", "gradnorms", "lrs", "accs", "testLosses", "testAccs"];

/** Frame field `path` ("loss", "params.0", "grad_norm"…); the gradient's norm from `grad` when the frame has none. */
function field(frame, path) {
  if (path === "grad_norm" && frame.grad_norm === undefined) return norm2(frame.grad);
  return path.split(".").reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), frame);
}

/** A readout ({label, value, format}) of `frame` as text. */
export function readoutText(readout, frame) {
  if (!frame) return "–";
  const values = [readout.value].flat().map((p) => field(frame, p));
  const one = (v) => {
    if (readout.format === "pct") return pct(v ?? null);
    if (readout.format === "int") return v === undefined ? "–" : String(v);
    if (readout.format === "batch") return v === undefined ? "–" : `${v + 1}/${frame.batches_per_epoch}`;
    return fmt(v ?? null);
  };
  return values.map(one).join(" / ");
}

export class View {
  /**
   * @param {{contour, surface3d, curves: {loss, grad, lr, acc}, layers, runList, network, fit, diagnosis, slice, tabs,
   *          exprGrad, inside, plugins}} parts  exprGrad: a typed f(x, y)'s gradient line (hidden for anything
   *          else); inside: the network, backprop, head and step tabs (panels/inside.js); plugins: the
   *          kinds' plug-in views (plugins.js)
   */
  constructor(parts) {
    Object.assign(this, parts);
    this.kind = null;
    // what each tab and curve draws on a redraw (the main view is drawn in redraw itself)
    this.tabUpdates = {
      "3d": (runs) => this.surface3d.update(runs, this.current(), state.selected), // ignored until it is drawn
      fit: () => this.fit.update(selectedRun()?.last ?? null),
      why: () => this.diagnosis.update(selectedRun()?.diagnosis ?? null, state.selected, state.scenario.runs.length > 1),
      slice: () => this.slice.checkStale(),
    };
    this.curveUpdates = {
      loss: (runs) => this.curves.loss.update(runs),
      grad: (runs) => this.curves.grad.update(runs),
      lr: (runs) => this.curves.lr.update(runs),
      acc: (runs) => this.curves.acc.update(runs),
      layers: () => this.layers.update(selectedRun(), state.selected),
    };
  }

  /** The main view's id, `plugin` for a kind's own. */
  get main() {
    const m = this.kind.page.main;
    return m in MAIN_PANELS ? m : "plugin";
  }

  /** Lay the page out for the scenario's objective (before it is drawn). */
  applyObjective() {
    const kind = kindOf(state.scenario);
    this.kind = kind;
    const { page, capabilities } = kind;
    document.body.dataset.objective = kind.id;
    for (const [id, sel] of Object.entries(MAIN_PANELS)) document.querySelector(sel).hidden = id !== this.main;
    for (const id of CURVE_PANELS) document.querySelector(`.panel-${id}`).hidden = !page.curves.includes(id);
    const f = page.symbol;
    const held = capabilities.held_out; // test points: train and test lines
    this.curves.loss.setSeries(held
      ? [{ key: "losses", dash: "solid", what: "train" }, { key: "testLosses", dash: "dash", what: "test" }]
      : [{ key: "losses", dash: "solid", what: "" }], f);
    const g = page.grad_symbol || `‖∇${f}‖`;
    this.curves.grad.setSeries([{ key: "gradnorms", dash: "solid", what: "" }], g);
    $("loss-title").textContent = held ? `Loss ${f}` : `Loss ${f} vs step`;
    $("gradnorm-title").firstChild.textContent = `${g} vs step `;
    $("loss-line-key").hidden = !held;
    READOUT_SLOTS.forEach((id, i) => {
      const r = page.readouts[i];
      $(`readout-${id}-label`).textContent = r?.label ?? "";
      $(`readout-${id}-label`).title = r?.title ?? "";
      $(`readout-${id}`).parentElement.hidden = !r; // a kind with fewer readouts leaves no empty slot
    });
    const more = page.readouts[READOUT_SLOTS.length];
    $("readout-acc-row").hidden = !more;
    if (more) $("readout-acc-label").textContent = more.label;
    this.plugins.prepare(kind);
    const { tabs, note } = exploreTabsFor(state.scenario);
    this.tabs.setAvailable(tabs, note);
  }

  /** The runs as the plots take them: display data, start point, hidden flag, label. A
   * branch is drawn from the step it leaves its parent at (its start marker there): before
   * it, its frames are its parent's, drawn already. */
  plotRuns() {
    return state.runs.map((r, i) => {
      const spec = state.scenario.runs[i];
      const out = { ...r, start: spec?.start, hidden: !isVisible(i), label: spec ? runLabel(i) : "" };
      if (spec?.branch_at > 0) {
        const at = countUpTo(r.steps, spec.branch_at - 1); // frames before the branch
        for (const key of BRANCH_DRAWN) out[key] = r[key].map((v, j) => (j < at ? null : v));
        out.start = at < r.xs.length ? [r.xs[at], r.ys[at]] : null;
      }
      return out;
    });
  }

  /** The selected run's newest frame, if it is shown. */
  current() {
    return isVisible(state.selected) ? selectedRun()?.last ?? null : null;
  }

  /** Every view: at the newest step, or — the step slider dragged back — at that step (the
   * views read `state.runs`: the scrubber puts each run there as it was then). */
  redraw() {
    this.scrubber?.apply();
    this.draw();
    this.scrubber?.update();
  }

  draw() {
    const runs = this.plotRuns();
    const { page } = this.kind;
    const last = selectedRun()?.last ?? null;
    if (this.main === "contour") {
      this.redrawContour(runs);
      this.exprGrad.update(last);
    } else if (this.main === "boundary") {
      if (state.surfaceDrawn) this.network.update(state.selected, state.scenario.runs.length > 1);
    }
    for (const id of page.curves) this.curveUpdates[id](runs);
    for (const id of page.tabs) this.tabUpdates[id]?.(runs);
    this.plugins.update(last, state.selected);
    this.inside.update(); // the network diagram, backprop, head and step tabs (panels/inside.js)
    this.runList.update();
    this.showReadouts(last);
  }

  showReadouts(last) {
    const set = (id, text) => {
      const el = $(id);
      if (el.textContent !== text) el.textContent = text;
    };
    const { readouts } = this.kind.page;
    set("step-count", last ? String(last.step) : "–");
    READOUT_SLOTS.forEach((id, i) => set(`readout-${id}`, readouts[i] ? readoutText(readouts[i], last) : "–"));
    if (readouts[READOUT_SLOTS.length]) set("readout-acc", readoutText(readouts[READOUT_SLOTS.length], last));
    set("readout-lr", last && typeof last.lr === "number" ? fmt(last.lr) : fmt(selectedSpec().lr));
    document.body.dataset.step = last ? String(last.step) : "";
  }

  redrawContour(runs = this.plotRuns()) {
    if (!state.surfaceDrawn || this.main !== "contour") return;
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
    const from = spec.branch_of ?? null;
    const who = many ? `Run ${state.selected + 1}${from === null ? "" : ` (a branch of run ${from + 1} at step ${spec.branch_at})`}: ` : "";
    if (state.scrub !== null) {
      this.showStatus("paused", `Back at step ${state.scrub}: every view shows that step. Drag on, press Newest, or branch from here with another η.`);
    } else if (r?.status && ENDED.has(r.status)) {
      this.showStatus(r.status, `${who}${r.reason || ""}`);
    } else if (state.playing) {
      const rule = state.optimizers.get(spec.optimizer)?.rule ?? "";
      this.showStatus("running", `${who}${rule}  (g = ∇L, η = ${fmt(this.arrowLr())}), at ${state.scenario.speed} steps/s.`);
    } else if (state.server !== "active") {
      const whose = many ? `run ${state.selected + 1}'s start` : "the start";
      const touch = touchFirst();
      const click = this.main === "contour" ? ` ${touch ? "Tap" : "Click"} the contour to move ${whose}.` : "";
      this.showStatus("paused", touch ? `At the start. Tap Play, or Step for one step.${click}`
        : `At the start. Press Play (Space) or Step (→).${click}`);
    } else {
      this.showStatus("paused", touchFirst() ? "Paused. Play goes on, Step takes one step, Reset goes back."
        : "Paused. Play (Space) goes on, Step (→) takes one step, Reset (R) goes back.");
    }
  }
}
