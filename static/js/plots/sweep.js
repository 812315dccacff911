// Final loss against learning rate (both log scales when the losses allow), one point
// per η of a sweep, coloured by how the run ended; the stability bound as a dashed
// line, the selected run's η as a solid one. Clicking a point reports its η; so does
// Enter, after choosing a point with ← / → while the plot has the keyboard focus.

import { fmt } from "../format.js";
import { CONFIG, FONT, fitToContainer } from "./theme.js";
import { dressed, dressedLayout } from "./dress.js";
import { statusLook } from "../status.js";
import { LOOK } from "../look.js";

/** Status → look: the badge's colour (status.js) AND a marker shape, never colour alone. */
const MARKERS = [
  ["converged", "converged", "circle"],
  ["stalled", "stalled", "triangle-down"],
  ["oscillating", "oscillating", "diamond"],
  ["noise_floor", "noise floor", "hexagon"],
  ["max_steps", "out of steps", "square"],
  ["diverged", "diverged ↑", "x-thin-open"],
];
export const STATUS_LOOK = Object.fromEntries(MARKERS.map(([status, name, symbol]) => [status, { name, color: statusLook(status).bg, symbol }]));

const PICK_PX = 24; // a click this close to a point picks it
const LABEL_SIZE = 14; // px: the lines' labels
const LABEL_ROW = 19; // px: a row of them, above the plot area
const GAP = 3; // px between a line and its label
const MARGIN = { l: 56, r: 16, b: 46 }; // px (and t: the rows of labels), before scale=

/** A label's width in px at `size` (the page's font), for placing it before it is drawn. */
function textWidth(text, size) {
  textWidth.ctx ??= document.createElement("canvas").getContext("2d");
  textWidth.ctx.font = `${size}px ${FONT.family}`;
  return textWidth.ctx.measureText(text).width;
}

export class SweepPlot {
  /** @param {HTMLElement} el  @param {{onPick(lr)}} h */
  constructor(el, { onPick }) {
    this.el = el;
    this.onPick = onPick;
    this.result = null;
    this.marker = null; // {lr, label}
    this.bound = null; // {value, label}
    this.ready = false;
    this.cursor = null; // index of the point chosen with the keyboard
    fitToContainer(el, () => { if (this.result) this.relabel(); }); // (a new width: the labels' room changed)
    el.tabIndex = 0;
    el.setAttribute("role", "application");
    el.setAttribute("aria-label", "Learning-rate sweep: left and right arrows choose a point, Enter gives the run its learning rate");
    // Listeners on the plot run before the page's own keys (keyboard.js), which
    // leave an event alone once it is handled here.
    el.addEventListener("keydown", (ev) => this.key(ev));
    el.addEventListener("blur", () => this.setCursor(null));
  }

