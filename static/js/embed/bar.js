// controls=few on /embed: the one bar under the plots (embed.css). Its type grows with
// `scale=` while the frame may be 480 px wide, so rather than guessing from the frame's
// size, the bar measures itself and, while it does not fit, drops the least needed part
// first: the reason sentence (it is the badge's tooltip too), then the buttons' words
// (their icons stay), then the η slider (the number stays), then the badge's word (its
// icon and colour stay), then the word "step" (the number stays).

import { perFrame } from "../plots/throttle.js";

const MIN_REASON_EM = 10; // a shorter stub of the sentence is noise
const LAST_LEVEL = 5;

/** Set `data-fit` on the bar to the lowest level at which it fits. */
export function fitBar(bar, reason) {
  bar.dataset.fit = "0";
  let level = 0;
  const em = parseFloat(getComputedStyle(reason).fontSize) || 14;
  if (reason.clientWidth < MIN_REASON_EM * em) level = 1;
  bar.dataset.fit = String(level);
  while (level < LAST_LEVEL && bar.scrollWidth > bar.clientWidth + 1) bar.dataset.fit = String(++level);
  return level;
}

/** Keep the bar fitted as the frame and the status text change. Returns a stop() function. */
export function keepBarFitted(bar) {
  const reason = bar.querySelector(".reason");
  const soon = perFrame(() => fitBar(bar, reason));
  const ro = new ResizeObserver(soon);
  ro.observe(bar);
  ro.observe(bar.querySelector(".status-line"));
  // a badge whose word is hidden keeps its size: its new status is measured here
  const mo = new MutationObserver(soon);
  mo.observe(bar.querySelector(".badge"), { childList: true, subtree: true, characterData: true });
  fitBar(bar, reason);
  return () => {
    ro.disconnect();
    mo.disconnect();
    delete bar.dataset.fit;
  };
}
