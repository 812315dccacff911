// The data and the fit of a 2-weight model at the selected run's current weights.
//
//   regression (linreg2) — every point as (target y, prediction ŷ = w1·x1 + w2·x2). On the dashed
//             diagonal ŷ = y the fit is perfect; each red tick is a point's error ŷ − y,
//             and the loss is the mean of their squared lengths. With two inputs this
//             is the one 2D picture that shows every point's error at once (a fitted
//             plane would need 3D, and a line through x1 or x2 alone hides the other).
//   classification (logreg2) — the two classes in the input plane (x1, x2) with the decision line
//             w1·x1 + w2·x2 = 0 (through the origin: the model has no bias), each
//             side shaded in the class it predicts, and the weight vector w, which
//             points to the class-1 side.

import { regression } from "../objective.js";
import { CASING, CONFIG, FONT, classColor, fitToContainer, tint } from "./theme.js";
import { dressed } from "./dress.js";
import { OnScreen } from "./on-screen.js";
import { listenForPicks, pickedMarker } from "./picked-point.js";
import { AdaptiveThrottle } from "./throttle.js";

const ERROR_COLOR = "#d55e00";

function padRange(lo, hi, frac = 0.06) {
  const m = Math.max((hi - lo) * frac, 1e-9);
  return [lo - m, hi + m];
}

export class FitPlot {
  /** @param {{onPickPoint?(index)}} h  a data point clicked: its index */
  constructor(el, h = {}) {
    this.el = el;
    this.h = h;
    this.picked = null;
    this.throttle = new AdaptiveThrottle(50, 3, 500);
    this.desc = null;
    this.w = null;
    this.waiting = null; // the newest weights while the plot cannot be seen (its tab closed)
    this.screen = new OnScreen(el, () => this.waiting && this.update(this.waiting));
  }

  /** A new model: forget the axes it grew. */
  async draw(desc) {
    this.desc = desc;
    this.w = null;
    this.key = "";
    if (regression(desc)) {
      const y = desc.data.y;
      this.yRange = padRange(Math.min(...y), Math.max(...y));
      this.predRange = [...this.yRange];
    }
    if (!this.watching) this.watching = fitToContainer(this.el);
    if (this.screen.shown) await this.render(desc.start);
    else this.waiting = desc.start; // (drawn when its tab is opened)
  }

  /** Show the fit at weights w = [w1, w2]; throttled. */
  update(w) {
    if (!this.desc || !w || w[0] === null || w[1] === null) return;
    this.waiting = this.screen.shown ? null : w;
    if (this.waiting) return;
    const key = `${w[0]},${w[1]}`;
    if (key === this.key) return;
    this.key = key;
    this.throttle.run(() => this.render(w));
  }

