// Nothing lost on a restart: when the socket comes back after the server went away (a
// worker killed and restarted, a laptop that slept), the page asks the new server to
// `replay` its runs — the scenario it started plus every live change, each at the step
// the server applied it — up to the step it had shown, checks that the replayed frame
// is the one it holds, and goes on, playing or paused as before (docs/protocol.md).
//
// ReplayLog records what a replay needs as it happens: the scenario of the last `start`
// sent, and each `hyper` reply (every hyperparameter in force from `step + 1` on).
// Restorer runs the reconnect: lost() when the socket closes, resume() when it is back.

import { setRunStatus } from "../runs.js";
import { state } from "../state.js";
import { toast } from "../toast.js";

/** Two numbers are the same frame's if they agree to this relative tolerance: JSON carries
 * floats exactly, so a replay by the same code gives the same bits; the tolerance only
 * covers a server whose linear algebra adds in another order. */
const SAME = 1e-9;

export class ReplayLog {
  constructor() {
    this.scenario = null; // as the last `start` sent it
    this.edits = []; // [{run, step, changes}] in the order the server applied them
  }

  /** A message the page sent: a `start` begins a new log. */
  sent(msg) {
    if (msg.type !== "start") return;
    this.scenario = structuredClone(msg.scenario);
    this.edits = [];
  }

  /** A `hyper` reply: the run's hyperparameters in force from the step after `step`. */
  hyper(msg) {
    if (this.scenario === null || typeof msg.step !== "number") return;
    const last = this.edits.at(-1);
    if (last && last.run === msg.run && last.step === msg.step) last.changes = msg.hyper;
    else this.edits.push({ run: msg.run, step: msg.step, changes: msg.hyper });
  }

  /** The `replay` message that rebuilds the runs up to `step`; null if none started. */
  request(step, { paused, speed }) {
    if (this.scenario === null) return null;
    const scenario = { ...this.scenario, speed };
    return { type: "replay", scenario, edits: this.edits, step, paused };
  }
}

/** The step the page shows: the newest frame of any run (they advance in lock-step). */
export function shownStep(runs) {
  let step = -1;
  for (const r of runs) if (r.last && r.last.step > step) step = r.last.step;
  return step;
}

const same = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= SAME * Math.max(1, Math.abs(a), Math.abs(b)));

/**
 * Where a `replayed` message differs from the frames the page holds: a sentence naming
 * the run and the number, or "" if every run's frame is the one shown.
 */
export function mismatch(replayed, runs) {
  for (const r of replayed.runs ?? []) {
    const held = runs[r.run]?.last;
    const who = `run ${r.run + 1}`;
    if (!held) return `${who}: no frame here to compare`;
    if (held.step !== r.step) return `${who}: step ${held.step} here, ${r.step} replayed`;
    if (!same(held.loss, r.loss)) return `${who}: loss ${held.loss} here, ${r.loss} replayed at step ${r.step}`;
    const withParams = runs[r.run].withParams; // a network's frames carry weights now and then
    const params = withParams?.step === r.step ? withParams.params : null;
    if (params && (params.length !== r.params.length || params.some((p, i) => !same(p, r.params[i])))) {
      return `${who}: its weights at step ${r.step} differ`;
    }
  }
  return "";
}

export class Restorer {
  /** @param {{stream, session, view, log: ReplayLog, onRestored()}} parts */
  constructor({ stream, session, view, log, onRestored }) {
    this.stream = stream;
    this.session = session;
    this.view = view;
    this.log = log;
    this.onRestored = onRestored;
    this.lostAt = null; // what the page showed when its server went away
    this.pending = null; // the `replay` sent, until `replayed` (or a refusal) comes
    this.outcome = ""; // the last restore's outcome, for tests: "restored at N" or why not
    this.restores = 0; // how many have ended (restored or not)
  }

  /** The socket closed: remember whether the page was playing a stream it can rebuild
   * (each failed attempt to reconnect closes again: the first close says). */
  lost() {
    if (this.pending) return; // lost again while restoring: keep what was shown before
    if (state.server === "active" || state.server === "done") {
      this.lostAt = { playing: state.playing && state.server === "active" };
    }
  }

  /** The socket is back: send the replay and return true, or false (start afresh). */
  resume() {
    const lostAt = this.lostAt;
    this.lostAt = null;
    const step = shownStep(state.runs);
    const msg = lostAt && step >= 0 && this.log.request(step, { paused: !lostAt.playing, speed: state.scenario.speed });
    if (!msg) return false;
    this.pending = msg;
    this.stream.send(msg);
    this.view.showStatus("loading", `Reconnected to the server: restoring the run at step ${step}…`);
    return true;
  }

  /** Handle `replaying`, `replayed` (and a refusal of the replay); true if it was ours. */
  receive(msg) {
    if (msg.type === "hyper") this.log.hyper(msg); // recorded, and shown as usual
    if (!this.pending) return false;
    if (msg.type === "replaying") {
      this.view.showStatus("loading", `Reconnected to the server: restoring the run (step ${msg.step} of ${msg.of})…`);
      return true;
    }
    if (msg.type === "error" && /^(replay|message)\b/.test(msg.message ?? "")) {
      this.fail(`the server refused to restore it (${msg.message})`);
      return true;
    }
    if (msg.type !== "replayed") return false;
    const problem = mismatch(msg, state.runs);
    if (problem) {
      this.fail(`its replay differs from what was shown (${problem})`);
      return true;
    }
    const { paused } = this.pending;
    this.pending = null;
    for (const r of msg.runs) if (r.status && !state.runs[r.run]?.status) setRunStatus(r.run, r.status, r.reason);
    this.session.replayed({ ended: msg.runs.every((r) => r.status), playing: !paused });
    this.outcome = `restored at ${msg.step}`;
    this.restores += 1;
    this.onRestored();
    const how = state.playing ? "goes on from" : state.server === "done" ? "is back, ended, at" : "is back, paused, at";
    toast(`Reconnected: the run ${how} step ${msg.step}.`, "info");
    return true;
  }

  fail(why) {
    const step = this.pending?.step;
    this.pending = null;
    this.outcome = `not restored: ${why}`;
    this.restores += 1;
    toast(`Reconnected, but the run at step ${step} could not be restored: ${why}. The runs are back at the start.`, "warning");
    this.onRestored({ fresh: true });
  }
}
