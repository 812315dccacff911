// The views of what happens inside a step (issue 15), as Explore tabs: the network
// diagram (`net`), one point's backprop (`backprop`), the output head's numbers (`head`)
// and the update's arithmetic (`step`). One object so the page wires them in a few lines:
// `draw(desc)` when a model is described, `update()` on every redraw, `shown(tab)` when
// a tab opens, `pick(i)` when a training point is clicked.

import { BackpropPanel } from "./backprop.js";
import { HeadPanel } from "./head.js";
import { NetPanel } from "./net-view.js";
import { StepPanel } from "./step-view.js";
import { Tracer } from "./tracer.js";
import { sendsThin } from "../objective.js";
import { selectedRun, state } from "../state.js";

export class InsideViews {
  /**
   * @param {{send(msg), view: {point?: number|null, stage?: string|null, net_mode?: string},
   *          onPoint(index, {byStudent}), fetcher?(request): Promise}} h
   *   onPoint: the traced point changed (picked by the student, or dropped with its model);
   *   fetcher: how a trace is got (default POST /api/trace; the offline player looks it up)
   */
  constructor({ send, view = {}, onPoint = () => {}, fetcher = undefined }) {
    this.tracer = new Tracer({ point: view.point ?? null, fetcher });
    this.onPoint = onPoint;
    let shown = this.tracer.point;
    this.tracer.listen(() => {
      if (this.tracer.point === shown) return;
      shown = this.tracer.point;
      onPoint(shown, { byStudent: this.tracer.picked });
    });
    this.net = new NetPanel({ mode: view.net_mode ?? "weights" });
    this.backprop = new BackpropPanel({ tracer: this.tracer, send, stage: view.stage ?? null });
    this.head = new HeadPanel({ tracer: this.tracer });
    this.step = new StepPanel();
    this.panels = { net: this.net, backprop: this.backprop, head: this.head, step: this.step };
  }

  /** A model was described: the network's diagram, and what the trace walks. */
  draw(desc) {
    this.tracer.reset();
    this.onPoint(this.tracer.point, { byStudent: false }); // (the plots ring the link's point)
    this.net.draw(desc);
    this.backprop.draw(desc);
    this.head.draw(desc);
  }

  /** A surface is shown: no model, no trace. */
  clear() {
    this.tracer.reset();
  }

  /** On every redraw: the open views follow the selected run. */
  update() {
    if (state.model) {
      const run = selectedRun();
      // (its frame at step 0: the gradients view's scale for the whole run)
      this.net.update((sendsThin(state.model) ? run?.withParams : run?.last) ?? null, state.selected,
        state.scenario.runs.length > 1, run?.frames?.[0] ?? null);
    }
    if (state.model) {
      this.backprop.update();
      this.head.update();
    }
    this.step.update();
  }

  shown(tab) {
    this.panels[tab]?.shown();
  }

  pick(index) {
    this.tracer.pick(index);
  }

  /** The view keys these tabs keep in the link. */
  viewKeys() {
    return { point: this.tracer.point, stage: this.backprop.stage, net_mode: this.net.mode };
  }
}
