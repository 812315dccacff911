// WebSocket client for WS /ws/run (see docs/protocol.md).
//
// Messages from the server are handed to `onMessage` in arrival order. Messages that
// belong to a run we have already replaced (sent before the server saw our latest
// `start`) are dropped here, so callers never mix two runs' frames.

export class RunStream {
  constructor({ onMessage, onOpen, onClose }) {
    this.onMessage = onMessage;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.ws = null;
    this.pendingStarts = 0; // `start`s sent whose `started` has not arrived yet
    this.outbox = [];
    this.retryMs = 500;
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
    if (msg.type === "started") {
      this.pendingStarts = Math.max(0, this.pendingStarts - 1);
      if (this.pendingStarts > 0) return; // superseded by a later start
    } else if (msg.type === "error") {
      // A rejected `start` never gets its `started`; do not wait for it forever.
      if (this.pendingStarts > 0) this.pendingStarts -= 1;
    } else if (this.pendingStarts > 0 && (msg.type === "frames" || msg.type === "status" || msg.type === "done")) {
      return; // from the run we are replacing
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
    if (msg.type === "start") this.pendingStarts += 1;
    this.ws.send(JSON.stringify(msg));
  }

  start(scenario) { this.send({ type: "start", scenario }); }
  play() { this.send({ type: "play" }); }
  pause() { this.send({ type: "pause" }); }
  step(count = 1) { this.send({ type: "step", count }); }
  set(run, changes) { this.send({ type: "set", run, changes }); }
  speed(stepsPerSecond) { this.send({ type: "speed", steps_per_second: stepsPerSecond }); }
}
