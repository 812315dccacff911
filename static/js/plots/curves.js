// Per-step line plots — loss, gradient norm, learning rate — one line per shown run
// (redrawn whole; the plots share one throttle, so together they take at most a
// sixth of the main thread however many there are). They follow the page's theme: light
// in the light theme, each run in its colour darkened until it reads on white (runInk:
// run 4's white path is a grey line), and dark with theme=dark (dress.js), where the run
// colours read as they are.

import { LOOK } from "../look.js";
import { CONFIG, FONT, fitToContainer, runColor, runInk } from "./theme.js";
import { dressed, logLabels, logSpan } from "./dress.js";
import { OnScreen } from "./on-screen.js";
import { thinLine } from "./thin.js";
import { AdaptiveThrottle } from "./throttle.js";

const PLOT_BG = "#ffffff";
const GRID = "#dde1e6";
/** A run's line colour in this theme (dress.js turns the ground dark for theme=dark). */
export const lineColor = (r) => (LOOK.dark ? runColor(r) : runInk(r));

export class CurvePlot {
  /**
   * @param {HTMLElement} el
   * @param {{yTitle: string, log: boolean, key: string, group: CurveGroup}} opts
   */
  constructor(el, { yTitle, log, key, group, pad = false, series = null, range = null }) {
    this.pad = pad; // keep flat lines off the plot's edges (η is often constant)
    this.range = range; // a fixed y range (accuracy: 0 … 1)
    this.el = el;
    this.yTitle = yTitle;
    this.log = log;
    this.key = key; // which per-run array to plot: "losses", "gradnorms" or "lrs"
    // lines per run: [{key, dash, what}] — e.g. train loss solid and test loss dashed
    this.series = series ?? [{ key, dash: "solid", what: "" }];
    this.runs = [];
    this.group = group;
    this.screen = group.watch(this);
    fitToContainer(el);
  }

  draw() {
    const size = { w: this.el.clientWidth, h: this.el.clientHeight };
    const data = this.data();
    return Plotly.react(this.el, ...dressed(data, this.layout(data), { size }), CONFIG);
  }

