// Server messages are queued as they arrive and applied once per animation frame,
// merging every frame that came in between (a fast run never outpaces the screen). What a
// message says about the stream's lifecycle goes to the session, which owns it.

import { emit } from "../events.js";
import { addFrame, clearRuns, liveRuns, setRunDiagnosis, setRunHyper, setRunStatus } from "../runs.js";
import { state } from "../state.js";
import { normalizeDiagnosis } from "../panels/diagnosis.js";
import { toast } from "../toast.js";

export class Inbox {
  /** @param {{view, controls, session, scrubber, onSlice(msg), onError(message)}} parts */
  constructor({ view, controls, session, scrubber, onSlice, onError }) {
    this.scrubber = scrubber;
    this.view = view;
    this.controls = controls;
    this.session = session;
    this.onSlice = onSlice;
    this.onError = onError;
    this.queue = [];
    this.pending = false;
  }

  receive(msg) {
    if (msg.type === "error") {
      toast(msg.message ?? "The server reported an error.");
      this.onError?.(msg.message ?? "");
      this.scrubber.failed();
      return;
    }
    this.queue.push(msg);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.pending = false;
    const wasPlaying = state.playing;
    let ended = false;
    const slices = [];
    for (const msg of this.queue.splice(0)) {
      switch (msg.type) {
        case "started":
          clearRuns(); // the new runs' frames follow
          for (const r of msg.runs ?? []) {
            setRunHyper(r.run, r.hyper); // (the step arithmetic reads them)
            if (r.run === state.selected && r.hyper) this.controls.fillHyper(r.hyper);
          }
          break;
        case "frames":
          for (const f of msg.frames ?? []) addFrame(f);
          if (msg.frames?.length) this.session.framesArrived();
          break;
        case "past":
          this.scrubber.receivedPast(msg);
          break;
        case "branched":
          this.scrubber.branched(msg); // (before its first frame, in this flush)
          this.session.branched();
          break;
        case "slice":
          slices.push(msg); // drawn after this flush's frames: it is compared with them
          break;
        case "diagnosis":
          setRunDiagnosis(msg.run, normalizeDiagnosis(msg));
          break;
        case "hyper":
          setRunHyper(msg.run, msg.hyper, msg.step);
          if (msg.run === state.selected && msg.hyper) this.controls.fillHyper(msg.hyper);
          break;
        case "opt": {
          // the reply to `inspect`: the terms of the update from the run's current frame
          const f = liveRuns()[msg.run]?.withParams;
          if (f && f.step === msg.step && msg.opt) f.opt = { ...msg.opt, weights: msg.weights };
          break;
        }
        case "status":
          setRunStatus(msg.run, msg.status, msg.reason);
          ended = true;
          break;
        case "done":
          (msg.runs ?? []).forEach((r, i) => {
            if (liveRuns()[i] && !liveRuns()[i].status) setRunStatus(i, r.status, r.reason);
          });
          this.session.ended();
          ended = true;
          break;
        case "state":
          this.session.serverPlaying(msg.playing);
          break;
        default:
          break;
      }
    }
    this.controls.setPlaying(state.playing);
    for (const msg of slices) this.onSlice?.(msg);
    this.view.redraw();
    this.view.updateStatus();
    if (ended || (wasPlaying && !state.playing)) emit("halt");
  }
}
