// Number formatting for everything shown on screen.

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** Strip trailing zeros from a fixed or mantissa string: "0.500" -> "0.5". */
function trimZeros(s) {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/**
 * A number with 3 significant digits; scientific (1.23e-5) when tiny or huge.
 * null / undefined / non-finite -> "NaN/∞" (the server sends null for non-finite).
 */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "NaN/∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  // Number(…) turns toPrecision's "1.0e+2" back into plain 100.
  if (a >= 1e-3 && a < 1e4) return String(Number(x.toPrecision(digits)));
  const [mant, exp] = x.toExponential(digits - 1).split("e");
  return `${trimZeros(mant)}e${Number(exp)}`;
}

/** Like fmt but with a typographic exponent (1.2×10⁻⁵), for labels. */
export function fmtPretty(x, digits = 3) {
  const s = fmt(x, digits);
  const m = /^(-?[\d.]+)e(-?\d+)$/.exec(s);
  if (!m) return s.replace("-", "−");
  const exp = [...m[2]].map((c) => SUPERSCRIPT[c]).join("");
  return `${m[1] === "1" ? "" : `${m[1]}×`}10${exp}`.replace(/^-/, "−");
}

/** Euclidean norm of a 2-vector that may contain nulls (non-finite). */
export function norm2(v) {
  if (!v || v[0] === null || v[1] === null) return null;
  const n = Math.hypot(v[0], v[1]);
  return Number.isFinite(n) ? n : null;
}

/** A number for a value="" attribute: short but lossless enough to round-trip. */
export function inputValue(x) {
  if (!Number.isFinite(x)) return "";
  return String(Number(x.toPrecision(6)));
}

/**
 * A coordinate of a point for labels: like fmt, but a value that is zero up to the
 * optimizer's precision (|v| < 1e-6, e.g. -4.1e-11) is written 0.
 */
export function fmtCoord(v) {
  return Number.isFinite(v) && Math.abs(v) < 1e-6 ? "0" : fmt(v);
}

/** A point for labels: "(x, y)" in a plane, "x = …" on a curve f(x). */
export function fmtPoint(p) {
  return p.length === 1 ? `x = ${fmtCoord(p[0])}` : `(${p.map(fmtCoord).join(", ")})`;
}
