// Loss-vs-step and gradient-norm-vs-step line plots.

import { CONFIG, FONT, runColor } from "./theme.js";

export class CurvePlot {
  /** @param {HTMLElement} el  @param {{yTitle: string, log: boolean}} opts */
  constructor(el, { yTitle, log }) {
    this.el = el;
    this.yTitle = yTitle;
    this.log = log;
    this.nRuns = 0;
  }

  layout() {
    return {
      font: FONT,
      margin: { l: 70, r: 12, t: 6, b: 44 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      showlegend: false,
      hovermode: "x",
      dragmode: false,
      xaxis: { title: { text: "step", standoff: 2 }, rangemode: "tozero", gridcolor: "#e3e5e8", zeroline: false, ticks: "outside" },
      yaxis: { title: { text: this.yTitle, standoff: 6 }, type: this.log ? "log" : "linear", gridcolor: "#e3e5e8", zeroline: false, exponentformat: "power", ticks: "outside" },
    };
  }

  async reset(nRuns) {
    this.nRuns = nRuns;
    const data = [];
    for (let r = 0; r < nRuns; r++) {
      data.push({
        type: "scatter", mode: "lines", x: [], y: [], name: `run ${r + 1}`,
        line: { color: r === 0 ? "#d45f00" : runColor(r), width: 3 },
        hovertemplate: "step %{x}: %{y:.3g}<extra></extra>",
      });
    }
    await Plotly.react(this.el, data, this.layout(), CONFIG);
  }

  /** Append points: xs[r], ys[r] are the new steps / values of run r. */
  extend(xs, ys) {
    const traces = [];
    const x = [];
    const y = [];
    for (let r = 0; r < this.nRuns; r++) {
      if (!xs[r] || xs[r].length === 0) continue;
      traces.push(r);
      x.push(xs[r]);
      y.push(ys[r]);
    }
    if (traces.length === 0) return;
    Plotly.extendTraces(this.el, { x, y }, traces);
  }

  setLog(log) {
    this.log = log;
    return Plotly.relayout(this.el, { "yaxis.type": log ? "log" : "linear", "yaxis.autorange": true });
  }
}
