// Loss-vs-step and gradient-norm-vs-step line plots (redrawn whole, throttled).

import { CONFIG, FONT, fitToContainer, runColor } from "./theme.js";
import { AdaptiveThrottle } from "./throttle.js";

export class CurvePlot {
  /** @param {HTMLElement} el  @param {{yTitle: string, log: boolean, key: string}} opts */
  constructor(el, { yTitle, log, key }) {
    this.el = el;
    this.yTitle = yTitle;
    this.log = log;
    this.key = key; // which per-run array to plot: "losses" or "gradnorms"
    this.runs = [];
    this.throttle = new AdaptiveThrottle(100, 6, 800); // ≤ 10 redraws/s, ≤ 1/6 of the main thread
    fitToContainer(el);
  }

  layout() {
    return {
      font: FONT,
      margin: { l: 40, r: 12, t: 8, b: 42 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      showlegend: false,
      hovermode: "x",
      dragmode: false,
      xaxis: { title: { text: "step", standoff: 2 }, rangemode: "tozero", gridcolor: "#e3e5e8", zeroline: false, ticks: "outside", fixedrange: true },
      yaxis: { title: { text: this.yTitle, standoff: 8 }, automargin: true, type: this.log ? "log" : "linear", gridcolor: "#d9dce1", zeroline: false, exponentformat: "power", minorloglabels: "none", ticks: "outside", fixedrange: true, nticks: 4 },
    };
  }

  data() {
    return this.runs.map((run, r) => ({
      // a lone first point (step 0) is invisible as a line: show it as a dot
      type: "scatter", mode: run.steps.length < 2 ? "markers" : "lines", x: run.steps.slice(), y: run[this.key].slice(),
      name: `run ${r + 1}`, line: { color: r === 0 ? "#d45f00" : runColor(r), width: 3 },
      marker: { size: 9, color: r === 0 ? "#d45f00" : runColor(r) },
      hovertemplate: "step %{x}: %{y:.3g}<extra></extra>",
    }));
  }

  /** Show these runs (objects with `steps` and the keyed array); throttled. */
  update(runs) {
    const sig = runs.map((r) => `${r.steps.length}:${r.steps[r.steps.length - 1] ?? ""}`).join(",");
    if (runs === this.runs && sig === this.sig) return;
    this.runs = runs;
    this.sig = sig;
    this.throttle.run(() => Plotly.react(this.el, this.data(), this.layout(), CONFIG));
  }

  setLog(log) {
    this.log = log;
    this.throttle.run(() => Plotly.react(this.el, this.data(), this.layout(), CONFIG));
  }
}
