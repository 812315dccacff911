// The connection and the play / pause / step / reset lifecycle of the one stream that
// carries every run. The Session owns `state.socketOpen`, `state.server`, `state.playing`
// and `state.updateStale`: the socket, the inbox and the editor tell it what happened and it
// writes them.
//
// As the student sees it:
//   at start  — Reset, a new surface, a click while paused, or a setting the live
//               `set` cannot carry: every run waits at step 0. Frame 0 (loss, gradient,
//               first update) comes from POST /api/run with a one-step budget; no
//               stream is running.
//   running   — Play sends `start` (from the start, all runs) or `play` (mid-run).
//   paused    — Pause, or Step (one step, then paused).
//   ended     — every run has a status; Play starts them all again.

import { fetchStartFrames } from "../api.js";
import { emit } from "../events.js";
import { normalizeDiagnosis } from "../panels/diagnosis.js";
import { addFrame, clearRuns, setRunDiagnosis, setRunStatus, setScrub } from "../runs.js";
import { scenarioForServer, state } from "../state.js";
import { serverBusyText } from "../status.js";
import { toast } from "../toast.js";
import { touchFirst } from "../pointer.js";

const PREVIEW_DELAY_MS = 120; // let a burst of edits settle before asking for frame 0

export class Session {
  /** @param {{stream: import("../stream.js").RunStream, view: import("../view.js").View, controls}} parts */
  constructor({ stream, view, controls }) {
    this.stream = stream;
    this.view = view;
    this.controls = controls;
    this.previewToken = 0;
    this.previewTimer = null;
  }

  setPlaying(playing) {
    state.playing = playing;
    this.controls.setPlaying(playing);
  }

  // ---------- the connection ----------

  /** The socket is open (again): wait at the start. */
  connected() {
    state.socketOpen = true;
    this.goToStart();
  }

  /** The socket is back and the runs were restored from a replay (session/replay.js) — or,
   *  `fresh`, could not be: then wait at the start. */
  restored({ fresh }) {
    state.socketOpen = true;
    if (fresh) this.goToStart();
    else this.view.updateStatus();
  }

  /** A replay rebuilt the runs where they were: a stream is behind the page again (ended,
   *  or paused, or playing). */
  replayed({ ended, playing }) {
    state.server = ended ? "done" : "active";
    this.setPlaying(playing && !ended);
  }

  /** The socket closed: say why, and that it is being opened again (stream.js retries;
   *  after an idle close, at the student's first click or key). */
  disconnected({ busy, idle, reason, retryInMs }) {
    state.socketOpen = false;
    state.server = "none";
    this.setPlaying(false);
    if (idle) {
      this.view.showStatus("offline", touchFirst() ? "Disconnected while idle; it reconnects as soon as you tap the page."
        : "Disconnected while idle; it reconnects as soon as you click or press a key.");
    } else if (busy) {
      const secs = Math.max(1, Math.round(retryInMs / 1000));
      this.view.showStatus("busy", `${serverBusyText(reason)} Trying again in ${secs} s…`);
    } else {
      this.view.showStatus("offline", "Lost the connection to the gdviz server; reconnecting…");
    }
  }

  // ---------- what the server says (the inbox passes it on) ----------

  /** Every run has ended (`done`). */
  ended() {
    state.server = "done";
    state.playing = false;
  }

  /** A branch joined the runs: the stream is active again; it plays. */
  branched() {
    state.server = "active";
    setScrub(null);
    this.stream.play();
    this.setPlaying(true);
  }

  /** The server's `state`: whether it is playing (only while a stream is active). */
  serverPlaying(playing) {
    state.playing = Boolean(playing) && state.server === "active";
  }

  /** New frames: the update they carry is computed with the values now set. */
  framesArrived() {
    state.updateStale = false;
  }

  /** Stop whatever streams (a new objective is on its way): no stream behind the page. */
  stop() {
    if (state.server === "active") this.stream.pause();
    this.stream.detach();
    state.server = "none";
    state.updateStale = false;
    this.setPlaying(false);
  }

  /** Back to the start points, waiting (no stream); shows frame 0 from POST /api/run. */
  goToStart() {
    this.stop();
    clearRuns();
    this.view.redraw();
    this.view.updateStatus();
    this.loadStartFrames(); // says "halt" once frame 0 is shown
  }

  /** Frame 0 of every run, soon (edits in a burst ask once). */
  previewSoon() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.loadStartFrames(), PREVIEW_DELAY_MS);
  }

  async loadStartFrames() {
    clearTimeout(this.previewTimer);
    const token = ++this.previewToken;
    let frames;
    try {
      frames = await fetchStartFrames(scenarioForServer());
    } catch (err) {
      if (token === this.previewToken) toast(`Could not compute the start: ${err.message}`);
      return;
    }
    if (token !== this.previewToken || state.server !== "none") return;
    clearRuns();
    frames.forEach((f, i) => {
      const { diagnosis, ...frame } = f;
      addFrame({ run: i, ...frame });
      if (f.status) setRunStatus(i, f.status, f.reason);
      if (diagnosis) setRunDiagnosis(i, normalizeDiagnosis(diagnosis, 0));
    });
    this.view.redraw();
    this.view.updateStatus();
    emit("halt");
  }

  /** Start the stream from the start points: playing, or (oneStep) exactly one step then paused. */
  startStream({ oneStep = false } = {}) {
    this.previewToken += 1; // a start-frame request still in flight is now stale
    clearTimeout(this.previewTimer);
    state.server = "active";
    state.updateStale = false;
    if (oneStep) {
      this.stream.start(scenarioForServer(), { paused: true }); // frame 0, then wait
      this.stream.step(1);
      this.setPlaying(false);
    } else {
      this.stream.start(scenarioForServer());
      this.setPlaying(true);
    }
    this.view.updateStatus();
  }

  /**
   * Settings changed that a live `set` cannot carry (optimizer, schedule, a run added…):
   * from the start again — still playing if it was, else waiting at step 0.
   */
  restart() {
    if (!state.socketOpen) return;
    if (state.playing) this.startStream();
    else this.goToStart();
  }

  playPause() {
    if (!state.socketOpen) return;
    if (state.playing) {
      this.stream.pause();
      this.setPlaying(false);
      emit("halt");
    } else if (state.server === "active") {
      setScrub(null); // (playing shows the newest step)
      this.stream.play();
      this.setPlaying(true);
    } else {
      this.startStream(); // waiting at the start, or the runs have ended: play from the start
      return;
    }
    this.view.updateStatus();
  }

  stepOnce() {
    if (!state.socketOpen) return;
    if (state.server === "active") {
      setScrub(null);
      this.stream.step(1);
      this.setPlaying(false);
      this.view.updateStatus();
    } else {
      this.startStream({ oneStep: true });
    }
  }

  reset() {
    if (state.socketOpen) this.goToStart();
  }

  /**
   * Hyperparameter changes of one run: live to a stream whose run is still going (from its
   * next step), else to the start preview. A run that has ended keeps no verdict made with
   * other values: the runs go back to the start with the new ones (or start again, if
   * playing), as for a setting the live `set` cannot carry.
   */
  applyLive(run, changes) {
    if (state.server === "none") {
      this.previewSoon();
    } else if (state.server === "active" && state.runs[run] && !state.runs[run].status) {
      this.stream.set(run, changes);
      if (run === state.selected) state.updateStale = true; // the shown `update` used the old values
    } else {
      this.restart();
    }
  }
}
