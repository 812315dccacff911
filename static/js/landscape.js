// WebSocket client for WS /ws/landscape (docs/landscape.md): sweeps, basin maps and
// scattered starts, with progress and cancel. One job at a time, as the server runs
// them per socket; a new job replaces the one still running. The socket is opened
// when the first job is asked for and reopened if it drops.

import { serverBusyText } from "./status.js";
import { BUSY } from "./stream.js";

export class LandscapeClient {
  /**
   * @param {{onProgress(job), onEnd(job)}} h  job: {id, kind, fraction, state} where state is
   *   "queued" | "running" | "done" | "cancelled" | "error"
   */
  constructor(h) {
    this.h = h;
    this.ws = null;
    this.nextId = 1;
    this.job = null; // {id, kind, fraction, state, resolve, reject}
    this.outbox = [];
    this.log = []; // messages sent, for tests and debugging
  }

  get url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/ws/landscape`;
  }

  connect() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      for (const msg of this.outbox.splice(0)) this.send(msg);
    });
    ws.addEventListener("message", (ev) => this.receive(ev.data));
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // A job in flight is lost with its socket (the server cancels it).
      const why = ev.code === BUSY ? `${serverBusyText(ev.reason)} Try again in a moment.`
        : "lost the connection to the server; try again";
      this.finish("error", new Error(why));
    });
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.outbox.push(msg);
      this.connect();
      return;
    }
    this.ws.send(JSON.stringify(msg));
    this.log.push(msg);
    if (this.log.length > 20) this.log.shift();
  }

  /**
   * Run a job; resolves with its result, or rejects (err.cancelled = true when it was
   * cancelled or replaced by a newer job).
   */
  run(kind, request) {
    if (this.job) this.finish("cancelled", Object.assign(new Error("replaced by a newer job"), { cancelled: true }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.job = { id, kind, fraction: 0, state: "running", resolve, reject };
      this.send({ type: "run", id, kind, request });
      this.h.onProgress(this.job);
    });
  }

  cancel() {
    if (!this.job) return;
    this.send({ type: "cancel", id: this.job.id });
    // Stop showing progress now; the server's `cancelled` confirms within one chunk.
    this.finish("cancelled", Object.assign(new Error("cancelled"), { cancelled: true }));
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    const job = this.job;
    if (msg.type === "error" && (msg.id === null || msg.id === undefined) && job) {
      this.finish("error", new Error(msg.message));
      return;
    }
    if (!job || msg.id !== job.id) return; // an old job's late messages
    if (msg.type === "progress") {
      job.fraction = Math.max(job.fraction, Number(msg.fraction) || 0);
      this.h.onProgress(job);
    } else if (msg.type === "result") {
      this.finish("done", null, msg.result);
    } else if (msg.type === "cancelled") {
      this.finish("cancelled", Object.assign(new Error("cancelled"), { cancelled: true }));
    } else if (msg.type === "error") {
      this.finish("error", new Error(msg.message));
    }
  }

  finish(stateName, err, result) {
    const job = this.job;
    if (!job) return;
    this.job = null;
    job.state = stateName;
    if (stateName === "done") job.fraction = 1;
    this.h.onEnd(job, err);
    if (err) job.reject(err);
    else job.resolve(result);
  }
}
