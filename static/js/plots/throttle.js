// Run a redraw at most every `minMs`, or slower if the redraw itself is slow (WebGL
// under software rendering can take 100 ms), but never slower than `maxMs`.
// The last call always runs: the plot ends on the latest state.

export class AdaptiveThrottle {
  constructor(minMs = 60, factor = 2, maxMs = 1000) {
    this.minMs = minMs;
    this.factor = factor;
    this.maxMs = maxMs;
    this.cost = 0; // moving average of a redraw's duration (one slow first draw must not stall it)
    this.last = -Infinity;
    this.timer = null;
    this.job = null;
    this.busy = false;
  }

  get interval() {
    return Math.min(this.maxMs, Math.max(this.minMs, this.factor * this.cost));
  }

  /** Schedule `job` (a function returning a promise or nothing); replaces any queued job. */
  run(job) {
    this.job = job;
    this.kick();
  }

  kick() {
    if (this.busy || this.timer || !this.job) return;
    const wait = this.last + this.interval - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => { this.timer = null; this.kick(); }, wait);
      return;
    }
    const job = this.job;
    this.job = null;
    this.busy = true;
    const t0 = performance.now();
    Promise.resolve()
      .then(job)
      .catch(() => {})
      .finally(() => {
        const took = performance.now() - t0;
        this.cost = this.cost === 0 ? Math.min(took, this.maxMs / this.factor) : 0.7 * this.cost + 0.3 * took;
        this.last = performance.now();
        this.busy = false;
        this.kick();
      });
  }

  /** Run the queued job as soon as the one running (if any) is done, without waiting. */
  hurry() {
    if (!this.job) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.last = -Infinity;
    this.kick();
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
    this.job = null;
  }
}

/** `fn`, called at most once per animation frame however often the result is called. */
export function perFrame(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}