  key(ev) {
    if (!this.result || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const n = this.result.points.length;
    const at = this.cursor ?? this.nearestToMarker();
    let next = null;
    if (ev.key === "ArrowRight" || ev.key === "ArrowUp") next = this.cursor === null ? at : Math.min(at + 1, n - 1);
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowDown") next = this.cursor === null ? at : Math.max(at - 1, 0);
    else if (ev.key === "Home") next = 0;
    else if (ev.key === "End") next = n - 1;
    else if (ev.key === "Enter" && this.cursor !== null) {
      ev.preventDefault();
      this.onPick(this.result.points[this.cursor].lr);
      return;
    } else return;
    ev.preventDefault();
    this.setCursor(next);
  }

  /** The point whose η is closest (on the log scale) to the run's η: where the keys start. */
  nearestToMarker() {
    const lr = this.marker?.lr ?? 1;
    let best = 0;
    this.result.points.forEach((p, i) => {
      if (Math.abs(Math.log(p.lr / lr)) < Math.abs(Math.log(this.result.points[best].lr / lr))) best = i;
    });
    return best;
  }

  setCursor(i) {
    if (i === this.cursor) return;
    this.cursor = i;
    if (this.result) this.relabel();
  }

  /** Show a sweep answer; bound: {value, label} or null; marker: the run's {lr, label}. */
  async show(result, bound, marker) {
    this.result = result;
    this.cursor = null;
    this.bound = bound;
    this.marker = marker;
    const pts = result.points;
    const finite = pts.filter((p) => p.status !== "diverged" && p.final_loss !== null && Number.isFinite(p.final_loss));
    const lossMin = Math.min(...finite.map((p) => p.final_loss));
    const lossMax = Math.max(...finite.map((p) => p.final_loss));
    this.log = finite.length > 0 && lossMin > 0;
    // The y range holds every finite loss; diverged runs sit in a band above it.
    let yTop;
    let range;
    if (!finite.length) {
      range = this.log ? [-1, 1] : [0, 1];
      yTop = this.log ? 10 ** 0.8 : 0.9;
    } else if (this.log) {
      const lo = Math.log10(lossMin);
      const hi = Math.log10(lossMax);
      const pad = Math.max((hi - lo) * 0.06, 0.3);
      range = [lo - pad, hi + 4 * pad];
      yTop = 10 ** (hi + 2.6 * pad);
    } else {
      const pad = Math.max((lossMax - lossMin) * 0.06, 1e-9);
      range = [lossMin - pad, lossMax + 4 * pad];
      yTop = lossMax + 2.6 * pad;
    }
    this.range = range;
    this.yTop = yTop;
    const data = Object.entries(STATUS_LOOK).map(([status, look]) => {
      const ps = pts.filter((p) => p.status === status);
      const diverged = status === "diverged";
      return {
        type: "scatter", mode: "markers", name: look.name, x: ps.map((p) => p.lr),
        y: ps.map((p) => (diverged || p.final_loss === null ? yTop : p.final_loss)),
        customdata: ps.map((p) => [p.final_loss === null ? "NaN/∞" : fmt(p.final_loss), p.steps_to_converge ?? "–"]),
        marker: { color: look.color, symbol: look.symbol, size: diverged ? 11 : 9, line: { color: diverged ? look.color : "#111", width: diverged ? 2.5 : 1 } },
        hovertemplate: `η = %{x:.3g}<br>${look.name.replace(" ↑", "")}<br>final f = %{customdata[0]}<br>steps to converge: %{customdata[1]}<extra></extra>`,
        showlegend: false, // the key is HTML under the plot (panels/sweep.js): it wraps, a Plotly legend would not
      };
    });
    const xs = pts.map((p) => p.lr);
    this.xRange = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
    const padX = (this.xRange[1] - this.xRange[0]) * 0.03;
    this.xRange = [this.xRange[0] - padX, this.xRange[1] + padX];
    const layout = {
      font: FONT,
      margin: { ...MARGIN, t: this.labelRows().top },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      hovermode: "closest",
      hoverdistance: 30,
      dragmode: false,
      xaxis: { type: "log", title: { text: "learning rate η", standoff: 6 }, range: this.xRange, gridcolor: "#e3e5e8", exponentformat: "power", ticks: "outside", fixedrange: true },
      yaxis: { type: this.log ? "log" : "linear", title: { text: "final f", standoff: 6 }, range, gridcolor: "#e3e5e8", exponentformat: "power", ticks: "outside", fixedrange: true, automargin: true },
      ...this.decorations(),
    };
    await Plotly.react(this.el, ...dressed(data, layout), CONFIG);
    this.relabel(); // (the labels were placed for an estimate of the plot area: now it is drawn)
    if (!this.ready) {
      this.ready = true;
      // Our own hit test rather than plotly_click: Plotly's click needs a hover computed
      // first, which a quick click (or a busy main thread) can beat.
      this.el.addEventListener("click", (ev) => {
        const lr = this.pointAt(ev.clientX, ev.clientY);
        if (lr !== null) this.onPick(lr);
      });
    }
  }

  /** The η of the sweep point nearest a page position (within PICK_PX), or null. */
  pointAt(clientX, clientY) {
    if (!this.result) return null;
    let best = null;
    let bestD = PICK_PX;
    this.result.points.forEach((p, i) => {
      const [x, y] = this.pointToClient(i);
      const d = Math.hypot(x - clientX, y - clientY);
      if (d <= bestD) {
        bestD = d;
        best = p.lr;
      }
    });
    return best;
  }

  /** The bound's and the run's lines, each labelled. */
  lines() {
    const out = [];
    if (this.bound && Number.isFinite(this.bound.value)) {
      out.push({ lr: this.bound.value, text: `${this.bound.label} = ${fmt(this.bound.value)}`, color: "#111", dash: "dash", width: 2 });
    }
    if (this.marker && Number.isFinite(this.marker.lr)) {
      out.push({ lr: this.marker.lr, text: this.marker.label, short: `η = ${fmt(this.marker.lr)}`, color: "#1d4ed8", width: 3 });
    }
    return out;
  }

  /**
   * Where the lines' labels go: above the plot area, never over the points (near the bound
   * they covered the very points a student reads it by). Each beside its line, on the side
   * away from the other line when that has room, else the other side; when the two would
   * overlap (η just past the bound) the run's says "η = 1.1" alone, and if even that does
   * not fit it goes up a row. → {labels: [{side, row, text}], top}
   */
  labelRows() {
    const lines = this.lines();
    const scale = LOOK.scale;
    if (!lines.length || !this.xRange) return { labels: [], top: 8 };
    const full = this.el._fullLayout;
    const paper = full?.width ?? this.el.clientWidth;
    const left = full?.xaxis?._offset ?? MARGIN.l * scale;
    const length = full?.xaxis?._length ?? paper - (MARGIN.l + MARGIN.r) * scale;
    const px = (lr) => left + ((Math.log10(lr) - this.xRange[0]) / (this.xRange[1] - this.xRange[0])) * length;
    const placed = [];
    const labels = lines.map((line, k) => {
      const at = px(line.lr);
      if (at < left - 0.5 || at > left + length + 0.5) return { off: true }; // (η outside the sweep's range)
      const other = lines[1 - k];
      const away = other ? (other.lr < line.lr ? "right" : "left") : (at - left > length / 2 ? "left" : "right");
      const sides = [away, away === "left" ? "right" : "left"];
      const span = (side, text) => {
        const w = textWidth(text, LABEL_SIZE * scale) + 2; // (+ its box's padding)
        return side === "left" ? [at - GAP * scale - w, at - GAP * scale] : [at + GAP * scale, at + GAP * scale + w];
      };
      const fits = ([a, b], row) => a >= 0 && b <= paper && placed.every((p) => p.row !== row || b + 6 <= p.a || a >= p.b + 6);
      const tries = [[line.text, 0], ...(line.short ? [[line.short, 0]] : []), [line.text, 1]];
      for (const [text, row] of tries) {
        const side = sides.find((sd) => fits(span(sd, text), row));
        if (side) {
          const [a, b] = span(side, text);
          placed.push({ a, b, row });
          return { side, row, text };
        }
      }
      // (room on neither side, in either row: the roomier side, on a row of its own)
      const row = placed.length ? 1 : 0;
      placed.push({ a: -Infinity, b: Infinity, row });
      return { side: at - left > length / 2 ? "left" : "right", row, text: line.text };
    });
    const rows = 1 + Math.max(0, ...labels.map((l) => l.row ?? 0));
    return { labels, top: 4 + rows * LABEL_ROW };
  }

  /** Place the labels again once the plot area is known (and move the margin if need be). */
  relabel() {
    const { top } = this.labelRows();
    const update = this.decorations();
    if (Math.round(top * LOOK.scale) !== this.el.layout?.margin?.t) update.margin = { ...MARGIN, t: top };
    return Plotly.relayout(this.el, dressedLayout(update));
  }

  /** The bound and the run's η as lines with labels. */
  decorations() {
    const shapes = [];
    const annotations = [];
    const { labels } = this.labelRows();
    this.lines().forEach((line, k) => {
      const { side, row, text, off } = labels[k];
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: line.lr, x1: line.lr, y0: 0, y1: 1, line: { color: line.color, width: line.width, ...(line.dash ? { dash: line.dash } : {}) } });
      if (off) return;
      annotations.push({
        xref: "x", yref: "paper", x: Math.log10(line.lr), y: 1, yanchor: "bottom", yshift: (1 + row * LABEL_ROW) * LOOK.scale,
        xanchor: side === "left" ? "right" : "left", xshift: (side === "left" ? -GAP : GAP) * LOOK.scale,
        text, showarrow: false, font: { size: LABEL_SIZE, color: line.color },
      });
    });
    const p = this.cursor === null ? null : this.result?.points[this.cursor];
    if (p) {
      const y = p.status === "diverged" || p.final_loss === null ? this.yTop : p.final_loss;
      shapes.push({
        type: "circle", xref: "x", yref: "y", xsizemode: "pixel", ysizemode: "pixel", xanchor: p.lr, yanchor: y,
        x0: -11, x1: 11, y0: -11, y1: 11, line: { color: "#f59e0b", width: 3.5 },
      });
      const end = p.final_loss === null ? "NaN/∞" : fmt(p.final_loss);
      annotations.push({
        xref: "paper", yref: "paper", x: 0.01, y: 0.99, xanchor: "left", yanchor: "top", showarrow: false,
        text: `η = ${fmt(p.lr)}: ${STATUS_LOOK[p.status]?.name.replace(" ↑", "") ?? p.status}, final f = ${end} — Enter uses it`,
        font: { size: 14 }, bgcolor: "#fff7e0", bordercolor: "#f59e0b", borderwidth: 1.5,
      });
    }
    return { shapes, annotations };
  }

  /** Move the selected run's η line (after a click or a slider change). */
  setMarker(marker) {
    this.marker = marker;
    if (this.result) this.relabel();
  }

  clear() {
    this.result = null;
    this.cursor = null;
    Plotly.purge(this.el);
    this.ready = false;
  }

  /** Page pixel position of the i-th sweep point (for tests). */
  pointToClient(i) {
    const p = this.result?.points[i];
    const full = this.el._fullLayout;
    if (!p || !full) return null;
    const box = this.el.getBoundingClientRect();
    const xa = full.xaxis;
    const ya = full.yaxis;
    const diverged = p.status === "diverged" || p.final_loss === null;
    const y = diverged ? this.yTop : p.final_loss;
    return [box.left + xa._offset + xa.l2p(Math.log10(p.lr)), box.top + ya._offset + ya.l2p(this.log ? Math.log10(y) : y), diverged];
  }
}
