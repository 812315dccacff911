// The 3D surface: drawn once per surface, when its tab is first opened; then only the
// paths move — at a bounded rate, and not at all while the view cannot be seen.
//
// What a path update costs (Chromium, WebGL in software, 1280×720; bench/frame_rate.py):
// Plotly.restyle of a path re-processes every trace of the scene, the surface's mesh
// included — Plotly refines it to ≥ 120 points per axis and uploads it again (bufferData)
// — about 0.3–2 s of main thread, and then a frame of the scene. So a path update here
// hands the new points to the path's own WebGL object (the same object and call Plotly's
// scene.plot uses for it) and redraws the scene once: a few ms plus that frame. It falls
// back to Plotly.restyle whenever that object is not there (a path that was empty has
// none yet) or this Plotly does not look as expected. The scene is drawn at the screen's
// pixel ratio (Plotly's default for WebGL is 2, four times the pixels on an ordinary
// display), and updates take at most an eighth of the main thread (AdaptiveThrottle).

import { CASING, COLORSCALE, CONFIG, FONT, fitToContainer, runColor } from "./theme.js";
import { dressed } from "./dress.js";
import { OnScreen } from "./on-screen.js";
import { loadPlotly3d } from "./plotly-3d.js";
import { AdaptiveThrottle } from "./throttle.js";

const MAX_MESH = 64; // points per axis of the 3D mesh
const PATH_TRACES = 6; // one per run the server can stream; unused ones stay empty
const GL_CONFIG = { ...CONFIG, plotGlPixelRatio: Math.max(1, globalThis.devicePixelRatio || 1) };

/** One animation frame later: the time a redraw took includes the frame that shows it. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

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
    // ≤ 5 updates per second, and each waits 8× what the last ones took — a scene that
    // takes 250 ms to redraw (software GL) updates every 2 s, and the 2D plots keep the
    // rest — but never more than 3 s (Plotly's first draw of a path, once, takes seconds).
    this.throttle = new AdaptiveThrottle(200, 8, 3000);
    this.updates = 0; // path updates drawn (for the frame-rate bench and tests) …
    this.direct = 0; // … of which straight into the scene (intoScene), not by Plotly.restyle
    this.screen = new OnScreen(el, () => this.catchUp());
  }

  /**
   * Draw a surface; while the view cannot be seen (another tab covers it, or /embed does
   * not show it), only remember it. Resolves true once drawn, false when deferred.
   */
  async draw(surface, fullGrid, transform) {
    if (!this.screen.shown) {
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
      await Plotly.react(this.el, ...dressed(data, layout), GL_CONFIG);
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
    if (!this.idx || this.drawing || !this.screen.shown) return;
    // Skip redraws that would show the same thing (each costs a whole WebGL frame).
    const sig = `${runs.map((r) => (r.hidden ? "h" : r.xs.length)).join(",")}|${current?.step ?? ""}|${current?.params ?? ""}|${selected}`;
    if (sig === this.sig) return;
    this.sig = sig;
    this.throttle.run(() => this.flush(runs, current, selected));
  }

  /**
   * Back in view (its tab opened, scrolled to, the browser tab in front): the first draw
   * if it was deferred, then the paths as they are now.
   */
  async catchUp() {
    if (this.pending && await this.draw(...this.pending)) document.body.dataset.surface3d = "drawn";
    if (this.latest && this.screen.shown) this.update(...this.latest);
  }

  /**
   * The runs stopped moving (paused, ended, back at the start): show where they are now,
   * without waiting out the update interval — there is no playback left to starve.
   */
  settle() {
    if (this.latest && this.idx && !this.drawing && this.screen.shown) {
      this.update(...this.latest);
      this.throttle.hurry();
    }
  }

  async flush(runs, current, selected) {
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
    // where each shown run is now: a dot in its colour, the selected run's larger (drawn last, on top)
    const now = { x: [], y: [], z: [], color: [], size: [] };
    const order = [...runs.keys()].filter((r) => r !== selected).concat(runs[selected] ? [selected] : []);
    for (const r of order) {
      const run = runs[r];
      const k = run && !run.hidden ? run.xs.length - 1 : -1;
      const p = r === selected && current?.params ? current.params : [run?.xs[k], run?.ys[k]];
      const zc = k < 0 ? null : lift(this.transform.f(r === selected && current ? current.loss : run.losses[k]));
      if (k < 0 || !this.inBox(p[0], p[1], zc)) continue;
      now.x.push(p[0]);
      now.y.push(p[1]);
      now.z.push(zc);
      now.color.push(runColor(r));
      now.size.push(r === selected ? 7 : 5);
    }
    traces.push(this.idx.current);
    x.push(now.x);
    y.push(now.y);
    z.push(now.z);
    const marker = traces.map((t, k) => (k < this.nRuns ? { color: runColor(k), size: 2.5 } : { color: now.color, size: now.size }));
    if (this.intoScene(traces, x, y, z, marker)) this.direct += 1;
    else {
      await Plotly.restyle(this.el, { x, y, z, "marker.color": marker.map((m) => m.color), "marker.size": marker.map((m) => m.size) }, traces);
    }
    this.updates += 1;
    await nextFrame();
  }

  /**
   * The new points straight into each path's WebGL object, then one redraw of the scene
   * (see the top of this file). The figure's data are kept in step, so a later Plotly call
   * (and a reader of `el.data`) sees the same paths. False — and nothing changed — when
   * any path's object is missing (Plotly creates it on the next restyle).
   */
  intoScene(traces, x, y, z, marker) {
    const scene = this.el._fullLayout?.scene?._scene;
    const full = this.el._fullData;
    if (!scene?.glplot || typeof scene.glplot.redraw !== "function" || !scene.traces || !full) return false;
    const objects = traces.map((i) => scene.traces[full[i]?.uid]);
    for (let k = 0; k < traces.length; k++) {
      const obj = objects[k];
      const has = x[k].length > 0;
      // an empty path has no object, and must not get one here; a path that empties goes through Plotly
      if (has !== Boolean(obj) || (obj && typeof obj.update !== "function") || full[traces[k]].type !== "scatter3d") return false;
    }
    traces.forEach((i, k) => {
      for (const trace of [this.el.data[i], full[i]]) {
        Object.assign(trace, { x: x[k], y: y[k], z: z[k] });
        trace.marker = { ...trace.marker, ...marker[k] };
      }
      full[i]._length = x[k].length;
      objects[k]?.update(full[i]);
    });
    scene.glplot.redraw();
    return true;
  }
}
