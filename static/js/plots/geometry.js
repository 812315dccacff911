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
 * SVG path data for a polyline in data coordinates, built point by point so that a path
 * that grows (a run being played) costs only its new points per frame. Segments are
 * clipped one by one to `box` (px); a gap (non-finite point) lifts the pen. With `minPx`
 * > 0, a point closer than that to the last one drawn is left out — unless it is the last
 * of what is added (the newest, where the run is): 10,000 steps of a crawling run become
 * the few hundred pixels of path they cover on screen.
 */
export class PathBuilder {
  constructor(box, minPx = 0) {
    this.box = box;
    this.minPx = minPx;
    this.d = "";
    this.n = 0; // points added
    this.pen = null; // where the pen is, if it is down
    this.prev = null; // previous point drawn (finite), in px
  }

  /** Add points [from, to) of xs/ys; `single`: the polyline has one point (draw it wherever it is). */
  extend(xs, ys, px, py, from, to, single = false) {
    const box = this.box;
    const inBox = (x, y) => x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
    for (let i = from; i < to; i++) {
      const x = xs[i];
      const y = ys[i];
      const cx = x === null ? NaN : px(x);
      const cy = y === null ? NaN : py(y);
      if (!Number.isFinite(cx) || !Number.isFinite(cy)) {
        this.prev = null;
        this.pen = null;
        continue;
      }
      const prev = this.prev;
      if (!prev) {
        if (single || inBox(cx, cy)) {
          this.d += `M${f1(cx)},${f1(cy)}`;
          this.pen = [cx, cy];
        }
      } else {
        if (this.minPx > 0 && i < to - 1 && Math.abs(cx - prev[0]) < this.minPx && Math.abs(cy - prev[1]) < this.minPx) continue;
        const seg = clipSegment(prev[0], prev[1], cx, cy, box);
        if (seg) {
          const pen = this.pen;
          if (!pen || pen[0] !== seg[0] || pen[1] !== seg[1]) this.d += `M${f1(seg[0])},${f1(seg[1])}`;
          this.d += `L${f1(seg[2])},${f1(seg[3])}`;
          this.pen = [seg[2], seg[3]];
        } else {
          this.pen = null;
        }
      }
      this.prev = [cx, cy];
    }
    this.n = to;
    return this.d;
  }
}

/** SVG path data for a whole polyline in data coordinates (see PathBuilder). */
export function pathData(xs, ys, px, py, box) {
  return new PathBuilder(box).extend(xs, ys, px, py, 0, xs.length, xs.length === 1);
}