  render(w) {
    this.w = w;
    const fig = regression(this.desc) ? this.linreg(w) : this.logreg(w);
    const layout = {
      font: FONT,
      margin: { l: 46, r: 8, t: 6, b: 42 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      dragmode: false,
      hovermode: "closest",
      showlegend: false,
      ...fig.layout,
    };
    const xy = this.picked === null ? null : fig.pointAt(this.picked);
    const done = Plotly.react(this.el, ...dressed([...fig.data, pickedMarker(xy)], layout, { lightPlot: true }), CONFIG);
    return done.then(() => listenForPicks(this.el, (i) => this.h.onPickPoint?.(i)));
  }

  /** Ring data point `index` (the one the backprop view traces), or none. */
  markPoint(index) {
    this.picked = index;
    if (this.desc && this.w) this.render(this.w);
  }

  linreg([w1, w2]) {
    const { x, y } = this.desc.data;
    const pred = x.map(([a, b]) => w1 * a + w2 * b);
    // The prediction axis grows to show every point, and does not jump back while a run plays.
    let lo = this.predRange[0];
    let hi = this.predRange[1];
    for (const p of pred) {
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    if (lo < this.predRange[0] || hi > this.predRange[1]) this.predRange = padRange(lo, hi, 0.04);
    const ex = [];
    const ey = [];
    for (let i = 0; i < y.length; i++) {
      ex.push(y[i], y[i], null);
      ey.push(y[i], pred[i], null);
    }
    const [a, b] = this.yRange;
    const lim = [Math.min(a, this.predRange[0]), Math.max(b, this.predRange[1])];
    return {
      data: [
        { type: "scatter", mode: "lines", x: ex, y: ey, line: { color: ERROR_COLOR, width: 1.5 }, hoverinfo: "skip", name: "error" },
        { type: "scatter", mode: "lines", x: lim, y: lim, line: { color: "#333", width: 2.5, dash: "dash" }, hoverinfo: "skip", name: "ŷ = y" },
        {
          type: "scatter", mode: "markers", x: y, y: pred, name: "points", customdata: y.map((_, i) => i),
          marker: { size: 8, color: classColor(0), line: { color: CASING, width: 1 } },
          hovertemplate: "point %{customdata}<br>y = %{x:.3f}<br>ŷ = %{y:.3f}<br>click: trace it<extra></extra>",
        },
      ],
      pointAt: (i) => [y[i], pred[i]],
      layout: {
        xaxis: { range: this.yRange, title: { text: "target y", standoff: 4 }, zeroline: false, gridcolor: "#e5e7eb", ticks: "outside", fixedrange: true },
        yaxis: { range: this.predRange, title: { text: "prediction ŷ", standoff: 4 }, zeroline: false, gridcolor: "#e5e7eb", ticks: "outside", fixedrange: true },
      },
    };
  }

  logreg([w1, w2]) {
    const { x_train: x, y_train: y, domain } = this.desc.data;
    const [[x0, x1], [y0, y1]] = domain;
    const R = 10 * Math.max(x1 - x0, y1 - y0, 1);
    const n = Math.hypot(w1, w2);
    const data = [];
    if (n > 0) {
      const d = [-w2 / n, w1 / n]; // along the line
      const u = [w1 / n, w2 / n]; // towards class 1
      const side = (s, k) => ({
        type: "scatter", mode: "lines", fill: "toself", fillcolor: tint(classColor(k), 0.78), line: { width: 0 }, hoverinfo: "skip",
        x: [R * d[0], R * d[0] + s * R * u[0], -R * d[0] + s * R * u[0], -R * d[0]],
        y: [R * d[1], R * d[1] + s * R * u[1], -R * d[1] + s * R * u[1], -R * d[1]],
      });
      data.push(side(1, 1), side(-1, 0));
      data.push({ type: "scatter", mode: "lines", x: [-R * d[0], R * d[0]], y: [-R * d[1], R * d[1]], line: { color: "#111", width: 3 }, hoverinfo: "skip", name: "decision line" });
    }
    for (const k of [0, 1]) {
      const idx = y.map((c, i) => (c === k ? i : -1)).filter((i) => i >= 0);
      data.push({
        type: "scatter", mode: "markers", name: `class ${k}`, x: idx.map((i) => x[i][0]), y: idx.map((i) => x[i][1]), customdata: idx,
        marker: { size: 8, symbol: k === 0 ? "circle" : "square", color: classColor(k), line: { color: CASING, width: 1 } },
        hovertemplate: `point %{customdata}, class ${k}<br>(%{x:.2f}, %{y:.2f})<br>click: trace it<extra></extra>`,
      });
    }
    // w's direction from the origin, at a fixed length: its size grows without bound on
    // separable data, and it is the direction that says where class 1 is
    const len = 0.3 * Math.min(x1 - x0, y1 - y0);
    const tip = n > 0 ? [(w1 / n) * len, (w2 / n) * len] : null;
    const arrow = (color, width) => ({
      x: tip[0], y: tip[1], ax: 0, ay: 0, xref: "x", yref: "y", axref: "x", ayref: "y", text: "",
      showarrow: true, arrowhead: 2, arrowsize: 1, arrowwidth: width, arrowcolor: color,
    });
    const annotations = tip ? [arrow("#ffffff", 7), arrow("#6d28d9", 3.5), {
      x: tip[0], y: tip[1], xref: "x", yref: "y", text: "<b>w</b>", showarrow: false,
      xshift: 14 * Math.sign(w1 || 1), yshift: 12 * Math.sign(w2 || 1), font: { size: 17, color: "#6d28d9" },
      bgcolor: "rgba(255,255,255,0.8)",
    }] : [];
    return {
      data,
      pointAt: (i) => x[i],
      layout: {
        annotations,
        xaxis: { range: [x0, x1], title: { text: "x1", standoff: 4 }, zeroline: false, showgrid: false, ticks: "outside", fixedrange: true, constrain: "domain" },
        yaxis: { range: [y0, y1], title: { text: "x2", standoff: 4 }, zeroline: false, showgrid: false, ticks: "outside", fixedrange: true, scaleanchor: "x", scaleratio: 1, constrain: "domain" },
      },
    };
  }
}
