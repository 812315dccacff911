// /embed shows only the panels its link names (`show=`, gdviz/scenarios/view.py), in that
// order: the first large, the rest beside or below it. They are moved into one box,
// numbered 1…4 (data-slot); embed.css places the slots by how many there are and by the
// frame's shape. The other panels stay where they were, not displayed.

/** A `show=` name → the panels it may be, the one the objective displays wins
 *  (`main` is the contour of a surface, a network's decision boundary, or a kind's own view). */
export const PANEL_SELECTORS = {
  main: [".panel-contour", ".panel-boundary", ".panel-plugin"],
  tab: [".panel-explore"],
  loss: [".panel-loss"],
  grad: [".panel-grad"],
  lr: [".panel-lr"],
  acc: [".panel-acc"],
  layers: [".panel-layers"],
};

export class EmbedPanels {
  /** @param {string[]} show  the panel names, in order (the server resolved the default) */
  constructor(show) {
    this.show = Array.isArray(show) && show.length ? show : ["main", "loss"];
    this.box = document.createElement("div");
    this.box.className = "embed-panels";
    document.getElementById("app").append(this.box);
  }

  /**
   * Slot the panels the objective displays (call after view.applyObjective() has hidden
   * the others): a name with no displayed panel here — `acc` on a surface, `grad` on a
   * network — is skipped, and the rest move up.
   * @returns {string[]} the names shown
   */
  apply() {
    for (const el of this.box.querySelectorAll("[data-slot]")) delete el.dataset.slot;
    const shown = [];
    for (const name of this.show) {
      const el = (PANEL_SELECTORS[name] ?? []).map((s) => document.querySelector(s)).find((p) => p && !p.hidden);
      if (!el || el.dataset.slot) continue;
      el.dataset.slot = String(shown.length + 1);
      this.box.append(el);
      shown.push(name);
    }
    this.box.dataset.count = String(shown.length);
    this.box.dataset.names = shown.join(",");
    return shown;
  }
}
