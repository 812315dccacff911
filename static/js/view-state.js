// The view part of the link (docs/url.md, "The view"): what the page shows of the scenario —
// the lesson, the Explore tab, the selected and hidden runs, the log toggles, the tools'
// forms. The server parses the link's view keys into a View (gdviz/scenarios/view.py) and
// puts it on the page as `<main id="app" data-view="{json}">`; url.js reads and writes it
// from the link schema. This module keeps it in step with the page's controls: a form
// value is taken only when the schema's bounds for its key allow it.

import { on } from "./events.js";
import { SCHEMA } from "./schema.js";
import { checkViewValue, pyNumber } from "./url.js";

const $ = (id) => document.getElementById(id);

/** The view fields kept in a form control: [field, element id, kind]. */
const FIELDS = [
  ["loss_log", "loss-log-toggle", "checkbox"],
  ["lr_log", "lr-log-toggle", "checkbox"],
  ["sweep_min", "sweep-min", "value"],
  ["sweep_max", "sweep-max", "value"],
  ["sweep_n", "sweep-count", "value"],
  ["basins_n", "basin-n", "value"],
  ["scatter_n", "scatter-n", "value"],
  ["slice_plane", "slice-plane", "value"],
  ["slice_grid", "slice-grid", "value"],
];

/**
 * The page's view now: the loaded view, with what the student changes on the page read
 * from it. Fields the page does not edit on `/` (controls, autoplay, theme, scale, show)
 * stay as the link gave them.
 */
export class PageView {
  /**
   * @param {object} loaded  url.js readView(data-view)
   * @param {{tab: () => string|null, defaultTab: () => string|null, selected: () => number,
   *          hidden: () => boolean[], onChange: () => void, extra?: () => object}} h
   *   extra: view fields kept by other parts of the page (the traced point and stage)
   */
  constructor(loaded, h) {
    this.view = structuredClone(loaded);
    this.h = h;
    this.good = { sweep_min: loaded.sweep_min, sweep_max: loaded.sweep_max };
    for (const [field, id] of FIELDS) {
      $(id)?.addEventListener("change", () => {
        this.readForms(field);
        h.onChange();
      });
    }
    // a kind's plug-in view keeps its own view keys (e.g. views/cnn.js: cnn_mode, cnn_image)
    on("view-keys", (changes) => {
      for (const [field, value] of Object.entries(changes)) {
        const v = checkViewValue(SCHEMA, field, String(value));
        if (v !== null) this.view[field] = v;
      }
      h.onChange();
    });
  }

  /** Put the form fields and toggles of the view on the page (no change events). */
  applyForms() {
    for (const [field, id, kind] of FIELDS) {
      const el = $(id);
      if (!el) continue;
      if (kind === "checkbox") el.checked = Boolean(this.view[field]);
      else el.value = typeof this.view[field] === "number" ? pyNumber(this.view[field]) : String(this.view[field]);
    }
  }

  /** Take a form field's value into the view — unless it is not valid (then the link keeps the last good one). */
  readForms(only = null) {
    for (const [field, id, kind] of FIELDS) {
      if (only && field !== only) continue;
      const el = $(id);
      if (!el) continue;
      const v = kind === "checkbox" ? el.checked : checkViewValue(SCHEMA, field, el.value);
      if (v !== null) this.view[field] = v;
    }
    // "from" below "to": a half-typed range keeps the last good one
    if (!(this.view.sweep_min < this.view.sweep_max)) {
      this.view.sweep_min = this.good.sweep_min;
      this.view.sweep_max = this.good.sweep_max;
    }
    this.good = { sweep_min: this.view.sweep_min, sweep_max: this.view.sweep_max };
  }

  /** Whether the loss axis should be logarithmic where it can be (f > 0): the link's or the student's last word. */
  get wantLogLoss() {
    return this.view.loss_log;
  }

  /** The lesson shown (a preset id), or null. */
  get preset() {
    return this.view.preset;
  }

  /** Close the lesson: the link no longer names it. */
  dropPreset() {
    this.view.preset = null;
    this.h.onChange();
  }

  /** The view as the page shows it now. */
  current() {
    const tab = this.h.tab();
    const hidden = this.h.hidden();
    return {
      ...this.view,
      ...(this.h.extra?.() ?? {}),
      tab: tab && tab !== this.h.defaultTab() ? tab : null,
      select: this.h.selected(),
      hide: hidden.flatMap((h, i) => (h ? [i] : [])),
    };
  }
}
