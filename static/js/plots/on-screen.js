// Whether a plot can be seen: laid out (not display:none, as /embed's panels that the link
// does not show), inside the viewport (not scrolled away), in a browser tab that is in
// front, and — for a plot in one of the Explore panes — its tab open (panes are hidden
// with visibility, not display, so an IntersectionObserver alone would call them seen).
// A plot that cannot be seen makes no Plotly call and draws nothing: it remembers that it
// is behind and catches up, once, when it comes into view.

const hasDom = typeof document !== "undefined";

/** True when `el` has a box that overlaps the viewport now (the observer's first answer is async). */
function inViewport(el) {
  if (!hasDom || typeof el.getBoundingClientRect !== "function") return true;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
    && r.top < window.innerHeight && r.left < window.innerWidth;
}

export class OnScreen {
  /**
   * @param {HTMLElement} el  the plot's element
   * @param {() => void} onShown  called when it comes into view (after having been out of it)
   */
  constructor(el, onShown) {
    this.el = el;
    this.onShown = onShown;
    this.pane = hasDom ? el.closest?.("[role=tabpanel]") ?? null : null;
    this.inView = inViewport(el);
    this.was = this.shown;
    if (!hasDom) return; // (the offline player's modules run under Node in tests: always shown)
    if (typeof IntersectionObserver === "function") {
      this.io = new IntersectionObserver((entries) => {
        this.inView = entries[entries.length - 1].isIntersecting;
        this.changed();
      });
      this.io.observe(el);
    }
    if (this.pane) {
      new MutationObserver(() => this.changed()).observe(this.pane, { attributes: true, attributeFilter: ["class"] });
    }
    document.addEventListener("visibilitychange", () => this.changed());
  }

  /** Whether the plot can be seen now. */
  get shown() {
    if (!hasDom) return true;
    const paneOpen = !this.pane || this.pane.classList.contains("active");
    return this.inView && paneOpen && !document.hidden;
  }

  changed() {
    const now = this.shown;
    if (now && !this.was) this.onShown();
    this.was = now;
  }
}
