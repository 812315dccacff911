// How the page presents its scenario — the link's presentation keys (docs/url.md):
//   scale=     every font bigger (font-scale.js for the page, plots/dress.js for plots)
//   theme=     the dark theme (theme-dark.css; plots/dress.js)
//   autoplay=1 play once the first frame is on screen
//   controls=, show=  /embed only: which controls (embed.css) and which panels (embed/panels.js)
// and, in a frame, the deck's keys sent back to the deck (embed/frame-keys.js).
// These keys never change while the page is open (view-state.js writes them back into links).

import { keepBarFitted } from "./embed/bar.js";
import { forwardDeckKeys } from "./embed/frame-keys.js";
import { EmbedPanels } from "./embed/panels.js";
import { scaleFonts } from "./font-scale.js";
import { LOOK } from "./look.js";

const $ = (id) => document.getElementById(id);

export class Presentation {
  /**
   * @param {{view: object, embed: boolean, onPlay: () => void}} h  view: the link's view
   *   (view-state.js readView); embed: the page is /embed; onPlay: start playing (autoplay)
   */
  constructor({ view, embed, onPlay }) {
    this.view = view;
    this.embed = embed;
    scaleFonts(LOOK.scale);
    if (this.view.autoplay) this.autoplayOnce(onPlay);
    this.panels = null;
    if (this.embed) {
      this.panels = new EmbedPanels(this.view.show);
      this.framed = forwardDeckKeys();
      if (this.framed) this.watchFocus();
      this.reasonAsTooltip();
      if (this.view.controls === "few") keepBarFitted(document.querySelector(".controls"));
      if (this.view.controls === "all") this.allOrFew();
    }
  }

  /**
   * controls=all in a frame too small for the control column (beside the plots it would
   * leave them a sliver, and scroll itself): the compact bar under the plots instead —
   * play, step, reset, η, the status — until the frame is large enough again. The link
   * still says controls=all. The bounds grow with scale= (the column's type does).
   */
  allOrFew() {
    const s = LOOK.scale;
    const small = matchMedia(`(max-width: ${Math.round(719 * s)}px), (max-height: ${Math.round(479 * s)}px)`);
    let stop = null;
    const apply = () => {
      document.body.dataset.controls = small.matches ? "few" : "all";
      if (small.matches && !stop) stop = keepBarFitted(document.querySelector(".controls"));
      if (!small.matches && stop) stop = stop() ?? null;
    };
    small.addEventListener("change", apply);
    apply();
  }

  /** Lay out /embed's panels; call once the objective has chosen its panels. */
  layout() {
    this.panels?.apply();
  }

  /** Play once: when the page is ready and the first frame is shown (the same signals the
   *  browser tests wait for). A student who pressed Play first is left alone. */
  autoplayOnce(play) {
    const body = document.body;
    const observer = new MutationObserver(() => {
      if (body.dataset.ready !== "1" || body.dataset.step !== "0") return;
      observer.disconnect();
      if (body.dataset.status !== "running") play();
    });
    observer.observe(body, { attributes: true, attributeFilter: ["data-ready", "data-step"] });
  }

  /**
   * In a frame: show whether the keys go to the plot (a ring while the frame has focus),
   * and let the click that gives it focus only give focus — it must not also move the
   * selected run's start on the contour.
   */
  watchFocus() {
    const mark = () => { document.body.dataset.frameFocus = document.hasFocus() ? "1" : "0"; };
    window.addEventListener("focus", mark);
    window.addEventListener("blur", mark);
    mark();
    window.addEventListener("pointerdown", (ev) => {
      if (!document.hasFocus()) ev.stopPropagation(); // the contour's own listener is below
    }, true);
  }

  /** The status sentence is one line at most here (or none): all of it is the badge's tooltip. */
  reasonAsTooltip() {
    const reason = $("status-reason");
    const copy = () => { $("status-badge").title = reason.textContent; };
    new MutationObserver(copy).observe(reason, { childList: true, characterData: true, subtree: true });
    copy();
  }
}
