// The 3D surface: drawn once per surface; only the path traces are restyled.

import { CASING, COLORSCALE, CONFIG, FONT, fitToContainer, runColor } from "./theme.js";
import { dressed } from "./dress.js";
import { loadPlotly3d } from "./plotly-3d.js";
import { AdaptiveThrottle } from "./throttle.js";

const MAX_MESH = 64; // points per axis of the 3D mesh: every redraw re-processes it
const PATH_TRACES = 6; // one per run the server can stream; unused ones stay empty

/** Every k-th row and column so the mesh has at most `max` points per axis (ends kept). */
function coarsen(grid, max) {
  const n = grid.x.length;
  if (n <= max) return grid;
  const k = Math.ceil(n / max);
  const keep = (len) => {
    const idx = [];
    for (let i = 0; i < len; i += k) idx.push(i);
    if (idx[idx.length - 1] !== len - 1) idx.push(len - 1);
    return idx;
  };
  const ix = keep(grid.x.length);
  const iy = keep(grid.y.length);
  return { x: ix.map((i) => grid.x[i]), y: iy.map((j) => grid.y[j]), z: iy.map((j) => ix.map((i) => grid.z[j][i])) };
}

export class Surface3DPlot {
  constructor(el) {
    this.el = el;
    this.idx = null;
    // Any restyle redraws the whole WebGL scene (surface included): ≤ 7 per second, and
    // at most a fifth of the main thread when rendering is slow (software GL on a projector PC).
    this.throttle = new AdaptiveThrottle(150, 5, 1500);
  }

  /**
   * Draw a surface; while another tab covers the view, only remember it (see setActive).
   * Resolves true once drawn, false when deferred.
   */
  async draw(surface, fullGrid, transform) {
    if (this.inactive) {
      this.pending = [surface, fullGrid, transform];
      this.idx = null; // the old scene's paths are stale
      return false;
    }
    if (!(await this.load3d())) {
      this.pending = [surface, fullGrid, transform]; // tried again when the tab is shown again
      return false;
    }
    this.pending = null;
    this.transform = transform;
    const nRuns = PATH_TRACES;
    this.nRuns = nRuns;
    const t = transform;
    const [ax, ay, az] = surface.axes ?? ["x", "y", "f"];
    const grid = coarsen(fullGrid, MAX_MESH);
    const zt = grid.z.map((row) => row.map(t.f));
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of zt) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    this.lift = (hi - lo) * 0.012; // draw the path just above the surface so it is not hidden
    const [[bx0, bx1], [by0, by1]] = surface.domain;
    const zTop = hi + (hi - lo) * 0.08;
    // Points outside the box become gaps: a diverging run must not rescale the scene.
    this.inBox = (x, y, z) => x !== null && y !== null && z !== null
      && x >= bx0 && x <= bx1 && y >= by0 && y <= by1 && z >= lo - (hi - lo) && z <= zTop;
    const data = [
      {
        type: "surface", x: grid.x, y: grid.y, z: zt,
        colorscale: COLORSCALE, showscale: false, opacity: 0.95,
        contours: { z: { show: true, usecolormap: true, project: { z: false }, width: 1 } },
        // On a log surface z is log₁₀(f − f_min), not f: show only where you are.
        hovertemplate: t.log ? `${ax} = %{x:.3g}<br>${ay} = %{y:.3g}<extra></extra>` : `${ax} = %{x:.3g}<br>${ay} = %{y:.3g}<br>${az} = %{z:.3g}<extra></extra>`,
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
        xaxis: axis(ax, [x0, x1]),
        yaxis: axis(ay, [y0, y1]),
        // On a log surface the z numbers are log₁₀(f − f_min): hide them rather than confuse.
        zaxis: { ...axis(t.log ? `${az} (log)` : az, [lo, zTop]), showticklabels: !t.log },
        aspectmode: "manual",
        aspectratio: { x: 1, y: 1, z: 0.65 },
        camera: { eye: { x: -1.2, y: -1.3, z: 0.95 }, center: { x: 0, y: 0, z: -0.1 } },
      },
    };
    this.throttle.cancel();
    this.drawing = true;
    if (!this.watching) this.watching = fitToContainer(this.el);
    this.sig = ""; // the new scene shows no path yet: the next update must draw
    try {
      await Plotly.react(this.el, ...dressed(data, layout), CONFIG);
    } finally {
      this.drawing = false;
    }
    return true;
  }

  /** Plotly's 3D part, fetched on the first draw; false (and a note in the view) if it failed. */
  async load3d() {
    try {
      await loadPlotly3d();
      this.el.querySelector(".plot-error")?.remove();
      return true;
    } catch {
      if (!this.el.querySelector(".plot-error")) {
        const note = document.createElement("p");
        note.className = "plot-error";
        note.textContent = "The 3D view could not be loaded from the server. Open another tab and come back to try again, or reload the page.";
        this.el.append(note);
      }
      return false;
    }
  }

  /** Queue a path update; the throttle always ends on the latest state. */
  update(runs, current, selected = 0) {
    this.latest = [runs, current, selected];
    if (!this.idx || this.drawing || this.inactive) return;
    // Skip redraws that would show the same thing (each costs a whole WebGL frame).
    const sig = `${runs.map((r) => (r.hidden ? "h" : r.xs.length)).join(",")}|${current?.step ?? ""}|${current?.params ?? ""}|${selected}`;
    if (sig === this.sig) return;
    this.sig = sig;
    this.throttle.run(() => this.flush(runs, current, selected));
  }

  /**
   * While another tab covers the 3D view, skip its redraws (each is a whole WebGL frame)
   * and even its first draw (seconds under software GL); catch up when it comes back.
   */
  async setActive(active) {
    this.inactive = !active;
    if (!active) return;
    if (this.pending && await this.draw(...this.pending)) document.body.dataset.surface3d = "drawn";
    if (this.latest && !this.inactive) this.update(...this.latest);
  }

  flush(runs, current, selected) {
    if (!this.idx) return null;
    const x = [];
    const y = [];
    const z = [];
    const traces = [];
    const lift = (v) => (v === null ? null : v + this.lift);
    for (let r = 0; r < this.nRuns; r++) {
      const run = runs[r]?.hidden ? null : runs[r];
      traces.push(this.idx.paths[r]);
      if (!run) {
        x.push([]);
        y.push([]);
        z.push([]);
        continue;
      }
      const xs = [];
      const ys = [];
      const zs = [];
      for (let i = 0; i < run.xs.length; i++) {
        const zi = lift(this.transform.f(run.losses[i]));
        const inside = this.inBox(run.xs[i], run.ys[i], zi);
        xs.push(inside ? run.xs[i] : null);
        ys.push(inside ? run.ys[i] : null);
        zs.push(inside ? zi : null);
      }
      x.push(xs);
      y.push(ys);
      z.push(zs);
    }
    const p = current?.params;
    const zc = current ? lift(this.transform.f(current.loss)) : null;
    const ok = p && this.inBox(p[0], p[1], zc);
    traces.push(this.idx.current);
    x.push(ok ? [p[0]] : []);
    y.push(ok ? [p[1]] : []);
    z.push(ok ? [zc] : []);
    const color = traces.map((t, k) => (k < this.nRuns ? runColor(k) : runColor(selected)));
    return Plotly.restyle(this.el, { x, y, z, "marker.color": color }, traces);
  }
}