  layout(data) {
    const shown = this.runs.filter((r) => !r.hidden).length;
    return {
      font: FONT,
      margin: { l: 40, r: 12, t: shown > 1 ? 30 : 8, b: 42 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: PLOT_BG,
      // With two or more runs, a key of run numbers above the plot (the run list says
      // what each is), on the plot's dark colour so every run colour shows.
      showlegend: shown > 1,
      legend: {
        orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "bottom",
        bgcolor: "rgba(0,0,0,0)", font: { size: 13, color: "#111" }, itemwidth: 30, tracegroupgap: 0,
      },
      hovermode: "x",
      dragmode: false,
      xaxis: { title: { text: "step", standoff: 2 }, rangemode: "tozero", gridcolor: GRID, zeroline: false, ticks: "outside", fixedrange: true },
      yaxis: this.yAxis(data),
    };
  }

  /** The y axis; a log axis's labels fitted to the decades its lines span (dress.js logLabels). */
  yAxis(data) {
    const labels = this.log ? logLabels(logSpan(data)) : { exponentformat: "power" };
    return {
      title: { text: this.yTitle, standoff: 8 }, automargin: true, type: this.log ? "log" : "linear", gridcolor: GRID,
      zeroline: false, ...labels, ticks: "outside", fixedrange: true, nticks: 4,
      ...(this.range ? { range: this.range } : this.paddedRange()),
    };
  }

  /** A y range with a margin around the shown values (or nothing: Plotly's own). */
  paddedRange() {
    if (!this.pad) return {};
    let lo = Infinity;
    let hi = -Infinity;
    for (const run of this.runs) {
      if (run.hidden) continue;
      for (const v of run[this.key]) {
        if (v === null || !Number.isFinite(v) || (this.log && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(lo <= hi)) return {};
    if (this.log) {
      const [a, b] = [Math.log10(lo), Math.log10(hi)];
      const m = Math.max((b - a) * 0.08, 0.25);
      return { range: [a - m, b + m] };
    }
    const m = Math.max((hi - lo) * 0.08, Math.abs(hi) * 0.1, 1e-12);
    return { range: [lo - m, hi + m] };
  }

  data() {
    const lines = [];
    const now = []; // each run's newest point (where it is now): a dot at the end of its line
    const buckets = Math.max(60, this.el.clientWidth || 0); // about one slice per px (thin.js)
    this.series.forEach(({ key, dash, what }, s) => {
      this.runs.forEach((run, r) => {
        const label = `${(run.label ?? `run ${r + 1}`).replace(/%/g, "%%")}${what ? ` (${what})` : ""}`;
        const [x, y] = thinLine(run.steps, run[key], buckets, this.log);
        const marker = { size: 9, color: lineColor(r), symbol: dash === "solid" ? "circle" : "circle-open" };
        lines.push({
          // a lone first point (step 0) is invisible as a line: show it as a dot
          type: "scatter", mode: x.length < 2 ? "markers" : "lines", x, y,
          name: String(r + 1), visible: !run.hidden, showlegend: s === 0, legendgroup: String(r),
          line: { color: lineColor(r), width: dash === "solid" ? 3 : 2.5, dash }, marker,
          hovertemplate: `${label} — step %{x}: %{y:.3g}<extra></extra>`,
        });
        // (a trace of its own: a marker on every point of the line would be an SVG node per point)
        if (x.length >= 2) {
          now.push({
            type: "scatter", mode: "markers", x: x.slice(-1), y: y.slice(-1), meta: "now",
            name: `${r + 1} now`, visible: !run.hidden, showlegend: false, legendgroup: String(r), marker, hoverinfo: "skip",
          });
        }
      });
    });
    return [...lines, ...now];
  }

  /** Which per-run arrays to draw (e.g. a network's train and test loss). */
  setSeries(series, yTitle = this.yTitle) {
    this.series = series;
    this.yTitle = yTitle;
    this.sig = "";
  }

  /** Show these runs (objects with `steps`, the keyed array, `hidden` and `label`); throttled. */
  update(runs) {
    const sig = runs.map((r) => `${r.hidden ? "h" : ""}${r.steps.length}:${r.steps[r.steps.length - 1] ?? ""}:${r.label}`).join(",");
    if (sig === this.sig && runs.length === this.runs.length) return;
    this.runs = runs;
    this.sig = sig;
    this.group.request(this);
  }

  setLog(log) {
    this.log = log;
    this.group.request(this);
  }
}

/**
 * One redraw budget for several curve plots: each redraw job draws every plot that changed
 * and can be seen (on-screen.js); one out of sight stays behind, and is drawn once when it
 * comes into view.
 */
export class CurveGroup {
  constructor() {
    this.throttle = new AdaptiveThrottle(100, 6, 800); // ≤ 10 redraws/s, ≤ 1/6 of the main thread
    this.dirty = new Set();
    this.draws = 0; // Plotly draws made (for the frame-rate bench and tests)
    this.held = false;
  }

  /**
   * Draw nothing until `promise` settles, then every plot asked for meanwhile: the page's
   * first paint is the main view (the contour), not the curves beside it — drawn first,
   * the empty curves took Plotly's first-draw costs (~150 ms here) ahead of the contour.
   */
  holdUntil(promise) {
    this.held = true;
    Promise.resolve(promise).catch(() => {}).finally(() => {
      this.held = false;
      for (const plot of [...this.dirty]) this.request(plot);
    });
  }

  /** Watch `plot.el`: when it comes into view with changes it has not drawn, draw it. */
  watch(plot) {
    return new OnScreen(plot.el, () => { if (this.dirty.has(plot)) this.request(plot); });
  }

  request(plot) {
    this.dirty.add(plot);
    if (this.held || !plot.screen?.shown) return;
    this.throttle.run(async () => {
      const plots = [...this.dirty].filter((p) => p.screen?.shown ?? true);
      for (const p of plots) this.dirty.delete(p);
      for (const p of plots) {
        this.draws += 1;
        await p.draw();
      }
    });
  }
}
