// The training point picked for the backprop and softmax views, and its trace (POST
// /api/trace) at the selected run's current weights and step — fetched when the point,
// the run or its step changes, one request at a time (the newest wins), and only while a
// view that shows it is open.

import { fetchTrace } from "../api.js";
import { objectiveKey, sendsThin } from "../objective.js";
import { scenarioForServer, selectedRun, state } from "../state.js";

export class Tracer {
  /**
   * @param {{point: number|null, fetcher?(request): Promise}} o  point: the link's (view key
   *   `point`); fetcher: how a trace is got (POST /api/trace unless given)
   */
  constructor({ point = null, fetcher = fetchTrace } = {}) {
    this.point = point;
    this.fetcher = fetcher;
    this.picked = false; // the last change of point was the student's
    this.listeners = [];
    this.trace = null; // {key, request, frame, answer}
    this.error = null;
    this.busy = false;
    this.wanted = null;
  }

  /** `fn({trace, error, point})` whenever the trace or the point changes. */
  listen(fn) {
    this.listeners.push(fn);
  }

  notify() {
    for (const fn of this.listeners) fn(this);
  }

  /** The student picked training point `index` (a click on the data plot). */
  pick(index) {
    if (index === this.point) return;
    this.point = index;
    this.picked = true;
    this.trace = null;
    this.error = null;
    this.notify();
    this.refresh(true);
  }

  /** The frame whose weights the trace uses: a network's newest with weights, else the newest. */
  frame() {
    const run = selectedRun();
    return ((state.model && sendsThin(state.model)) ? run?.withParams : run?.last) ?? null;
  }

  /** Ask for the trace of the current (point, run, step) if it is not the one shown. `active`: a view shows it. */
  refresh(active) {
    if (!active || this.point === null || !state.model || !state.scenario?.model) return;
    const frame = this.frame();
    if (!frame?.params || frame.params.some((v) => v === null)) return;
    const key = `${objectiveKey(state.scenario)}|${state.selected}|${frame.step}|${this.point}|${frame.params[0]}`;
    if (this.trace?.key === key || this.wanted?.key === key) return;
    this.wanted = { key, frame, request: { scenario: scenarioForServer(), params: frame.params, sample: this.point, run: state.selected, step: frame.step } };
    if (!this.busy) this.next();
  }

  async next() {
    const job = this.wanted;
    this.wanted = null;
    if (!job) return;
    this.busy = true;
    try {
      const answer = await this.fetcher(job.request);
      this.trace = { key: job.key, frame: job.frame, request: job.request, answer };
      this.error = null;
    } catch (err) {
      this.error = err.message;
    }
    this.busy = false;
    this.notify();
    if (this.wanted) this.next();
  }

  /** The objective changed: the point may not exist any more. */
  reset() {
    this.trace = null;
    this.error = null;
    this.wanted = null;
    const n = state.model?.data?.x_train?.length ?? state.model?.data?.x?.length ?? 0;
    if (this.point !== null && this.point >= n) this.point = null;
    this.picked = false;
    this.notify();
  }
}
