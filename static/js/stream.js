// WebSocket client for WS /ws/run (see docs/protocol.md).
//
// Messages from the server are handed to `onMessage` in arrival order. Messages that
// belong to a run we have already replaced (sent before the server saw our latest
// `start`) are dropped here, so callers never mix two runs' frames.

/** Messages about the runs of one `start`: moot once another start is on its way. */
const STALE_WITH_RUN = new Set(["frames", "status", "done", "diagnosis", "slice", "hyper"]);

/** Close code of a server at its connection cap ("try again later"; README, Limits). */
export const BUSY = 1013;
const RETRY_MS = 500; // first reconnect after a lost connection, doubling to RETRY_MAX_MS
const RETRY_MAX_MS = 8000;
// A full server is asked again after 2 s, doubling to 30 s, each wait spread ±25 % so
// a refused classroom does not come back in one burst every half second.
const BUSY_RETRY_MS = 2000;
const BUSY_RETRY_MAX_MS = 30000;
const HEALTHY_AFTER_MS = 2000; // a socket open this long resets the back-off
const BUSY_ADMIT_MS = 400; // after a BUSY close, a socket still open this long was admitted

/**
 * How long to wait before connecting again after a close, and the next wait.
 * @returns {{waitMs: number, nextMs: number}}
 */
export function reconnectDelay(retryMs, busy, random = Math.random) {
  if (!busy) return { waitMs: retryMs, nextMs: Math.min(retryMs * 2, RETRY_MAX_MS) };
  const base = Math.max(retryMs, BUSY_RETRY_MS);
  return { waitMs: Math.round(base * (0.75 + 0.5 * random())), nextMs: Math.min(base * 2, BUSY_RETRY_MAX_MS) };
}

export class RunStream {
  /** onClose({code, reason, busy, retryInMs}): the socket closed; it reconnects by itself.
   * onSend(msg): a message went out (session/replay.js keeps the `start`). */
  constructor({ onMessage, onOpen, onClose, onSend }) {
    this.onMessage = onMessage;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.onSend = onSend;
    this.ws = null;
    this.pendingStarts = 0; // `start`s sent whose `started` has not arrived yet
    this.detached = false; // the page has let go of the current run (reset): drop its frames
    this.outbox = [];
    this.retryMs = RETRY_MS;
    this.healthyTimer = null;
    this.announced = null; // the socket the page was told is open
    this.announceTimer = null;
    this.lastCloseBusy = false;
    this.lastStep = -1; // newest step received of any run (they advance in lock-step), before it is drawn
    this.sentLog = []; // [{type, lastStep}] of recent messages, for tests and debugging
  }

  get url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/ws/run`;
  }

  /** Open and announced to the page (onOpen called): messages go straight out. */
  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.announced === this.ws;
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      // The back-off resets only once a socket has stayed open: a full server accepts
      // and then closes with BUSY straight away.
      clearTimeout(this.healthyTimer);
      this.healthyTimer = setTimeout(() => { this.retryMs = RETRY_MS; }, HEALTHY_AFTER_MS);
      // After a BUSY close, wait a moment before telling the page we are in, so a
      // second refusal does not flash "ready" between two "server full"s.
      clearTimeout(this.announceTimer);
      if (this.lastCloseBusy) this.announceTimer = setTimeout(() => this.announce(ws), BUSY_ADMIT_MS);
      else this.announce(ws);
    });
    ws.addEventListener("message", (ev) => this.receive(ev.data));
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      clearTimeout(this.healthyTimer);
      clearTimeout(this.announceTimer);
      // Reconnect with back-off (server restarted, laptop slept, server full, …).
      const busy = ev.code === BUSY;
      this.lastCloseBusy = busy;
      const { waitMs, nextMs } = reconnectDelay(this.retryMs, busy);
      this.retryMs = nextMs;
      this.onClose?.({ code: ev.code, reason: ev.reason, busy, retryInMs: waitMs });
      setTimeout(() => this.connect(), waitMs);
    });
  }

  announce(ws) {
    if (this.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
    this.announced = ws;
    this.pendingStarts = 0;
    const queued = this.outbox.splice(0);
    this.onOpen?.();
    for (const msg of queued) this.send(msg);
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
    this.onSend?.(msg);
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
