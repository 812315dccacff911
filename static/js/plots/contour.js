// The contour plot: surface drawn once; path, current point and arrows animated.

import { fmt, fmtPretty } from "../format.js";
import { CASING, COLORSCALE, CONFIG, FONT, GRAD_COLOR, UPDATE_COLOR, runColor } from "./theme.js";

const ANIM = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };
const CLICK_SLOP_PX = 6;

/** Colour-bar ticks at whole decades of f − f_min, labelled with the true f. */
function logColorbarTicks(t) {
  const lo = Math.ceil(t.f(t.zmin));
  const hi = Math.floor(t.f(t.zmax));
  const tickvals = [];
  const ticktext = [];
  for (let d = lo; d <= hi; d++) {
    tickvals.push(d);
    ticktext.push(fmtPretty(t.zmin + 10 ** d, 2));
  }
  return { tickvals, ticktext };
}

export class ContourPlot {
  /** @param {HTMLElement} el  @param {{onPick: (xy: number[]) => void}} opts */
  constructor(el, { onPick }) {
    this.el = el;
    this.onPick = onPick;
    this.nRuns = 1;
    this.idx = null;
    this.down = null;
    el.addEventListener("pointerdown", (ev) => this.pointerDown(ev), true);
    window.addEventListener("pointerup", (ev) => this.pointerUp(ev), true);
  }

