// The view part of the link (docs/url.md, "The view"): what the page shows of the scenario —
// the lesson, the Explore tab, the selected and hidden runs, the log toggles, the tools'
// forms — written after the scenario's keys, only where it differs from its default.
//
// The server parses the query into a View (gdviz/scenarios/view.py) and puts it on the page as
// `<main id="app" data-view="{json}">`; this module reads it, puts it on the page's controls,
// and writes it back, mirroring `view_to_query`: the same keys, in the same order, spelt the
// same. tests/browser/test_view_url.py checks the two agree.

import { pyNumber } from "./url.js";

/** Each view key of the link, in its order, with the View field it holds. */
export const VIEW_KEYS = [
  ["preset", "preset"], ["tab", "tab"], ["select", "select"], ["hide", "hide"],
  ["loss_log", "loss_log"], ["lr_log", "lr_log"],
  ["sweep.min", "sweep_min"], ["sweep.max", "sweep_max"], ["sweep.n", "sweep_n"],
  ["basins.n", "basins_n"], ["scatter.n", "scatter_n"], ["slice.plane", "slice_plane"], ["slice.grid", "slice_grid"],
  ["point", "point"], ["stage", "stage"], ["net.mode", "net_mode"],
  ["controls", "controls"], ["autoplay", "autoplay"], ["theme", "theme"], ["scale", "scale"], ["show", "show"],
];

/** Every field's default on `/` (controls and show depend on the route: see resolve). */
export const VIEW_DEFAULTS = Object.freeze({
  preset: null, tab: null, select: 0, hide: [], loss_log: true, lr_log: true,
  sweep_min: 1e-4, sweep_max: 10, sweep_n: 120, basins_n: 64, scatter_n: 24,
  slice_plane: "random", slice_grid: 33, point: null, stage: "forward", net_mode: "weights", controls: "all", autoplay: false, theme: "light", scale: 1, show: null,
});

/** `controls` and `show` filled in for the route, as view.py's `resolve` does (`show` stays null on `/`). */
export function resolve(view, embed) {
  const controls = view.controls ?? (embed ? "few" : "all");
  let show = view.show ?? null;
  if (embed && show === null) show = view.tab ? ["main", "tab"] : ["main", "loss"];
  return { ...view, controls, show };
}

/** The view the server parsed from the link (data-view), every field present. */
export function readView(json) {
  let given = {};
  try {
    given = json ? JSON.parse(json) : {};
  } catch {
    given = {}; // the page still works with the default view
  }
  const view = { ...structuredClone(VIEW_DEFAULTS) };
  for (const [k, v] of Object.entries(given ?? {})) if (k in view && v !== undefined) view[k] = v;
  view.hide = Array.isArray(view.hide) ? view.hide.map(Number) : [];
  return view;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** One value as the link spells it: 0/1, `a,b` lists, numbers as Python's repr(). */
function spell(value) {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (Array.isArray(value)) return value.map(spell).join(",");
  if (typeof value === "number") return pyNumber(value);
  return String(value);
}

/**
 * The view's query parameters, in the link's order, each only where it differs from the
 * route's default (view.py's `view_to_query`: a `tab` is written whenever it is given).
 * @param {object} view  a View (readView's shape)
 * @param {{embed?: boolean}} opts  the route: it decides the defaults of `controls` and `show`
 * @returns {[string, string][]}
 */
export function viewToQuery(view, { embed = false } = {}) {
  const own = resolve(view, embed);
  const defaults = resolve({ ...VIEW_DEFAULTS, controls: null, tab: view.tab }, embed);
  const q = [];
  for (const [key, field] of VIEW_KEYS) {
    const v = own[field];
    if (v === null || v === undefined || (field !== "tab" && same(v, defaults[field]))) continue;
    q.push([key, spell(v)]);
  }
  return q;
}

// ---------- the tools' forms and the log toggles ----------

const $ = (id) => document.getElementById(id);
const int = (lo, hi) => (s) => {
  const n = Number(s);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : null;
};
const LR_LIMITS = [1e-8, 1e6]; // the sweep's η range (gdviz/scenarios/landscape.py)
const lrValue = (s) => {
  const n = Number(s);
  return s !== "" && n >= LR_LIMITS[0] && n <= LR_LIMITS[1] ? n : null;
};
const choice = (s) => (s === "" ? null : s);

/** The view fields kept in a form control: [field, element id, read (null = not valid), kind]. */
const FIELDS = [
  ["loss_log", "loss-log-toggle", null, "checkbox"],
  ["lr_log", "lr-log-toggle", null, "checkbox"],
  ["sweep_min", "sweep-min", lrValue, "value"],
  ["sweep_max", "sweep-max", lrValue, "value"],
  ["sweep_n", "sweep-count", int(2, 400), "value"],
  ["basins_n", "basin-n", int(2, 256), "value"],
  ["scatter_n", "scatter-n", int(1, 64), "value"],
  ["slice_plane", "slice-plane", choice, "value"],
  ["slice_grid", "slice-grid", int(2, 64), "value"],
];

/**
 * The page's view now: the loaded view, with what the student changes on the page read
 * from it. Fields the page does not edit on `/` (controls, autoplay, theme, scale, show)
 * stay as the link gave them.
 */
export class PageView {
  /**
   * @param {object} loaded  readView(data-view)
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
  }

  /** Put the form fields and toggles of the view on the page (no change events). */
  applyForms() {
    for (const [field, id, , kind] of FIELDS) {
      const el = $(id);
      if (!el) continue;
      if (kind === "checkbox") el.checked = Boolean(this.view[field]);
      else el.value = typeof this.view[field] === "number" ? pyNumber(this.view[field]) : String(this.view[field]);
    }
  }

  /** Take a form field's value into the view — unless it is not valid (then the link keeps the last good one). */
  readForms(only = null) {
    for (const [field, id, read, kind] of FIELDS) {
      if (only && field !== only) continue;
      const el = $(id);
      if (!el) continue;
      const v = kind === "checkbox" ? el.checked : read(el.value);
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
