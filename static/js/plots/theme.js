// Shared look for every plot: big fonts, high contrast, colour-blind-safe scales.

export const FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif", size: 15, color: "#111" };

export const COLORSCALE = "Viridis";

/** Path colours, one per run: run 0 is a strong orange; the rest follow Okabe–Ito. */
export const RUN_COLORS = ["#ff7a00", "#ff2fa0", "#00c2ff", "#ffffff", "#c7f000", "#b46cff"];
export const GRAD_COLOR = "#ffffff"; // −η∇L arrow
export const UPDATE_COLOR = "#ff2fa0"; // update arrow (magenta: distinct from the orange path and viridis)
export const CASING = "#111111"; // dark outline under bright lines
/**
 * The contour's background: it shows only where f has no finite value (gaps of a typed f).
 * A mid grey, so it stands out from the panel in both themes (plots/dress.js keeps it).
 */
export const GAP_COLOR = "#b4b9c1";

export const CONFIG = {
  displayModeBar: false,
  responsive: false, // we watch the container instead (see fitToContainer)
  scrollZoom: false,
  doubleClick: false,
  showTips: false,
};

export function runColor(i) {
  return RUN_COLORS[i % RUN_COLORS.length];
}

/** WCAG relative luminance of [r, g, b] (0…255). */
function luminance(rgb) {
  const lin = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
}

const inks = new Map();
const MIN_CONTRAST = 3.5; // a little over WCAG's 3:1 for graphics: the lines are thin

/**
 * `hex` as a line on a white ground: the same hue, darkened (mixed with black) until it has
 * a 3.5:1 contrast with white (WCAG asks 3:1 of lines and marks; these are thin); a colour that has it
 * already is returned as it is. The run colours were chosen for the dark-to-bright viridis
 * contour, where a dark casing rims them (one of them is white); a light-themed curve plot
 * draws run r in runInk(r), so run 4's white path is a dark grey line.
 */
export function inkOnWhite(hex) {
  if (!inks.has(hex)) {
    const n = parseInt(hex.slice(1), 16);
    const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    let k = 1;
    const mixed = () => rgb.map((v) => Math.round(v * k));
    while (k > 0 && 1.05 / (luminance(mixed()) + 0.05) < MIN_CONTRAST) k -= 0.02;
    inks.set(hex, `#${mixed().map((v) => v.toString(16).padStart(2, "0")).join("")}`);
  }
  return inks.get(hex);
}

export const runInk = (i) => inkOnWhite(runColor(i));

/**
 * How a surface's values are coloured and drawn in 3D.
 * "log" surfaces use log10(f − f_min + ε) so both the valley floor and the walls show;
 * the hover text always gives the true f.
 */
export function makeTransform(grid, scale) {
  let zmin = Infinity;
  let zmax = -Infinity;
  for (const row of grid.z) {
    for (const v of row) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v < zmin) zmin = v;
      if (v > zmax) zmax = v;
    }
  }
  if (!Number.isFinite(zmin)) { zmin = 0; zmax = 1; }
  const range = Math.max(zmax - zmin, 1e-12);
  if (scale === "log") {
    const eps = range * 1e-4;
    return {
      log: true, zmin, zmax, eps,
      f: (v) => (v === null || !Number.isFinite(v) ? null : Math.log10(Math.max(v - zmin, 0) + eps)),
      label: "log₁₀(f − f_min)",
    };
  }
  return { log: false, zmin, zmax, eps: 0, f: (v) => (v === null || !Number.isFinite(v) ? null : v), label: "f" };
}

/**
 * Keep a Plotly graph the size of its container. Plotly's own `responsive` only hears
 * window resizes; the grid also changes when a notice is dismissed or a font loads.
 */
export function fitToContainer(gd, onResized = () => {}) {
  let pending = false;
  // The observer reports once when it starts: that size is the one Plotly just drew at.
  let last = `${gd.clientWidth}x${gd.clientHeight}`;
  const ro = new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const size = `${gd.clientWidth}x${gd.clientHeight}`;
      if (size === last || !gd._fullLayout || gd.clientWidth === 0 || gd.clientHeight === 0) return;
      last = size;
      Promise.resolve(Plotly.Plots.resize(gd)).then(onResized, () => {});
    });
  });
  ro.observe(gd);
  return ro;
}

/**
 * Basin-map colours, one per minimum: Okabe–Ito (colour-blind safe) ordered so the first
 * four hues are far apart, then Tol's muted set. The map lends the contour these hues and
 * keeps the contour's own lightness (see .basin-canvas), so they stay apart over viridis.
 */
export const BASIN_COLORS = ["#e69f00", "#56b4e9", "#009e73", "#cc79a7", "#0072b2", "#d55e00", "#f0e442", "#882255", "#44aa99", "#999933", "#aa4499", "#332288"];
export const DIVERGED_COLOR = "#000000"; // label −1: the run diverged
export const STUCK_COLOR = "#ffffff"; // label −2: ran out of steps, oscillated or stopped on a saddle

/** The colour of a basin / scatter label: a minimum's index, −1 diverged, −2 not converged. */
export function labelColor(label) {
  if (label === -1) return DIVERGED_COLOR;
  if (label < 0) return STUCK_COLOR;
  return BASIN_COLORS[label % BASIN_COLORS.length];
}

/**
 * Class colours of the data sets (points and the decision-boundary shading): Okabe–Ito,
 * colour-blind safe, blue and orange first (the two-class case).
 */
export const CLASS_COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#7f7f7f"];

export const classColor = (k) => CLASS_COLORS[k % CLASS_COLORS.length];

/** A class colour mixed with white: w = 0 is the colour, w = 1 white. */
export function tint(hex, w) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(c + (255 - c) * w);
  return `rgb(${mix((n >> 16) & 255)},${mix((n >> 8) & 255)},${mix(n & 255)})`;
}
