// The contour plot. Plotly draws the surface once (per surface); the moving parts —
// path, start, current point, −η∇L and update arrows — live in an SVG layer on top,
// placed with Plotly's own axis transforms. Updating them costs microseconds, whereas
// any Plotly restyle of this figure recomputes the whole contour (~100 ms).
// The basin map and the scattered starts are layers of their own (contour-layers.js),
// drawn only when their data or the plot's size change, never per frame.

import { fmt, fmtPretty } from "../format.js";
import { BasinLayer, ScatterLayer } from "./contour-layers.js";
import { PathBuilder, clipSegment, f1, ok2 } from "./geometry.js";
import { CASING, COLORSCALE, CONFIG, FONT, GAP_COLOR, GRAD_COLOR, UPDATE_COLOR, fitToContainer, runColor } from "./theme.js";
import { LOOK } from "../look.js";
import { dressed } from "./dress.js";
import { OnScreen } from "./on-screen.js";

const SVG = "http://www.w3.org/2000/svg";
const CLICK_SLOP_PX = 6;
const DOTS_UP_TO = 120; // steps drawn with a dot each; longer paths are a plain line
const CLIP_MARGIN = 40; // px beyond the plot area where lines are cut (dots there are hidden)
const MIN_PX = 0.75; // past DOTS_UP_TO steps, a step that moves less than this on screen is merged
const COLORBAR_PX = 75; // about what the colour bar and its labels take, at scale 1
const MARGIN = { l: 48, r: 6, t: 8, b: 46 }; // (× the page's scale: dress.js)
// At scale 1, the margins Plotly's automargin ends at with the usual labels (the colour
// bar pushes the right one 84 px out, the x title the bottom one to 56): a first draw that
// starts there has nothing to expand, so Plotly lays the figure out once, not twice (the
// second layout pass was ~100 ms of the page's first paint). Longer labels still expand
// them. (Other scales grow the labels by less than the scale: they start at MARGIN.)
const MARGIN_AT_1 = { ...MARGIN, b: 56 };
const COLORBAR_MARGIN_AT_1 = 84;
const MIN_COLORBAR_PLOT_PX = 360; // a narrower plot (× scale) leaves the colour bar out
const MIN_ARROW_PX = 13; // an arrow shorter than this ends under the current point's dot (r = 8, its rim)

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.append(node);
  return node;
}

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
  /** @param {HTMLElement} host  @param {{onPick: (xy: number[]) => void}} opts */
  constructor(host, { onPick }) {
    this.host = host;
    this.onPick = onPick;
    this.gd = document.createElement("div");
    this.gd.className = "plotly-host";
    host.append(this.gd);
    this.basins = new BasinLayer(host); // between the contour and the paths
    this.svg = this.buildOverlay();
    host.append(this.svg);
    this.scatter = new ScatterLayer(this.scatterGroup);
    this.model = { runs: [], current: null, lr: NaN, selected: 0 };
    this.paths = []; // per run: its path data so far (pathOf) …
    this.written = []; // … and what its SVG path shows
    this.drawn = false;
    this.pending = null; // a surface to draw once the plot can be seen
    this.screen = new OnScreen(host, () => this.catchUp());
    this.down = null;
    host.addEventListener("pointerdown", (ev) => this.pointerDown(ev), true);
    window.addEventListener("pointerup", (ev) => this.pointerUp(ev), true);
  }

  buildOverlay() {
    const svg = el("svg", { class: "overlay", "aria-hidden": "true" });
    const defs = el("defs", {}, svg);
    const head = (id, color) => {
      const m = el("marker", { id, viewBox: "0 0 10 10", refX: 7, refY: 5, markerWidth: 4.2, markerHeight: 4.2, orient: "auto-start-reverse", markerUnits: "strokeWidth" }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", fill: color, stroke: CASING, "stroke-width": 1.2 }, m);
    };
    head("gdviz-head-grad", GRAD_COLOR);
    head("gdviz-head-update", UPDATE_COLOR);
    for (let r = 0; r < 6; r++) {
      const m = el("marker", { id: `gdviz-dot-${r}`, viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 2.4, markerHeight: 2.4, markerUnits: "strokeWidth" }, defs);
      el("circle", { cx: 5, cy: 5, r: 4, fill: runColor(r), stroke: CASING, "stroke-width": 1.4 }, m);
    }
    this.clipRect = el("rect", {}, el("clipPath", { id: "gdviz-plotarea" }, defs));
    this.layer = el("g", { "clip-path": "url(#gdviz-plotarea)" }, svg);
    this.labelLayer = el("g", {}, svg); // labels are kept inside the plot area by hand, never clipped
    this.scatterGroup = el("g", { class: "scatter" }, this.layer); // under the race's paths
    this.runLayer = el("g", {}, this.layer);
    // −η∇L is dashed (white dashes on its dark casing), the update solid magenta: told
    // apart by pattern as well as colour, and in print or to a colour-blind eye
    const arrow = (color, headId, dash) => {
      const g = el("g", { class: "arrow" }, this.layer);
      const casing = el("line", { stroke: CASING, "stroke-width": 7, "stroke-linecap": "round" }, g);
      const line = el("line", { stroke: color, "stroke-width": 4, "stroke-linecap": dash ? "butt" : "round", "marker-end": `url(#${headId})`, ...(dash ? { "stroke-dasharray": dash } : {}) }, g);
      const label = el("text", { class: "arrow-label" }, this.labelLayer);
      return { g, casing, line, label };
    };
    this.gradArrow = arrow(GRAD_COLOR, "gdviz-head-grad", "7 4");
    this.updateArrow = arrow(UPDATE_COLOR, "gdviz-head-update", null);
    this.currentDot = el("circle", { r: 8, fill: runColor(0), stroke: CASING, "stroke-width": 2.5 }, this.layer);
    return svg;
  }

  ensureRunNodes(n) {
    this.runNodes ??= [];
    while (this.runNodes.length < n) {
      const r = this.runNodes.length;
      const g = el("g", { class: "run", "data-run": r }, this.runLayer);
      this.runNodes.push(g);
      el("path", { class: "casing", fill: "none", stroke: CASING, "stroke-width": 6, "stroke-linejoin": "round", "stroke-linecap": "round" }, g);
      el("path", {
        class: "line", fill: "none", stroke: runColor(r), "stroke-width": 3, "stroke-linejoin": "round", "stroke-linecap": "round",
        "marker-start": `url(#gdviz-dot-${r % 6})`, "marker-mid": `url(#gdviz-dot-${r % 6})`, "marker-end": `url(#gdviz-dot-${r % 6})`,
      }, g);
      el("circle", { class: "start", r: 8, fill: "none", stroke: "#ffffff", "stroke-width": 3 }, g);
      el("circle", { class: "start-casing", r: 10, fill: "none", stroke: CASING, "stroke-width": 1.2 }, g);
      // where this run is now (the selected run's is the larger dot drawn over everything)
      el("circle", { class: "now", r: 6, fill: runColor(r), stroke: CASING, "stroke-width": 2, visibility: "hidden" }, g);
    }
    while (this.runNodes.length > n) this.runNodes.pop().remove();
  }

  /**
   * Draw the surface (once per surface) — or, while the plot cannot be seen (e.g. an
   * /embed that does not show it), only remember it and draw it when it comes into view.
   */
  async draw(surface, grid, transform) {
    if (!this.screen.shown) {
      this.pending = [surface, grid, transform];
      return;
    }
    this.pending = null;
    this.transform = transform;
    const t = transform;
    const [ax, ay, az] = surface.axes ?? ["x", "y", "f"]; // a model's weights: w1, w2 and its loss L
    const zt = grid.z.map((row) => row.map(t.f));
    // a small plot (an embed in a slide) keeps its room for the surface: no colour bar
    this.colorbar = this.gd.clientWidth >= MIN_COLORBAR_PLOT_PX * LOOK.scale;
    const text = grid.z.map((row) => row.map((v) => fmt(v)));
    const colorbar = {
      title: { text: t.log ? `${az} (log scale)` : az, side: "right", font: { size: 14 } },
      thickness: 14,
      len: 0.95,
      outlinewidth: 0,
      tickfont: { size: 13 },
      ...(t.log ? logColorbarTicks(t) : {}),
    };
    const data = [
      {
        type: "contour", x: grid.x, y: grid.y, z: zt, text,
        colorscale: COLORSCALE, ncontours: 26, connectgaps: false, showscale: this.colorbar,
        contours: { coloring: "heatmap", showlines: true },
        line: { width: 0.7, color: "rgba(255,255,255,0.4)" },
        colorbar,
        hovertemplate: `${ax} = %{x:.3g}<br>${ay} = %{y:.3g}<br>${az} = %{text}<extra></extra>`,
        name: "f",
      },
      {
        type: "scatter", mode: "markers", name: "minimum",
        x: surface.minima.map((m) => m[0]), y: surface.minima.map((m) => m[1]),
        marker: { symbol: "star", size: 18, color: "#ffffff", line: { color: CASING, width: 1.5 } },
        hovertemplate: "minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
      },
    ];
    const [[x0, x1], [y0, y1]] = surface.domain;
    const layout = {
      font: FONT,
      margin: LOOK.scale === 1 ? { ...MARGIN_AT_1, r: MARGIN.r + (this.colorbar ? COLORBAR_MARGIN_AT_1 : 0) } : MARGIN,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: GAP_COLOR, // (the contour covers it, except where f is not finite)
      dragmode: false,
      hovermode: "closest",
      hoverlabel: { font: { size: 15 } },
      showlegend: false,
      xaxis: { range: [x0, x1], title: { text: ax, standoff: 6 }, automargin: true, zeroline: false, showgrid: false, constrain: "domain", constraintoward: "right", ticks: "outside", fixedrange: true },
      yaxis: { range: [y0, y1], title: { text: ay, standoff: 6 }, automargin: true, zeroline: false, showgrid: false, scaleanchor: "x", scaleratio: 1, constrain: "domain", ticks: "outside", fixedrange: true },
    };
    const first = !this.drawn;
    // A new figure, not Plotly.react: react keeps the old axes' constrained domains, so a
    // tall typed f(x, y) left the next surface with stale, stretched ranges. (newPlot drops
    // the figure's event handlers: they are added again.)
    await Plotly.newPlot(this.gd, ...dressed(data, layout, { size: this.tickRoom(x1 - x0, y1 - y0, layout.margin) }), CONFIG);
    this.gd.on("plotly_afterplot", () => this.render());
    if (first) fitToContainer(this.gd, () => this.render());
    this.drawn = true;
    this.render();
  }

  /**
   * Set the moving parts and redraw them.
   * @param {{xs: number[], ys: number[], start: number[], hidden: boolean}[]} runs  per-run path (null = non-finite)
   * @param {{params, grad, update} | null} current  latest frame of the selected run (null: none shown)
   * @param {number} lr  learning rate now in force (for the −η∇L arrow)
   * @param {number} selected  the selected run (its colour marks the current point)
   */
  update(runs, current, lr, selected = 0) {
    this.model = { runs, current, lr, selected };
    this.render();
  }

  /**
   * The size fitTicks should fit the axes' labels to: the plot area the domain's fixed
   * aspect ratio leaves in this element (inside MARGIN, beside the colour bar), plus the
   * layout's `margin` — which fitTicks takes off again, so it fits the labels to that area
   * (at scale 1 the layout's right margin already holds the colour bar: counting the bar
   * in both left room for 4 x labels, not 6).
   */
  tickRoom(dx, dy, margin) {
    const s = LOOK.scale;
    const w = Math.max(0, this.gd.clientWidth - (MARGIN.l + MARGIN.r) * s - (this.colorbar ? COLORBAR_PX * s : 0));
    const h = Math.max(0, this.gd.clientHeight - (MARGIN.t + MARGIN.b) * s);
    const plotW = Math.min(w, (h * dx) / dy);
    return { w: plotW + (margin.l + margin.r) * s, h: (plotW * dy) / dx + (margin.t + margin.b) * s };
  }

  /** Back in view: draw what was deferred, then the moving parts as they are now. */
  catchUp() {
    if (this.pending) this.draw(...this.pending);
    else this.render();
  }

  axes() {
    const full = this.gd._fullLayout;
    if (!full || !full.xaxis || !full.yaxis || !full.xaxis._length) return null;
    return { xa: full.xaxis, ya: full.yaxis };
  }

  render() {
    if (!this.screen.shown) return; // (catchUp draws the newest state when it is seen again)
    const ax = this.axes();
    if (!ax) return;
    const { xa, ya } = ax;
    const w = this.gd.clientWidth;
    const h = this.gd.clientHeight;
    this.svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    this.svg.setAttribute("width", String(w));
    this.svg.setAttribute("height", String(h));
    for (const [k, v] of Object.entries({ x: xa._offset, y: ya._offset, width: xa._length, height: ya._length })) {
      this.clipRect.setAttribute(k, String(v));
    }
    const px = (x) => xa._offset + xa.d2p(x);
    const py = (y) => ya._offset + ya.d2p(y);
    this.box = {
      left: xa._offset - CLIP_MARGIN, right: xa._offset + xa._length + CLIP_MARGIN,
      top: ya._offset - CLIP_MARGIN, bottom: ya._offset + ya._length + CLIP_MARGIN,
    };

    this.basins.place(xa, ya);
    this.scatter.render(px, py, this.box);
    // the paths' screen mapping: when it changes, each path is built again from its first point
    const mapping = `${xa._offset},${xa._length},${xa.range},${ya._offset},${ya._length},${ya.range}`;

    const { runs, current, lr, selected } = this.model;
    this.ensureRunNodes(Math.max(runs.length, this.runNodes?.length ?? 0));
    // The selected run's path on top of the others (moved only when the selection changes).
    const top = this.runNodes[selected];
    if (top && this.runLayer.lastElementChild !== top) this.runLayer.append(top);
    this.runNodes.forEach((g, r) => {
      const run = runs[r];
      const [casing, line, start, startCasing, now] = g.children;
      if (!run || run.hidden) {
        g.setAttribute("display", "none");
        g.dataset.points = "0";
        return;
      }
      g.removeAttribute("display");
      const d = this.pathOf(r, run, px, py, mapping);
      if (this.written[r] !== d) { // (a run that has not moved: nothing to write)
        casing.setAttribute("d", d || "M0,0");
        line.setAttribute("d", d || "M0,0");
        this.written[r] = d;
      }
      // A dot per step reads well for a few dozen steps; hundreds would bury the line.
      line.setAttribute("marker-mid", run.xs.length > DOTS_UP_TO ? "none" : `url(#gdviz-dot-${r % 6})`);
      g.dataset.points = String(run.xs.length);
      const vis = d ? "visible" : "hidden";
      casing.setAttribute("visibility", vis);
      line.setAttribute("visibility", vis);
      if (ok2(run.start)) {
        for (const c of [start, startCasing]) {
          c.setAttribute("cx", f1(px(run.start[0])));
          c.setAttribute("cy", f1(py(run.start[1])));
          c.removeAttribute("visibility");
        }
      }
      const k = run.xs.length - 1;
      const at = k >= 0 && r !== selected ? [px(run.xs[k] ?? NaN), py(run.ys[k] ?? NaN)] : null;
      const seen = at && run.xs[k] !== null && run.ys[k] !== null && clipSegment(at[0], at[1], at[0], at[1], this.box) !== null;
      now.setAttribute("visibility", seen ? "visible" : "hidden");
      if (seen) {
        now.setAttribute("cx", f1(at[0]));
        now.setAttribute("cy", f1(at[1]));
      }
    });

    const p = current?.params;
    const have = ok2(p) && Number.isFinite(px(p[0])) && Number.isFinite(py(p[1]));
    const onPlot = have && clipSegment(px(p[0]), py(p[1]), px(p[0]), py(p[1]), this.box) !== null;
    this.currentDot.setAttribute("visibility", onPlot ? "visible" : "hidden");
    this.currentDot.setAttribute("fill", runColor(selected));
    if (onPlot) {
      this.currentDot.setAttribute("cx", f1(px(p[0])));
      this.currentDot.setAttribute("cy", f1(py(p[1])));
    }
    const g = current?.loss_grad ?? current?.grad; // ∇L, also where a run steps along another rule
    const u = current?.update;
    const gradStep = have && ok2(g) && Number.isFinite(lr) ? [-lr * g[0], -lr * g[1]] : null;
    const upd = have && ok2(u) ? u : null;
    // Plain GD: the update IS −η∇L; draw one arrow with both names instead of two on top of each other.
    const same = gradStep && upd && Math.hypot(gradStep[0] - upd[0], gradStep[1] - upd[1]) <= 1e-9 * (Math.hypot(upd[0], upd[1]) + 1e-300);
    this.drawArrow(this.gradArrow, same ? null : gradStep, p, px, py, "−η∇L");
    this.drawArrow(this.updateArrow, upd, p, px, py, same ? "update = −η∇L" : "update");
  }

  /**
   * Run r's path data: the points drawn last frame are kept and only the new ones added
   * (a 10,000-step path costs its new steps per frame, not all of them), unless the run
   * was restarted or the plot's mapping changed.
   */
  pathOf(r, run, px, py, mapping) {
    const n = run.xs.length;
    let c = this.paths[r];
    const same = c && c.mapping === mapping && n >= c.b.n && (c.b.n === 0 || (run.xs[0] === c.x0 && run.ys[0] === c.y0
      && run.xs[c.b.n - 1] === c.xl && run.ys[c.b.n - 1] === c.yl));
    if (!same) {
      c = { mapping, b: new PathBuilder(this.box), x0: run.xs[0], y0: run.ys[0] };
      this.paths[r] = c;
    }
    if (n > c.b.n) {
      if (c.b.n >= DOTS_UP_TO) c.b.minPx = MIN_PX; // (a dot per step up to there: every step drawn)
      c.b.extend(run.xs, run.ys, px, py, c.b.n, n, n === 1);
      [c.x0, c.y0, c.xl, c.yl] = [run.xs[0], run.ys[0], run.xs[n - 1], run.ys[n - 1]];
    }
    return c.b.d;
  }

  drawArrow(arrow, vec, p, px, py, label) {
    let seg = null;
    if (vec) {
      const a = [px(p[0]), py(p[1])];
      const b = [px(p[0] + vec[0]), py(p[1] + vec[1])];
      // Arrows from a point off the plot say nothing; an arrow that ends under the current
      // point's dot cannot be seen, and would only put a bare label beside it.
      const from = clipSegment(a[0], a[1], a[0], a[1], this.box);
      if (from && Math.hypot(b[0] - a[0], b[1] - a[1]) >= MIN_ARROW_PX) seg = clipSegment(a[0], a[1], b[0], b[1], this.box);
    }
    if (!seg) {
      arrow.g.setAttribute("visibility", "hidden");
      arrow.label.setAttribute("visibility", "hidden");
      return;
    }
    const [x1, y1, x2, y2] = seg;
    arrow.g.setAttribute("visibility", "visible");
    arrow.label.setAttribute("visibility", "visible");
    for (const ln of [arrow.casing, arrow.line]) {
      ln.setAttribute("x1", x1.toFixed(1));
      ln.setAttribute("y1", y1.toFixed(1));
      ln.setAttribute("x2", x2.toFixed(1));
      ln.setAttribute("y2", y2.toFixed(1));
    }
    // Label beyond the tip, pushed out along the arrow so it does not sit on the head.
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const ux = (x2 - x1) / len;
    const uy = (y2 - y1) / len;
    arrow.label.textContent = label;
    const anchor = ux > 0.35 ? "start" : ux < -0.35 ? "end" : "middle";
    arrow.label.setAttribute("text-anchor", anchor);
    // Keep the label inside the plot area even when the arrow runs off it.
    const { xa, ya } = this.axes();
    const wText = arrow.label.getComputedTextLength?.() || 8 * label.length;
    const left = anchor === "start" ? 0 : anchor === "end" ? wText : wText / 2;
    const x0 = xa._offset + 4 + left;
    const xMax = xa._offset + xa._length - 4 - (wText - left);
    const lx = Math.min(Math.max(x2 + ux * 14, x0), Math.max(x0, xMax));
    const ly = Math.min(Math.max(y2 + uy * 14 + 5, ya._offset + 16), ya._offset + ya._length - 6);
    arrow.label.setAttribute("x", lx.toFixed(1));
    arrow.label.setAttribute("y", ly.toFixed(1));
  }

  /** Number of points drawn in a run's path; 0 when it is hidden (for tests). */
  pointCount(run = 0) {
    return Number(this.runNodes?.[run]?.dataset.points ?? 0);
  }

  /** Data coordinates under a pointer event, or null outside the plot area. */
  eventToData(ev) {
    const ax = this.axes();
    if (!ax) return null;
    const { xa, ya } = ax;
    const box = this.gd.getBoundingClientRect();
    const x = ev.clientX - box.left - xa._offset;
    const y = ev.clientY - box.top - ya._offset;
    if (x < 0 || x > xa._length || y < 0 || y > ya._length) return null;
    return [xa.p2d(x), ya.p2d(y)];
  }

  /** Page pixel position of a data point (for tests and tooling). */
  dataToClient([x, y]) {
    const ax = this.axes();
    if (!ax) return null;
    const box = this.gd.getBoundingClientRect();
    return [box.left + ax.xa._offset + ax.xa.d2p(x), box.top + ax.ya._offset + ax.ya.d2p(y)];
  }

  pointerDown(ev) {
    if (ev.button !== 0) return;
    const xy = this.eventToData(ev);
    this.down = xy ? { x: ev.clientX, y: ev.clientY } : null;
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
