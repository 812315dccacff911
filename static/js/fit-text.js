// Text that must be read to its end — a lesson, the Stability panel — is never cut off or
// left to a scroll bar on a 1280×720 projector: while it overflows its box, the page steps
// up a level of its layout (`data-<name>-fit` on <body>: CSS makes each level give the text
// more room, or set it more compactly), and back down when there is room again.

import { perFrame } from "./plots/throttle.js";

/**
 * @param {HTMLElement|HTMLElement[]} boxes  the elements whose content must fit (each scrolls when it does not)
 * @param {string} name  the level's attribute: body[data-<name>-fit="1…levels"]
 * @param {number} levels  the highest level
 * @param {{watch?: boolean}} opts  watch (default): fit again whenever a box's size or text
 *   changes; false: only when fit() is called (a layout decided once, e.g. the offline player's)
 * @returns {{fit: () => number}}  fit() measures again now (e.g. after the text changed)
 */
export function keepWhole(boxes, name, levels, { watch = true } = {}) {
  const all = Array.isArray(boxes) ? boxes : [boxes];
  const key = `${name.replace(/-(\w)/g, (_, c) => c.toUpperCase())}Fit`;
  const shown = () => all.filter((box) => box.clientHeight > 0); // (one not shown: nothing to measure)
  const overflows = () => shown().some((box) => box.scrollHeight > box.clientHeight);
  const fit = () => {
    delete document.body.dataset[key];
    if (!shown().length) return 0;
    let level = 0;
    while (level < levels && overflows()) document.body.dataset[key] = String(++level);
    const whole = overflows() ? "overflow" : "whole";
    for (const box of all) box.dataset.fit = whole; // (for tests: the text is all there)
    return level;
  };
  const soon = perFrame(fit);
  if (!watch) return { fit };
  // (the levels change the boxes' sizes too, but fit() ends where it started: no new report)
  const ro = new ResizeObserver(soon);
  const mo = new MutationObserver(soon);
  for (const box of all) {
    ro.observe(box);
    mo.observe(box, { childList: true, characterData: true, subtree: true, attributes: true, attributeFilter: ["hidden"] });
  }
  return { fit };
}
