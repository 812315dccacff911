// ‖∂L/∂W_l‖ per weight layer of the selected run, one line per layer (W1 … WL) on a
// log axis: vanishing gradients show as W1's line far below the last layer's, exploding
// ones as lines shooting up. Colours and dashes both tell the layers apart.

import { LOOK } from "../look.js";
import { CONFIG, FONT, fitToContainer, inkOnWhite } from "./theme.js";
import { dressed, logLabels, logSpan } from "./dress.js";

const PLOT_BG = "#ffffff"; // (dark with theme=dark: dress.js)
const GRID = "#dde1e6";
/** Okabe–Ito hues, first layer to last (4 hidden + output): as they are on the dark
 *  theme's plot, darkened to read on white in the light one. */
const LAYER_HUES = ["#56b4e9", "#e69f00", "#f0e442", "#cc79a7", "#009e73"];
const LAYER_COLORS = LOOK.dark ? LAYER_HUES : LAYER_HUES.map(inkOnWhite);
const LAYER_DASHES = ["solid", "dash", "dot", "dashdot", "longdash"];

export class LayerNormPlot {
  /** @param {HTMLElement} el  @param {{group: import("./curves.js").CurveGroup}} opts */
  constructor(el, { group }) {
    this.el = el;
    this.group = group;
    this.run = null;
    this.runIndex = 0;
    this.sig = "";
    this.screen = group.watch(this);
    fitToContainer(el);
  }

  /** Show run `i`'s per-layer norms (its display data from runs.js); throttled with the curves. */
  update(run, i) {
    const n = run?.layerNorms.length ?? 0;
    const sig = `${i}:${n}:${run?.steps[n - 1] ?? ""}`;
    if (sig === this.sig) return;
    this.sig = sig;
    this.run = run;
    this.runIndex = i;
    this.group.request(this);
  }

  traces() {
    const run = this.run;
    const rows = run?.layerNorms ?? [];
    const L = rows.find((r) => Array.isArray(r))?.length ?? 0;
    const out = [];
    for (let l = 0; l < L; l++) {
      out.push({
        type: "scatter", mode: rows.length < 2 ? "markers" : "lines", name: `W${l + 1}`,
        x: run.steps.slice(0, rows.length), y: rows.map((r) => (r && r[l] > 0 ? r[l] : null)),
        line: { color: LAYER_COLORS[l % LAYER_COLORS.length], width: 2.5, dash: LAYER_DASHES[l % LAYER_DASHES.length] },
        marker: { size: 8, color: LAYER_COLORS[l % LAYER_COLORS.length] },
        hovertemplate: `‖∂L/∂W${l + 1}‖ at step %{x}: %{y:.3g}<extra></extra>`,
      });
    }
    return out;
  }

  /** Layers whose newest norm is exactly 0 — a log axis cannot show them, so say so. */
  zeroLayers() {
    const rows = this.run?.layerNorms ?? [];
    const lastRow = rows[rows.length - 1];
    return Array.isArray(lastRow) ? lastRow.map((v, l) => (v === 0 ? `W${l + 1}` : null)).filter(Boolean) : [];
  }

  draw() {
    const data = this.traces();
    const zeros = this.zeroLayers();
    const layout = {
      annotations: zeros.length ? [{
        text: `${zeros.join(", ")}: exactly 0<br>(a log axis cannot show 0)`, xref: "paper", yref: "paper", x: 0.5, y: 0.5,
        showarrow: false, font: { size: 13, color: "#111" }, bgcolor: "rgba(255,255,255,0.85)",
      }] : [],
      font: FONT,
      margin: { l: 40, r: 12, t: data.length > 3 ? 50 : 30, b: 42 }, // 4–5 layers: the key takes two rows
      paper_bgcolor: "#ffffff",
      plot_bgcolor: PLOT_BG,
      showlegend: true,
      legend: {
        orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "bottom",
        bgcolor: "rgba(0,0,0,0)", font: { size: 13, color: "#111" }, itemwidth: 30, tracegroupgap: 0,
      },
      hovermode: "x",
      dragmode: false,
      xaxis: { title: { text: `step (run ${this.runIndex + 1})`, standoff: 2 }, rangemode: "tozero", gridcolor: GRID, zeroline: false, ticks: "outside", fixedrange: true },
      yaxis: { title: { text: "‖∂L/∂W‖", standoff: 8 }, automargin: true, type: "log", gridcolor: GRID, zeroline: false, ...logLabels(logSpan(data)), ticks: "outside", fixedrange: true, nticks: 4 },
    };
    return Plotly.react(this.el, ...dressed(data, layout, { size: { w: this.el.clientWidth, h: this.el.clientHeight } }), CONFIG);
  }
}
