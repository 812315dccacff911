// The key shared by the basin map and the scattered starts: one row per minimum
// (its colour, a star, where it is) and for "diverged" / "did not converge", each
// with how many of the starts ended there.

import { fmtCoord } from "../format.js";
import { labelColor } from "../plots/theme.js";

/**
 * @param {number[][]} minima  [[x, y], …]; the first `known` are the surface's own
 * @param {Map<number, number>} counts  label → number of starts
 * @param {(count: number) => string} show  how a count is written ("42%", "7 starts")
 */
export function labelLegend(minima, known, counts, show) {
  const items = [];
  const item = (label, text, { star = false } = {}) => {
    const n = counts.get(label) ?? 0;
    const li = document.createElement("li");
    li.dataset.label = String(label);
    li.dataset.count = String(n);
    const sw = document.createElement("span");
    sw.className = star ? "label-swatch star" : "label-swatch";
    sw.style.setProperty("--c", labelColor(label));
    sw.setAttribute("aria-hidden", "true");
    if (star) sw.textContent = "★";
    const t = document.createElement("span");
    t.className = "label-what";
    t.textContent = text;
    const c = document.createElement("span");
    c.className = "label-count";
    c.textContent = show(n);
    li.append(sw, t, c);
    items.push(li);
  };
  minima.forEach((m, k) => {
    if (k >= known && !counts.get(k)) return;
    // The surface's own minima first; then minima the runs found that it does not list.
    item(k, `${k >= known ? "other minimum" : "minimum"} (${fmtCoord(m[0])}, ${fmtCoord(m[1])})`, { star: true });
  });
  if (counts.get(-1)) item(-1, "diverged");
  if (counts.get(-2)) item(-2, "did not converge (out of steps, oscillating, or stalled on a saddle or plateau)");
  return items;
}
