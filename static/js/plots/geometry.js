// Screen geometry shared by the contour's layers: clipping lines to the plot area.

/**
 * Cut the segment a→b to the box (Liang–Barsky), so far-away points of a diverging run
 * keep their true direction on screen. Returns [x0, y0, x1, y1] or null if it misses.
 */
export function clipSegment(x0, y0, x1, y1, box) {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return null;
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  const edges = [[-dx, x0 - box.left], [dx, box.right - x0], [-dy, y0 - box.top], [dy, box.bottom - y0]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
    } else {
      const t = q / p;
      if (p < 0) {
        if (t > t1) return null;
        if (t > t0) t0 = t;
      } else {
        if (t < t0) return null;
        if (t < t1) t1 = t;
      }
    }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

export const f1 = (v) => v.toFixed(1);
export const ok2 = (v) => Array.isArray(v) && v[0] !== null && v[1] !== null && Number.isFinite(v[0]) && Number.isFinite(v[1]);

/**
 * SVG path data for a polyline in data coordinates. Segments are clipped one by one to
 * `box` (px); a gap (non-finite point) lifts the pen.
 */
export function pathData(xs, ys, px, py, box) {
  let d = "";
  let pen = null; // where the pen is, if it is down
  let prev = null; // previous finite point, in px
  const inBox = (x, y) => x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    const cur = x === null || y === null ? null : [px(x), py(y)];
    if (!cur || !cur.every(Number.isFinite)) {
      prev = null;
      pen = null;
      continue;
    }
    if (!prev) {
      if (xs.length === 1 || inBox(cur[0], cur[1])) {
        d += `M${f1(cur[0])},${f1(cur[1])}`;
        pen = cur;
      }
    } else {
      const seg = clipSegment(prev[0], prev[1], cur[0], cur[1], box);
      if (seg) {
        if (!pen || pen[0] !== seg[0] || pen[1] !== seg[1]) d += `M${f1(seg[0])},${f1(seg[1])}`;
        d += `L${f1(seg[2])},${f1(seg[3])}`;
        pen = [seg[2], seg[3]];
      } else {
        pen = null;
      }
    }
    prev = cur;
  }
  return d;
}
