// Every Plotly figure dressed in the page's look (../look.js) just before it is drawn:
// `theme=dark` turns paper, grid, ink and legend/annotation boxes dark-on-light into
// light-on-dark; `scale=` multiplies every font size (titles, ticks, legends, colour
// bars, annotations, hover labels) and the margins that hold them. The plot modules
// keep writing their figures for the default look, in one place each, and wrap them:
//
//   Plotly.react(el, ...dressed(data, layout), CONFIG)
//
// Marks (paths, markers, arrows, contour fills) keep their colours: run colours were
// chosen to read on the dark curve panels and on viridis (theme.js). In the default
// look the figure is passed through untouched.

import { LOOK, isPlainLook } from "../look.js";

/** The dark theme's plot colours (they match theme-dark.css). */
export const DARK = {
  paper: "#171b21",
  plot: "#1d2129",
  ink: "#e8ebf0",
  muted: "#aab3c0",
  grid: "#3b414d",
  scene: "#262b34",
};

const NAMED = { white: [255, 255, 255, 1], black: [0, 0, 0, 1], transparent: [0, 0, 0, 0] };

/** [r, g, b, a] of a CSS colour Plotly figures use (#rgb, #rrggbb, rgb(), rgba(), a few names). */
export function parseColor(c) {
  const s = String(c).trim().toLowerCase();
  if (NAMED[s]) return NAMED[s];
  let m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(s);
  if (m) {
    const h = m[1].length === 3 ? [...m[1]].map((x) => x + x).join("") : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(1);
  }
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) {
    const p = m[1].split(",").map((x) => Number(x.trim()));
    if (p.length >= 3 && p.every(Number.isFinite)) return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  return null;
}

/** Relative luminance (WCAG) of [r, g, b]. */
function luminance([r, g, b]) {
  const lin = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const isLight = (rgba) => rgba !== null && rgba[3] > 0 && luminance(rgba) > 0.6;
const isDark = (rgba) => rgba !== null && rgba[3] > 0 && luminance(rgba) < 0.25;
const rgbaText = ([r, g, b, a]) => `rgba(${r},${g},${b},${a})`;

/** A dark text colour made light enough to read on the dark paper: greys become the
 *  ink; a hue (accent blue, violet) is mixed with white until it reads. */
function lightInk(rgba) {
  const [r, g, b] = rgba;
  if (Math.max(r, g, b) - Math.min(r, g, b) < 40) return DARK.ink;
  for (let w = 0.3; w < 1; w += 0.1) {
    const mixed = [r, g, b].map((v) => Math.round(v + (255 - v) * w));
    if (luminance(mixed) >= 0.4) return rgbaText([...mixed, rgba[3]]);
  }
  return DARK.ink;
}

const AXIS = /^(x|y|z)axis\d*$/;
const FONT_KEY = /font$/i;

/** One colour of the figure in the dark theme; `parent` is the key of the object it is in. */
function darkColor(key, value, parent, inShapes, opts) {
  const c = parseColor(value);
  if (c === null) return value;
  switch (key) {
    case "paper_bgcolor":
      return isLight(c) ? DARK.paper : value;
    case "plot_bgcolor":
      return isLight(c) && !opts.lightPlot ? DARK.plot : value;
    case "gridcolor":
    case "zerolinecolor":
    case "linecolor":
      return isLight(c) ? DARK.grid : value;
    case "backgroundcolor": // a 3D scene's walls
      return isLight(c) ? DARK.scene : value;
    case "bgcolor": // legend, annotation boxes
      return isLight(c) ? rgbaText([...parseColor(DARK.paper).slice(0, 3), c[3]]) : value;
    case "tickcolor":
      return isDark(c) ? DARK.muted : value;
    case "color":
      if (FONT_KEY.test(parent) || (inShapes && parent === "line")) return isDark(c) ? lightInk(c) : value;
      return value;
    default:
      return value;
  }
}

function scaledNumber(key, value, parent) {
  if (key === "size" && FONT_KEY.test(parent)) return value * LOOK.scale;
  if (parent === "margin" && "lrtb".includes(key) && key.length === 1) return Math.round(value * LOOK.scale);
  if (key === "standoff") return value * LOOK.scale;
  return value;
}

const isPlainObject = (v) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/** A copy of `value` in the page's look (data arrays are shared, not copied). */
function dress(value, parent, inShapes, opts) {
  if (Array.isArray(value)) {
    // x, y, z, text… are arrays of numbers or strings: nothing to dress, keep them as they are
    return value.length && isPlainObject(value[0]) ? value.map((v) => dress(v, parent, inShapes, opts)) : value;
  }
  if (!isPlainObject(value)) return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    if (Array.isArray(v) || isPlainObject(v)) out[key] = dress(v, key, inShapes || key === "shapes", opts);
    else if (typeof v === "string" && LOOK.dark) out[key] = darkColor(key, v, parent, inShapes, opts);
    else if (typeof v === "number" && LOOK.scale !== 1) out[key] = scaledNumber(key, v, parent);
    else out[key] = v;
  }
  // bigger tick labels need more room each: fewer of them (Plotly spaces ticks by length
  // alone); on a log axis few enough that it labels whole decades, not 2 and 5 between them
  // (a figure dressed with its size has them fitted to it already: fitTicks)
  if (LOOK.scale > 1 && AXIS.test(parent)) out.nticks ??= Math.max(3, Math.round((out.type === "log" ? 5 : 7) / LOOK.scale));
  if (LOOK.dark && (AXIS.test(parent) || parent === "colorbar")) {
    out.tickcolor ??= DARK.muted; // Plotly's default tick marks (#444) vanish on the dark paper
    if (parent !== "colorbar") out.gridcolor ??= DARK.grid;
  }
  return out;
}

