// A loss-landscape slice: L(θ + α·d1 + β·d2) over a grid of (α, β), as a filled
// contour (log colours when it spans decades), with the run's path projected onto the
// plane, its start (ring) and its current point (dot).

import { fmt } from "../format.js";
import { CASING, COLORSCALE, CONFIG, FONT, fitToContainer, runColor } from "./theme.js";
import { dressed } from "./dress.js";

export class SlicePlot {
  constructor(el) {
    this.el = el;
    this.watching = null;
  }

  /** @param {{alpha, beta, loss, path: {alpha, beta, step}}} s  @param {number} run */
  draw(s, run) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of s.loss) {
      for (const v of row) {
        if (v === null || !Number.isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const log = lo > 0 && hi / lo > 100; // spans two decades or more
    const z = log ? s.loss.map((row) => row.map((v) => (v === null || v <= 0 ? null : Math.log10(v)))) : s.loss;
    const text = s.loss.map((row) => row.map((v) => fmt(v)));
    const colorbar = { title: { text: log ? "L (log)" : "L", side: "right", font: { size: 14 } }, thickness: 12, len: 0.95, outlinewidth: 0, tickfont: { size: 12 } };
    if (log) {
      const tickvals = [];
      for (let d = Math.ceil(Math.log10(lo)); d <= Math.floor(Math.log10(hi)); d++) tickvals.push(d);
      colorbar.tickvals = tickvals;
      colorbar.ticktext = tickvals.map((d) => fmt(10 ** d));
    }
    const p = s.path ?? { alpha: [], beta: [], step: [] };
    const n = p.alpha.length;
    const color = runColor(run);
    const data = [
      {
        type: "contour", x: s.alpha, y: s.beta, z, text, colorscale: COLORSCALE, ncontours: 22, connectgaps: false,
        contours: { coloring: "heatmap", showlines: true }, line: { width: 0.6, color: "rgba(255,255,255,0.35)" }, colorbar,
        hovertemplate: "α = %{x:.3g}<br>β = %{y:.3g}<br>L = %{text}<extra></extra>",
      },
      { type: "scatter", mode: "lines", x: p.alpha, y: p.beta, line: { color: CASING, width: 6 }, hoverinfo: "skip" },
      {
        type: "scatter", mode: "lines", x: p.alpha, y: p.beta, customdata: p.step, line: { color, width: 3 },
        hovertemplate: "step %{customdata}<br>α = %{x:.3g}, β = %{y:.3g}<extra></extra>",
      },
      {
        type: "scatter", mode: "markers", x: n ? [p.alpha[0]] : [], y: n ? [p.beta[0]] : [], name: "start",
        marker: { size: 15, color: "rgba(0,0,0,0)", line: { color: "#ffffff", width: 3 } },
        hovertemplate: `start (step ${p.step[0] ?? 0})<extra></extra>`,
      },
      {
        type: "scatter", mode: "markers", x: n ? [p.alpha[n - 1]] : [], y: n ? [p.beta[n - 1]] : [], name: "now",
        marker: { size: 14, color, line: { color: CASING, width: 2.5 } },
        hovertemplate: `now (step ${p.step[n - 1] ?? "?"})<extra></extra>`,
      },
    ];
    const layout = {
      font: FONT,
      margin: { l: 48, r: 6, t: 6, b: 42 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      dragmode: false,
      hovermode: "closest",
      showlegend: false,
      xaxis: { title: { text: "α (along d1)", standoff: 4 }, range: [s.alpha[0], s.alpha[s.alpha.length - 1]], zeroline: false, showgrid: false, ticks: "outside", fixedrange: true },
      yaxis: { title: { text: "β (along d2)", standoff: 4 }, range: [s.beta[0], s.beta[s.beta.length - 1]], zeroline: false, showgrid: false, ticks: "outside", fixedrange: true },
    };
    if (!this.watching) this.watching = fitToContainer(this.el);
    return Plotly.react(this.el, ...dressed(data, layout), CONFIG);
  }

  clear() {
    if (this.el.data) Plotly.purge(this.el);
  }
}
