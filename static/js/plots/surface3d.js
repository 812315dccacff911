// The 3D surface: drawn once per surface; only the path traces are restyled.

import { fmt } from "../format.js";
import { CASING, COLORSCALE, CONFIG, FONT, runColor } from "./theme.js";

const MIN_INTERVAL_MS = 90; // WebGL redraws are costly: ~11 updates per second is plenty here

export class Surface3DPlot {
  constructor(el) {
    this.el = el;
    this.idx = null;
    this.lastDraw = 0;
    this.pending = null;
    this.timer = null;
  }

  async draw(surface, grid, transform, nRuns) {
    this.transform = transform;
    this.nRuns = nRuns;
    const t = transform;
    const zt = grid.z.map((row) => row.map(t.f));
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of zt) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    this.lift = (hi - lo) * 0.012; // draw the path just above the surface so it is not hidden
    const text = grid.z.map((row) => row.map((v) => fmt(v)));
    const data = [
      {
        type: "surface", x: grid.x, y: grid.y, z: zt, text,
        colorscale: COLORSCALE, showscale: false, opacity: 0.95,
        contours: { z: { show: true, usecolormap: true, project: { z: false }, width: 1 } },
        hovertemplate: "x = %{x:.3g}<br>y = %{y:.3g}<br>f = %{text}<extra></extra>",
        lighting: { ambient: 0.75, diffuse: 0.6, specular: 0.05, roughness: 0.9 },
      },
    ];
    const paths = [];
    for (let r = 0; r < nRuns; r++) {
      paths.push(data.length);
      data.push({
        type: "scatter3d", mode: "lines+markers", x: [], y: [], z: [], name: `path ${r + 1}`,
        line: { color: runColor(r), width: 7 },
        marker: { size: 2.5, color: runColor(r) },
        hoverinfo: "skip", showlegend: false,
      });
    }
    const current = data.length;
    data.push({
      type: "scatter3d", mode: "markers", x: [], y: [], z: [], showlegend: false, hoverinfo: "skip",
      marker: { size: 7, color: runColor(0), line: { color: CASING, width: 2 } },
    });
    this.idx = { paths, current };
    const [[x0, x1], [y0, y1]] = surface.domain;
    const axis = (title, range) => ({
      title: { text: title, font: { size: 14 } }, range, tickfont: { size: 12 },
      backgroundcolor: "#f3f4f6", gridcolor: "#c9cdd3", showbackground: true,
    });
    const layout = {
      font: FONT,
      margin: { l: 0, r: 0, t: 0, b: 0 },
      paper_bgcolor: "#ffffff",
      showlegend: false,
      scene: {
        xaxis: axis("x", [x0, x1]),
        yaxis: axis("y", [y0, y1]),
        zaxis: { ...axis(t.log ? "log f" : "f"), title: { text: t.log ? "log₁₀(f − f_min)" : "f", font: { size: 14 } } },
        aspectmode: "manual",
        aspectratio: { x: 1, y: 1, z: 0.65 },
        camera: { eye: { x: -1.35, y: -1.45, z: 1.05 }, center: { x: 0, y: 0, z: -0.12 } },
      },
    };
    this.lastDraw = 0;
    await Plotly.react(this.el, data, layout, CONFIG);
  }

  /** Queue a path update; redrawn at most every MIN_INTERVAL_MS (always ending on the latest). */
  update(runs, current) {
    if (!this.idx) return;
    this.pending = { runs, current };
    const wait = this.lastDraw + MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.flush(); }, wait);
  }

  flush() {
    const job = this.pending;
    this.pending = null;
    if (!job || !this.idx) return;
    this.lastDraw = performance.now();
    const { runs, current } = job;
    const x = [];
    const y = [];
    const z = [];
    const traces = [];
    const lift = (v) => (v === null ? null : v + this.lift);
    for (let r = 0; r < this.nRuns; r++) {
      const run = runs[r];
      if (!run) continue;
      traces.push(this.idx.paths[r]);
      x.push(run.xs.slice());
      y.push(run.ys.slice());
      z.push(run.losses.map((l) => lift(this.transform.f(l))));
    }
    const p = current?.params;
    const zc = current ? lift(this.transform.f(current.loss)) : null;
    const ok = p && p[0] !== null && p[1] !== null && zc !== null;
    traces.push(this.idx.current);
    x.push(ok ? [p[0]] : []);
    y.push(ok ? [p[1]] : []);
    z.push(ok ? [zc] : []);
    Plotly.restyle(this.el, { x, y, z }, traces).catch(() => {});
  }
}
