// Scrub and branch (issue 17, docs/protocol.md `past` and `branch`): the step slider under
// the plots. Dragging it back shows every view at that step: the View draws `runsAt(k)` —
// each run cut to its frames up to k, its newest frame the one at k — instead of the live
// runs. The page keeps every frame it was sent; where a frame is thin (a network's weights
// ride only on the newest frame of each message) it asks the server for the whole frame
// (`past`, one at a time). "Branch from here" asks the server for a new run that goes on
// from the selected run's exact state at that step with other hyperparameters or schedule.

import { emit } from "../events.js";
import { fmt } from "../format.js";
import { SCHEDULES, SCHEDULE_FIELDS } from "../panels/run-options.js";
import { addRun, countUpTo, emptyRun, liveRuns, runAt, setScrub, shortName, showRuns } from "../runs.js";
import { state } from "../state.js";
import { toast } from "../toast.js";

const $ = (id) => document.getElementById(id);
const PAST_KEPT = 64; // whole frames the server sent back, kept for scrubbing to and fro
export class Scrubber {
  /** @param {{stream, session, view, onBranched(i)}} parts */
  constructor({ stream, session, view, joinScenario, onBranched }) {
    Object.assign(this, { stream, session, view, joinScenario, onBranched });
    this.bar = $("scrub-bar");
    this.slider = $("scrub-slider");
    this.label = $("scrub-label");
    this.liveBtn = $("scrub-live");
    this.box = $("branch-box");
    this.fields = $("branch-fields");
    this.whole = new Map(); // "run:step" → a whole frame from `past`
    this.asked = null; // the `past` on its way ("run:step")
    this.slider.addEventListener("input", () => this.drag(Number(this.slider.value)));
    this.liveBtn.addEventListener("click", () => this.live());
    this.box.addEventListener("toggle", () => { if (this.box.open) this.fillForm(); });
    $("branch-schedule").addEventListener("change", () => this.showScheduleFields());
    $("branch-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.branch();
    });
  }

  /** The newest step any run has reached. */
  get newest() {
    return Math.max(0, ...liveRuns().map((r) => r.steps.at(-1) ?? 0));
  }

  /** The step shown: the scrubbed one, else the newest. */
  get shown() {
    return state.scrub ?? this.newest;
  }

  /** Put in `state.runs` — what every view reads — the live runs, or each run as it was at
   * the scrubbed step (the same objects until the step, the runs or the whole frames
   * change: a view that asks the server about "this run" asks once). */
  apply() {
    const live = liveRuns();
    if (state.scrub === null) {
      showRuns(live);
      return;
    }
    const k = state.scrub;
    const key = `${k}:${live.map((r) => r.steps.length).join(",")}:${[...this.whole.keys()].join(",")}`;
    if (this.memo?.key !== key || this.memo.live !== live) {
      const at = live.map((r, i) => runAt(r, k, this.whole.get(`${i}:${this.frameStep(r, k)}`) ?? null));
      this.memo = { key, live, at };
    }
    showRuns(live, this.memo.at);
  }

  frameStep(run, k) {
    const n = countUpTo(run.steps, k);
    return n ? run.steps[n - 1] : 0;
  }

  drag(k) {
    if (state.playing) this.session.playPause(); // (pause to look back)
    setScrub(k >= this.newest ? null : k);
    this.askWhole();
    this.view.redraw();
    this.view.updateStatus();
    this.update();
    if (this.box.open) this.fillForm();
  }

  live() {
    setScrub(null);
    this.box.open = false;
    this.view.redraw();
    this.view.updateStatus();
    this.update();
  }

  /** The selected run's frame at the scrubbed step is thin: ask for the whole of it. */
  askWhole() {
    const i = state.selected;
    const run = liveRuns()[i];
    if (state.scrub === null || !run) return;
    const step = this.frameStep(run, state.scrub);
    const frame = run.frames[countUpTo(run.steps, state.scrub) - 1];
    const key = `${i}:${step}`;
    if (!frame || frame.params || this.whole.has(key) || this.asked) return;
    // before a branch's step its frames are its parent's: the parent has them
    let from = i;
    for (let spec = state.scenario.runs[from]; spec?.branch_of != null && step < spec.branch_at; spec = state.scenario.runs[from]) from = spec.branch_of;
    this.asked = key;
    this.stream.send({ type: "past", run: from, step });
  }

  /** The server's `past` reply (for the run that asked: a branch's may come from its parent). */
  receivedPast(msg) {
    const key = this.asked ?? `${msg.run}:${msg.step}`;
    this.asked = null;
    this.whole.set(key, msg.frame);
    if (this.whole.size > PAST_KEPT) this.whole.delete(this.whole.keys().next().value);
    this.askWhole(); // the student may have dragged on meanwhile
  }

  /** A `past` or `branch` was refused (the message is shown as a toast). */
  failed() {
    this.asked = null;
  }

  /** The slider follows the runs (after every redraw). */
  update() {
    const newest = this.newest;
    this.bar.hidden = !liveRuns().some((r) => r.steps.length > 1);
    this.slider.max = String(newest);
    this.slider.value = String(this.shown);
    const back = state.scrub !== null;
    this.label.textContent = back ? `step ${state.scrub} of ${newest}` : `step ${newest} (newest)`;
    this.liveBtn.disabled = !back;
    document.body.dataset.scrub = back ? String(state.scrub) : "";
  }

  // ---------- branch ----------

  /** The form: the selected run's hyperparameters at the step (editable), a schedule. */
  fillForm() {
    const i = state.selected;
    const spec = state.scenario.runs[i];
    const opt = state.optimizers.get(spec.optimizer);
    const hyper = { ...(liveRuns()[i]?.hyper ?? {}) };
    const frame = state.runs[i]?.last;
    $("branch-title").textContent = `Branch run ${i + 1} (${shortName(spec.optimizer)}) from step ${this.shown}`;
    if (frame && typeof frame.lr === "number" && (!spec.schedule || spec.schedule === "constant")) hyper.lr = frame.lr;
    this.fields.replaceChildren(...Object.entries(opt?.params ?? {}).map(([name, p]) => {
      const label = document.createElement("label");
      const value = hyper[name] ?? spec[name] ?? p.default;
      label.innerHTML = `<span></span>`;
      label.firstChild.textContent = name === "lr" ? "learning rate η" : (p.doc ?? name).split(" (")[0];
      const input = document.createElement("input");
      input.name = name;
      input.className = "num";
      input.value = Array.isArray(value) ? value.join(",") : String(value);
      input.dataset.was = input.value;
      label.append(input);
      return label;
    }));
    const select = $("branch-schedule");
    select.replaceChildren(new Option(`keep (${spec.schedule ?? "constant"})`, ""),
      ...Object.keys(SCHEDULES).map((k) => new Option(k.replace("_", "+"), k)));
    this.showScheduleFields();
  }

  showScheduleFields() {
    const kind = $("branch-schedule").value;
    const box = $("branch-schedule-fields");
    box.replaceChildren(...(SCHEDULES[kind]?.fields ?? []).map((name) => {
      const f = SCHEDULE_FIELDS[name];
      const label = document.createElement("label");
      label.innerHTML = `<span>${f.label}</span>`;
      const input = document.createElement("input");
      input.name = name;
      input.className = "num";
      input.value = String(name === "T_max" ? Math.max(1, state.scenario.steps - this.shown) : f.default ?? "");
      label.append(input);
      return label;
    }));
  }

  /** The changes the form asks for: the values edited, and a schedule if one is chosen. */
  changes() {
    const out = {};
    for (const input of this.fields.querySelectorAll("input")) {
      if (input.value.trim() === input.dataset.was) continue;
      const parts = input.value.split(",").map((s) => Number(s.trim()));
      out[input.name] = parts.length > 1 ? parts : parts[0];
    }
    const kind = $("branch-schedule").value;
    if (kind) {
      out.schedule = kind;
      for (const input of $("branch-schedule-fields").querySelectorAll("input")) out[input.name] = Number(input.value);
    }
    return out;
  }

  branch() {
    const changes = this.changes();
    if (!Object.keys(changes).length) {
      toast("Change η, a hyperparameter or the schedule first: a branch with the same settings would retrace the run.", "warning");
      return;
    }
    this.sentChanges = changes;
    this.stream.send({ type: "branch", run: state.selected, step: this.shown, changes });
  }

  /** The server's `branched`: the new run joins the scenario (and the link) beside its parent. */
  branched(msg) {
    this.joinScenario(msg.spec); // (the editor's: the scenario and the link gain the run)
    const run = emptyRun();
    run.hyper = msg.hyper;
    setScrub(null);
    this.apply();
    addRun(run); // (its frames from step msg.step follow; the parent's before it are copied then)
    this.box.open = false;
    emit("runs");
    this.onBranched(msg.run);
    const what = Object.entries(this.sentChanges ?? {}).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(",") : typeof v === "number" ? fmt(v) : v}`).join(", ");
    toast(`Run ${msg.run + 1} branches from run ${msg.of + 1} at step ${msg.step}${what ? ` with ${what}` : ""}.`, "info");
  }
}
