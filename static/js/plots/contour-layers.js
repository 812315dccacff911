// Two layers of the contour plot that change only when a computation finishes:
//
//   BasinLayer   — which minimum each start on a grid ends in: canvases of n×n pixels
//                  stretched over the plot area (image-rendering: pixelated), between the
//                  Plotly contour and the SVG path overlay. Placing them costs a few style
//                  writes; nothing is redrawn per animation frame. Minima colour the
//                  contour by hue only (mix-blend-mode: color), so its shading and lines
//                  still read and the hues do not turn to mud over viridis as plain
//                  transparency did; "diverged" (black) and "did not converge" (white)
//                  have no hue, so they sit on a second, plainly translucent canvas.
//                  Measured (Chromium, software GL, 1280×720): showing a 256² map takes
//                  ~6 ms and re-placing it 0.03 ms; the alternative, a Plotly heatmap
//                  trace in the contour figure, took ~120 ms to add and ~130 ms on every
//                  resize. Playback ran at the same ~57 fps with either, or none.
//   ScatterLayer — N runs from random starts: thin SVG paths in the overlay, under the
//                  race's paths, that grow over 1.5 s (a CSS dash animation, no JS per frame).

import { pathData } from "./geometry.js";
import { CASING, labelColor } from "./theme.js";

const SVG = "http://www.w3.org/2000/svg";
const STAR = "M0,-9 L2.6,-3.2 9,-2.8 4.1,1.6 5.6,8 0,4.5 -5.6,8 -4.1,1.6 -9,-2.8 -2.6,-3.2 Z";

function svgEl(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.append(node);
  return node;
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export class BasinLayer {
  constructor(host) {
    this.wrap = document.createElement("div");
    this.wrap.className = "basin-layer";
    this.wrap.hidden = true;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "basin-canvas";
    this.neutral = document.createElement("canvas");
    this.neutral.className = "basin-neutral";
    this.stars = svgEl("svg", { class: "basin-stars", "aria-hidden": "true" });
    this.wrap.append(this.canvas, this.neutral, this.stars);
    host.append(this.wrap);
    this.result = null;
    this.visible = true;
  }

  /** Paint a basins answer ({x, y, labels, minima}); null clears the layer. */
  show(result) {
    this.result = result;
    if (!result) {
      this.wrap.hidden = true;
      return;
    }
    const nx = result.x.length;
    const ny = result.y.length;
    const img = new ImageData(nx, ny); // minima (hue)
    const neutral = new ImageData(nx, ny); // diverged / not converged (plain)
    const rgb = new Map();
    for (let i = 0; i < ny; i++) {
      const row = result.labels[i];
      const py = ny - 1 - i; // labels[i] is y[i]; the canvas's rows run downwards
      for (let j = 0; j < nx; j++) {
        const label = row[j];
        if (!rgb.has(label)) rgb.set(label, hexToRgb(labelColor(label)));
        const [r, g, b] = rgb.get(label);
        const k = 4 * (py * nx + j);
        const data = label >= 0 ? img.data : neutral.data;
        data[k] = r;
        data[k + 1] = g;
        data[k + 2] = b;
        data[k + 3] = 255;
      }
    }
    for (const [canvas, data] of [[this.canvas, img], [this.neutral, neutral]]) {
      canvas.width = nx;
      canvas.height = ny;
      canvas.getContext("2d").putImageData(data, 0, 0);
    }
    this.stars.replaceChildren();
    result.minima.forEach((m, k) => {
      svgEl("path", { d: STAR, fill: labelColor(k), stroke: CASING, "stroke-width": 1.6, "data-x": m[0], "data-y": m[1] }, this.stars);
    });
    this.wrap.hidden = !this.visible;
    if (this.axes) this.place(...this.axes);
  }

  setVisible(visible) {
    this.visible = visible;
    this.wrap.hidden = !visible || !this.result;
  }

  /** A map computed for other settings: faded and grey, until it is recomputed. */
  setStale(stale) {
    this.wrap.classList.toggle("stale", stale);
  }

  /** Put the layer over the plot area (called whenever the contour is laid out). */
  place(xa, ya) {
    this.axes = [xa, ya];
    const r = this.result;
    if (!r || this.wrap.hidden) return;
    Object.assign(this.wrap.style, { left: `${xa._offset}px`, top: `${ya._offset}px`, width: `${xa._length}px`, height: `${ya._length}px` });
    // Each label is the cell around its start: half a cell beyond the first and last start.
    const half = (v) => (v.length > 1 ? (v[v.length - 1] - v[0]) / (v.length - 1) / 2 : 0);
    const hx = half(r.x);
    const hy = half(r.y);
    const left = xa.d2p(r.x[0] - hx);
    const right = xa.d2p(r.x[r.x.length - 1] + hx);
    const top = ya.d2p(r.y[r.y.length - 1] + hy);
    const bottom = ya.d2p(r.y[0] - hy);
    for (const c of [this.canvas, this.neutral]) {
      Object.assign(c.style, { left: `${left}px`, top: `${top}px`, width: `${right - left}px`, height: `${bottom - top}px` });
    }
    this.stars.setAttribute("width", String(xa._length));
    this.stars.setAttribute("height", String(ya._length));
    for (const star of this.stars.children) {
      const x = xa.d2p(Number(star.dataset.x));
      const y = ya.d2p(Number(star.dataset.y));
      star.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
    }
  }
}

export class ScatterLayer {
  /** @param {SVGGElement} group  a clipped group of the overlay, under the race's paths */
  constructor(group) {
    this.group = group;
    this.paths = [];
  }

  /** Draw a scatter answer's paths ({paths: [{x, y, label}]}); null clears them. */
  show(result) {
    this.group.replaceChildren();
    this.paths = result?.paths ?? [];
    for (const p of this.paths) {
      const color = labelColor(p.label);
      const g = svgEl("g", { class: "scatter-path", "data-label": p.label }, this.group);
      const casing = p.label === -1 ? "#ffffff" : CASING; // a black (diverged) line needs a light edge
      svgEl("path", { class: "grow", fill: "none", stroke: casing, "stroke-width": 4.5, "stroke-linejoin": "round", "stroke-linecap": "round", pathLength: 1 }, g);
      svgEl("path", { class: "grow", fill: "none", stroke: color, "stroke-width": 2.2, "stroke-linejoin": "round", "stroke-linecap": "round", pathLength: 1 }, g);
      svgEl("circle", { class: "scatter-start", r: 2.5, fill: color, stroke: casing, "stroke-width": 1 }, g);
      svgEl("circle", { class: "scatter-end", r: 5.5, fill: color, stroke: casing, "stroke-width": 2 }, g);
    }
    if (this.last) this.render(...this.last);
  }

  render(px, py, box) {
    this.last = [px, py, box];
    [...this.group.children].forEach((g, i) => {
      const p = this.paths[i];
      const d = pathData(p.x, p.y, px, py, box) || "M0,0";
      const [casing, line, start, end] = g.children;
      casing.setAttribute("d", d);
      line.setAttribute("d", d);
      const dot = (c, k) => {
        const x = px(p.x[k]);
        const y = py(p.y[k]);
        const on = p.x[k] !== null && p.y[k] !== null && x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
        c.setAttribute("visibility", on ? "visible" : "hidden");
        if (on) {
          c.setAttribute("cx", x.toFixed(1));
          c.setAttribute("cy", y.toFixed(1));
        }
      };
      dot(start, 0);
      dot(end, p.x.length - 1);
    });
  }
}