  /** Draw the surface (once per surface) and empty path traces for `nRuns` runs. */
  async draw(surface, grid, transform, nRuns) {
    this.nRuns = nRuns;
    this.transform = transform;
    const t = transform;
    const zt = grid.z.map((row) => row.map(t.f));
    const text = grid.z.map((row) => row.map((v) => fmt(v)));
    const colorbar = {
      title: { text: t.log ? "f (log)" : "f", side: "right", font: { size: 14 } },
      thickness: 14,
      len: 0.9,
      outlinewidth: 0,
      tickfont: { size: 13 },
      ...(t.log ? logColorbarTicks(t) : {}),
    };
    const data = [
      {
        type: "contour", x: grid.x, y: grid.y, z: zt, text,
        colorscale: COLORSCALE, ncontours: 26, connectgaps: false,
        contours: { coloring: "heatmap", showlines: true },
        line: { width: 0.6, color: "rgba(255,255,255,0.35)" },
        colorbar,
        hovertemplate: "x = %{x:.3g}<br>y = %{y:.3g}<br>f = %{text}<extra></extra>",
        name: "f", showlegend: false,
      },
      {
        type: "scatter", mode: "markers", name: "minimum",
        x: surface.minima.map((m) => m[0]), y: surface.minima.map((m) => m[1]),
        marker: { symbol: "star", size: 17, color: "#ffffff", line: { color: CASING, width: 1.5 } },
        hovertemplate: "minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
      },
    ];
    const idx = { paths: [], casings: [], starts: [] };
    for (let r = 0; r < nRuns; r++) {
      idx.starts.push(data.length);
      data.push({
        type: "scatter", mode: "markers", name: "start", showlegend: r === 0, x: [], y: [],
        marker: { symbol: "circle-open", size: 16, color: "#ffffff", line: { width: 3 } },
        hovertemplate: "start (%{x:.3g}, %{y:.3g})<extra></extra>",
      });
      idx.casings.push(data.length);
      data.push({
        type: "scatter", mode: "lines", x: [], y: [], showlegend: false, hoverinfo: "skip",
        line: { color: CASING, width: 6 }, cliponaxis: true,
      });
      idx.paths.push(data.length);
      data.push({
        type: "scatter", mode: "lines+markers", name: nRuns > 1 ? `path ${r + 1}` : "path", x: [], y: [],
        line: { color: runColor(r), width: 3 },
        marker: { size: 6, color: runColor(r), line: { color: CASING, width: 1 } },
        hovertemplate: "step %{customdata}<br>(%{x:.3g}, %{y:.3g})<extra></extra>", customdata: [],
        cliponaxis: true,
      });
    }
    const arrow = (name, color, label) => ({
      type: "scatter", mode: "lines+markers+text", name, x: [], y: [],
      line: { color, width: 4 },
      marker: { symbol: ["circle", "arrow"], size: [0, 17], angleref: "previous", color, line: { color: CASING, width: 1.5 } },
      text: ["", label], textposition: "top center",
      textfont: { color: "#ffffff", size: 15, family: FONT.family, shadow: "1px 1px 2px #000, -1px -1px 2px #000" },
      hoverinfo: "skip", cliponaxis: true,
    });
    idx.gradCasing = data.length;
    data.push({ type: "scatter", mode: "lines", x: [], y: [], showlegend: false, hoverinfo: "skip", line: { color: CASING, width: 7 } });
    idx.grad = data.length;
    data.push(arrow("−η∇L (plain GD step)", GRAD_COLOR, "−η∇L"));
    idx.updateCasing = data.length;
    data.push({ type: "scatter", mode: "lines", x: [], y: [], showlegend: false, hoverinfo: "skip", line: { color: CASING, width: 7 } });
    idx.update = data.length;
    data.push(arrow("update (the step taken)", UPDATE_COLOR, "update"));
    idx.current = data.length;
    data.push({
      type: "scatter", mode: "markers", name: "current point", x: [], y: [],
      marker: { size: 15, color: runColor(0), line: { color: CASING, width: 2.5 } },
      hovertemplate: "now (%{x:.3g}, %{y:.3g})<extra></extra>",
    });
    this.idx = idx;

    const [[x0, x1], [y0, y1]] = surface.domain;
    const layout = {
      font: FONT,
      margin: { l: 52, r: 8, t: 6, b: 76 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      dragmode: false,
      hovermode: "closest",
      hoverlabel: { font: { size: 15 } },
      xaxis: { range: [x0, x1], title: { text: "x", standoff: 4 }, zeroline: false, showgrid: false, constrain: "domain", ticks: "outside" },
      yaxis: { range: [y0, y1], title: { text: "y", standoff: 4 }, zeroline: false, showgrid: false, scaleanchor: "x", scaleratio: 1, constrain: "domain", ticks: "outside" },
      legend: { orientation: "h", x: 0, xanchor: "left", y: -0.11, yanchor: "top", font: { size: 14 }, itemclick: false, itemdoubleclick: false },
      showlegend: true,
    };
    await Plotly.react(this.el, data, layout, CONFIG);
  }

  /**
   * Redraw the moving parts.
   * @param {{xs: number[], ys: number[], steps: number[], start: number[]}[]} runs  per-run path
   * @param {{params, grad, update} | null} current  latest frame of run 0
   * @param {number} lr  learning rate now in force (for the −η∇L arrow)
   */
  update(runs, current, lr) {
    if (!this.idx) return Promise.resolve();
    const data = [];
    const traces = [];
    const put = (i, d) => { traces.push(i); data.push(d); };
    for (let r = 0; r < this.nRuns; r++) {
      const run = runs[r];
      if (!run) continue;
      put(this.idx.starts[r], { x: [run.start[0]], y: [run.start[1]] });
      put(this.idx.casings[r], { x: run.xs.slice(), y: run.ys.slice() });
      put(this.idx.paths[r], { x: run.xs.slice(), y: run.ys.slice(), customdata: run.steps.slice() });
    }
    const p = current?.params;
    const have = p && p[0] !== null && p[1] !== null;
    const g = current?.grad;
    const gOk = have && g && g[0] !== null && g[1] !== null && Number.isFinite(lr);
    const gradXY = gOk ? { x: [p[0], p[0] - lr * g[0]], y: [p[1], p[1] - lr * g[1]] } : { x: [], y: [] };
    const u = current?.update;
    const uOk = have && u && u[0] !== null && u[1] !== null;
    const updXY = uOk ? { x: [p[0], p[0] + u[0]], y: [p[1], p[1] + u[1]] } : { x: [], y: [] };
    put(this.idx.gradCasing, gradXY);
    put(this.idx.grad, gradXY);
    put(this.idx.updateCasing, updXY);
    put(this.idx.update, updXY);
    put(this.idx.current, have ? { x: [p[0]], y: [p[1]] } : { x: [], y: [] });
    return Plotly.animate(this.el, { data, traces }, ANIM).catch(() => {});
  }

  /** Data coordinates under a pointer event, or null outside the plot area. */
  eventToData(ev) {
    const full = this.el._fullLayout;
    if (!full || !full.xaxis || !full.yaxis) return null;
    const xa = full.xaxis;
    const ya = full.yaxis;
    const box = this.el.getBoundingClientRect();
    const px = ev.clientX - box.left - xa._offset;
    const py = ev.clientY - box.top - ya._offset;
    if (px < 0 || px > xa._length || py < 0 || py > ya._length) return null;
    return [xa.p2d(px), ya.p2d(py)];
  }

  pointerDown(ev) {
    if (ev.button !== 0) return;
    const xy = this.eventToData(ev);
    this.down = xy ? { x: ev.clientX, y: ev.clientY, xy } : null;
  }

  pointerUp(ev) {
    const down = this.down;
    this.down = null;
    if (!down || ev.button !== 0) return;
    if (Math.hypot(ev.clientX - down.x, ev.clientY - down.y) > CLICK_SLOP_PX) return;
    const xy = this.eventToData(ev);
    if (xy) this.onPick(xy);
  }
}
