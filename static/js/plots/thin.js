// A line plot of 10,000 steps drawn 250 px wide needs no 10,000 points: at that width
// Plotly would draw forty per pixel column, and redrawing them all is most of what a
// fast run costs the page. This keeps, for each of `buckets` equal slices of the x range,
// the slice's first and last point and its lowest and highest y, in step order — the
// points a line through all of them is drawn between, so the curve looks the same — and
// every gap (null y), so a line still breaks where a value was not finite.

/**
 * @param {number[]} xs  increasing (steps)
 * @param {(number|null)[]} ys
 * @param {number} buckets  slices of the x range (about the plot's width in px)
 * @param {boolean} log  on a log axis only y > 0 can be drawn: the extremes are taken among them
 * @returns {[number[], (number|null)[]]} new arrays (the inputs are not changed)
 */
export function thinLine(xs, ys, buckets, log = false) {
  const n = xs.length;
  if (n <= 4 * buckets || !(buckets >= 1)) return [xs.slice(), ys.slice()];
  const x0 = xs[0];
  const width = xs[n - 1] - x0 || 1;
  const keep = [];
  let i = 0;
  while (i < n) {
    const b = Math.min(buckets - 1, Math.floor(((xs[i] - x0) / width) * buckets));
    let lo = -1;
    let hi = -1;
    const first = i;
    for (; i < n && Math.min(buckets - 1, Math.floor(((xs[i] - x0) / width) * buckets)) === b; i++) {
      const y = ys[i];
      if (y === null || !Number.isFinite(y)) {
        keep.push(i); // a gap stays a gap
        continue;
      }
      if (log && y <= 0) continue;
      if (lo < 0 || y < ys[lo]) lo = i;
      if (hi < 0 || y > ys[hi]) hi = i;
    }
    keep.push(first, i - 1);
    if (lo >= 0) keep.push(lo, hi);
  }
  keep.sort((a, b) => a - b);
  const ox = [];
  const oy = [];
  let last = -1;
  for (const k of keep) {
    if (k === last) continue;
    ox.push(xs[k]);
    oy.push(ys[k]);
    last = k;
  }
  return [ox, oy];
}
