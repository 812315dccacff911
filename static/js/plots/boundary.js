// The decision boundary of a network: which class it predicts at every point of the
// data's plane, and how sure it is, at the selected run's newest weights — with the
// training points (filled circles) and the held-out test points (white diamonds).
//
// The class scores are computed here, from the streamed weights (nets/forward.js), on
// a GRID×GRID grid; each redraw restyles the heatmap's z alone, at most once per
// animation frame and less often when drawing is slow.

import { linspace, scoreGrid, weightCount } from "../nets/forward.js";
import { CASING, CONFIG, FONT, classColor, fitToContainer, tint } from "./theme.js";
import { dressed } from "./dress.js";
import { OnScreen } from "./on-screen.js";
import { listenForPicks, pickedMarker } from "./picked-point.js";
import { AdaptiveThrottle } from "./throttle.js";

const GRID = 60;
const PALE = 0.9; // the shading's mix with white: a coin-flip prediction …
const SURE = 0.42; // … and a certain one

/**
 * One colour band per class: z = k + t with t ∈ [0, 1) how sure (0 = no better than
 * chance, 1 = certain), from a pale to a strong tint of the class's colour.
 */
function bandScale(K) {
  const stops = [];
  for (let k = 0; k < K; k++) {
    stops.push([k / K, tint(classColor(k), PALE)]);
    stops.push([k === K - 1 ? 1 : (k + 1) / K - 1e-6, tint(classColor(k), SURE)]);
  }
  return stops;
}

export class BoundaryPlot {
  /** @param {{onPickPoint?(index: number)}} h  a click on a training point: its index */
  constructor(el, h = {}) {
    this.el = el;
    this.h = h;
    this.picked = null;
    this.throttle = new AdaptiveThrottle(33, 3, 500);
    this.net = null;
    this.key = "";
    this.last = null; // what is drawn: {run, step, params, xs, ys, scores, classes}
    this.waiting = null; // the newest [frame, run] while the plot cannot be seen
    this.screen = new OnScreen(el, () => this.catchUp());
  }

  /** In view again: the figure if its drawing was deferred, then the newest weights. */
  async catchUp() {
    if (this.deferred) await this.draw(this.deferred);
    if (this.waiting) this.update(...this.waiting);
  }

  /** Draw the data and an empty shading for a described network. */
  async draw(desc) {
    this.throttle.cancel();
    this.net = { sizes: desc.sizes, activation: desc.activation, head: desc.head };
    this.K = desc.head === "sigmoid_bce" ? 2 : desc.sizes[desc.sizes.length - 1];
    const [[x0, x1], [y0, y1]] = desc.data.domain;
    this.xs = linspace(x0, x1, GRID);
    this.ys = linspace(y0, y1, GRID);
    this.key = "";
    this.last = null;
    this.deferred = this.screen.shown ? null : desc;
    if (this.deferred) return; // (an /embed that does not show it: drawn when it comes into view)
    const data = [{
      type: "heatmap", x: this.xs, y: this.ys, z: this.ys.map(() => this.xs.map(() => null)),
      zmin: 0, zmax: this.K, colorscale: bandScale(this.K), showscale: false, zsmooth: false, hoverinfo: "skip",
    }];
    const points = (x, y, test) => {
      for (let k = 0; k < desc.n_classes; k++) {
        const idx = y.map((c, i) => (c === k ? i : -1)).filter((i) => i >= 0);
        data.push({
          type: "scatter", mode: "markers", name: `${test ? "test" : "train"} class ${k}`,
          x: idx.map((i) => x[i][0]), y: idx.map((i) => x[i][1]), customdata: test ? undefined : idx,
          marker: test
            ? { symbol: "diamond", size: 9, color: "#ffffff", line: { color: classColor(k), width: 2.6 } }
            : { symbol: "circle", size: 7, color: classColor(k), line: { color: CASING, width: 1 } },
          hovertemplate: test ? `test point, class ${k}<br>(%{x:.2f}, %{y:.2f})<extra></extra>`
            : `train point %{customdata}, class ${k}<br>(%{x:.2f}, %{y:.2f})<br>click: trace it<extra></extra>`,
        });
      }
    };
    points(desc.data.x_train, desc.data.y_train, false);
    points(desc.data.x_test, desc.data.y_test, true);
    this.xTrain = desc.data.x_train;
    this.pickedTrace = data.length;
    data.push(pickedMarker(this.picked === null ? null : this.xTrain[this.picked]));
    const layout = {
      font: FONT,
      margin: { l: 44, r: 8, t: 6, b: 44 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      dragmode: false,
      hovermode: "closest",
      showlegend: false,
      xaxis: { range: [x0, x1], title: { text: "x1", standoff: 8 }, automargin: true, zeroline: false, showgrid: false, ticks: "outside", fixedrange: true, constrain: "domain" },
      yaxis: { range: [y0, y1], title: { text: "x2", standoff: 4 }, zeroline: false, showgrid: false, ticks: "outside", fixedrange: true, scaleanchor: "x", scaleratio: 1, constrain: "domain" },
    };
    await Plotly.react(this.el, ...dressed(data, layout, { lightPlot: true }), CONFIG);
    if (!this.watching) this.watching = fitToContainer(this.el);
    listenForPicks(this.el, (i) => this.h.onPickPoint?.(i));
  }

  /** Ring training point `index` (the one the backprop view traces), or none. */
  markPoint(index) {
    this.picked = index;
    if (!this.xTrain || !this.el.data) return;
    const m = pickedMarker(index === null ? null : this.xTrain[index] ?? null);
    Plotly.restyle(this.el, { x: [m.x], y: [m.y] }, [this.pickedTrace]);
  }

  /** Shade by the weights of `frame` (a frame with params) of run `run`; throttled. */
  update(frame, run) {
    if (!this.net || !frame?.params) return;
    this.waiting = this.screen.shown ? null : [frame, run];
    if (this.waiting) return; // (drawn when it comes into view)
    const key = `${run}|${frame.step}|${frame.params.length}|${frame.params[0]}|${frame.params[frame.params.length - 1]}`;
    if (key === this.key) return;
    this.key = key;
    this.throttle.run(() => this.flush(frame, run));
  }

  flush(frame, run) {
    const params = frame.params;
    if (params.some((v) => v === null)) return null; // diverged: keep the last finite picture
    // a frame of the model before an options change, whose draw was still due: the new
    // model's frames follow
    if (params.length !== weightCount(this.net.sizes)) return null;
    const g = scoreGrid(params, this.net, this.xs, this.ys);
    const K = this.K;
    const z = [];
    for (let i = 0; i < g.ny; i++) {
      const row = new Array(g.nx);
      for (let j = 0; j < g.nx; j++) {
        const c = i * g.nx + j;
        const t = Math.min(Math.max((g.conf[c] - 1 / K) / (1 - 1 / K), 0), 1);
        row[j] = g.pred[c] + 0.999 * t;
      }
      z.push(row);
    }
    this.last = { run, step: frame.step, params: params.slice(), xs: this.xs, ys: this.ys, scores: g.scores, classes: g.classes };
    return Plotly.restyle(this.el, { z: [z] }, [0]);
  }

  /** What is drawn, for tests: the weights and the grid, and the scores as [i][j][k]. */
  snapshot() {
    const d = this.last;
    if (!d) return null;
    const { xs, ys, classes, scores } = d;
    const proba = ys.map((_, i) => xs.map((__, j) => Array.from(scores.slice((i * xs.length + j) * classes, (i * xs.length + j + 1) * classes))));
    return { run: d.run, step: d.step, params: d.params, xs, ys, proba };
  }
}
