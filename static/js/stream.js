// WebSocket client for WS /ws/run (see docs/protocol.md).
//
// Messages from the server are handed to `onMessage` in arrival order. Messages that
// belong to a run we have already replaced (sent before the server saw our latest
// `start`) are dropped here, so callers never mix two runs' frames.

/** Messages about the runs of one `start`: moot once another start is on its way. */
const STALE_WITH_RUN = new Set(["frames", "status", "done", "diagnosis", "slice"]);

export class RunStream {
  constructor({ onMessage, onOpen, onClose }) {
    this.onMessage = onMessage;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.ws = null;
    this.pendingStarts = 0; // `start`s sent whose `started` has not arrived yet
    this.detached = false; // the page has let go of the current run (reset): drop its frames
    this.outbox = [];
    this.retryMs = 500;
    this.lastStep = -1; // newest step received of any run (they advance in lock-step), before it is drawn
    this.sentLog = []; // [{type, lastStep}] of recent messages, for tests and debugging
  }

  get url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/ws/run`;
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.retryMs = 500;
      this.pendingStarts = 0;
      const queued = this.outbox.splice(0);
      this.onOpen?.();
      for (const msg of queued) this.send(msg);
    });
    ws.addEventListener("message", (ev) => this.receive(ev.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.onClose?.();
      // Reconnect with back-off (server restarted, laptop slept, …).
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    });
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.onMessage({ type: "error", message: "The server sent a message that is not JSON." });
      return;
    }
    if (msg.type === "frames" && !(this.pendingStarts > 0 || this.detached)) {
      for (const f of msg.frames ?? []) if (f.step > this.lastStep) this.lastStep = f.step;
    }
    if (msg.type === "started") {
      if (this.pendingStarts === 1) this.lastStep = -1;
      this.pendingStarts = Math.max(0, this.pendingStarts - 1);
      if (this.pendingStarts > 0) return; // superseded by a later start
    } else if (msg.type === "error") {
      // A rejected `start` never gets its `started`; do not wait for it forever.
      if (this.pendingStarts > 0) this.pendingStarts -= 1;
    } else if ((this.pendingStarts > 0 || this.detached) && STALE_WITH_RUN.has(msg.type)) {
      return; // from a run we replaced or let go of
    }
    this.onMessage(msg);
  }

  send(msg) {
    if (!this.isOpen) {
      // Keep only the latest intent while disconnected; a `start` makes older messages moot.
      if (msg.type === "start") this.outbox.length = 0;
      this.outbox.push(msg);
      return;
    }
    if (msg.type === "start") {
      this.pendingStarts += 1;
      this.detached = false;
    }
    this.ws.send(JSON.stringify(msg));
    this.sentLog.push({ ...msg, lastStep: this.lastStep });
    if (this.sentLog.length > 50) this.sentLog.shift();
  }

  start(scenario, { paused = false } = {}) { this.send({ type: "start", scenario, paused }); }
  /** Ignore the current run's remaining frames until the next `start`. */
  detach() { this.detached = true; }
  play() { this.send({ type: "play" }); }
  pause() { this.send({ type: "pause" }); }
  step(count = 1) { this.send({ type: "step", count }); }
  set(run, changes) { this.send({ type: "set", run, changes }); }
  speed(stepsPerSecond) { this.send({ type: "speed", steps_per_second: stepsPerSecond }); }
}