/**
 * The layout with as many ticks on each axis as its labels have room for in a plot of
 * `size` px (at the page's font scale), never turned on their side: Plotly spaces ticks
 * by the axis's length alone, so in a small frame, or with scale=1.5, its labels pile up
 * and it tilts them. An axis's own `nticks` is the most it gets.
 */
export function fitTicks(layout, { w, h }) {
  const out = { ...layout };
  const m = layout.margin ?? {};
  const base = (layout.font?.size ?? 12) * LOOK.scale;
  for (const [key, axis] of Object.entries(layout)) {
    if (!AXIS.test(key) || !isPlainObject(axis)) continue;
    const x = key[0] === "x";
    const font = (axis.tickfont?.size ?? layout.font?.size ?? 12) * LOOK.scale || base;
    // a label is about 3 characters wide (e.g. "−0.5", "10⁻⁴") with a gap, and one line tall
    const room = x ? (w - ((m.l ?? 80) + (m.r ?? 80)) * LOOK.scale) / (font * 3.2)
      : (h - ((m.t ?? 100) + (m.b ?? 80)) * LOOK.scale) / (font * 2.4);
    const most = axis.nticks || 8;
    // (given nticks 2, Plotly often keeps a single tick: that is for an axis with no room for three)
    out[key] = { ...axis, nticks: Math.max(2, Math.min(most, Math.floor(room))), ...(x ? { tickangle: 0 } : {}) };
  }
  return out;
}

/**
 * How a log axis over `span` = [log10 lo, log10 hi] of its values (null: none yet) writes
 * its labels: the powers of ten alone — unless fewer than two powers of ten lie among the
 * values, where one label (or none) would leave the axis unreadable: then 2, 3, 5… too, and
 * as 0.5 and 20 rather than 5×10⁻¹ and 2×10¹ where they are that short.
 */
export function logLabels(span) {
  const few = span !== null && Math.floor(span[1]) - Math.ceil(span[0]) + 1 < 2;
  const plain = few && span[0] > -2.5 && span[1] < 3.5;
  return { minorloglabels: few ? "complete" : "none", exponentformat: plain ? "none" : "power" };
}

/** [log10 of the least, log10 of the greatest] positive finite value of the traces' y, or null. */
export function logSpan(traces) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of traces) {
    if (t.visible === false) continue;
    for (const v of t.y ?? []) {
      if (!(v > 0) || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [Math.log10(lo), Math.log10(hi)] : null;
}

/**
 * `[data, layout]` in the page's look, for `Plotly.react(el, ...dressed(data, layout), CONFIG)`.
 * @param {{lightPlot?: boolean, size?: {w: number, h: number}}} opts  lightPlot: the plot
 *   area stays light in the dark theme (a figure whose marks are drawn for a white ground,
 *   such as a model's data & fit); size: the plot's size in px, to fit its ticks (fitTicks)
 */
export function dressed(data, layout, opts = {}) {
  const laid = opts.size?.w > 0 && opts.size?.h > 0 ? fitTicks(layout, opts.size) : layout;
  if (isPlainLook()) return [data, laid];
  return [dress(data, "", false, opts), dressedLayout(laid, opts)];
}

/** A layout (or a `relayout` update of shapes and annotations) in the page's look. */
export function dressedLayout(layout, opts = {}) {
  if (isPlainLook()) return layout;
  const out = dress(layout, "", false, opts);
  if (LOOK.dark && "font" in layout) out.font = { ...out.font, color: DARK.ink };
  return out;
}
