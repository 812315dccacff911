// The views a kind brings (docs/kinds.md, "Views"): a kind's registry entry may name a view
// the page does not have built in — as its main view or as an Explore tab — and list it in
// `page.views` ({id, title, hint}). The page then loads `static/js/views/<id>.js` once, the
// first time a scenario of that kind is shown, and mounts it:
//
//   export function mount(el, page) {      // el: the element to draw in
//     return {                             // page: {kind, state, shown} (read only)
//       draw(description) { … },           // the objective as the server describes it
//       update(frame, run) { … },          // the selected run's newest frame (or null), ≤ once per animation frame
//       clear() { … },                     // the objective changed
//     };
//   }
//
// A view that cannot be seen (its tab closed, the embed not showing it, scrolled away, the
// browser tab behind) is not updated: it gets the newest frame once it comes into view
// (plots/on-screen.js). `page.shown()` tells a view with a timer of its own the same.

import { OnScreen } from "./plots/on-screen.js";
import { state } from "./state.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);

export class PluginViews {
  /** @param {{tabs: import("./panels/explore.js").ExploreTabs}} parts */
  constructor({ tabs }) {
    this.tabs = tabs;
    this.panel = document.querySelector(".panel-plugin");
    this.mounted = new Map(); // view id → a promise of the mounted view ({view, seen, behind})
    this.active = []; // the mounted views of the kind shown
    this.desc = null;
    this.token = 0; // which prepare() a view that finishes loading belongs to
  }

  /** Make room for `kind`'s plug-in views (tabs exist at once; modules load in the background). */
  prepare(kind) {
    for (const v of this.active) v.view.clear?.();
    this.desc = null;
    this.active = [];
    const token = ++this.token;
    const views = kind.page.views ?? [];
    for (const v of views) {
      if (!this.mounted.has(v.id)) this.mounted.set(v.id, this.mount(v, kind));
      this.mounted.get(v.id).then((entry) => {
        if (!entry || token !== this.token || this.active.includes(entry)) return;
        this.active.push(entry);
        if (this.desc) entry.view.draw(this.desc);
      });
    }
    const main = views.find((v) => v.id === kind.page.main);
    if (main) {
      $("plugin-title").textContent = main.title;
      $("plugin-hint").textContent = main.hint ?? "";
    }
  }

  async mount(v, kind) {
    const el = v.id === kind.page.main ? $("plugin-main") : this.tabs.addTab(v.id, v.title, v.hint);
    try {
      const module = await import(`./views/${v.id}.js`);
      const entry = { id: v.id, view: null, seen: null, behind: null, updates: 0 };
      entry.seen = new OnScreen(el, () => this.catchUp(entry));
      entry.view = module.mount(el, { kind, state, shown: () => entry.seen.shown });
      return entry;
    } catch (err) {
      toast(`Could not load the ${v.title} view: ${err.message}`);
      return null;
    }
  }

  /** The objective is described: draw it in every view of its kind. */
  draw(desc) {
    this.desc = desc;
    for (const v of this.active) v.view.draw(desc);
  }

  /** The newest frame to each view that can be seen; the others remember it. */
  update(frame, run) {
    for (const v of this.active) {
      if (v.seen.shown) {
        v.behind = null;
        v.updates += 1;
        v.view.update(frame, run);
      } else {
        v.behind = [frame, run];
      }
    }
  }

  /** A view came into view: the frame it missed, if its kind is still shown. */
  catchUp(entry) {
    if (!entry.behind || !this.active.includes(entry)) return;
    const [frame, run] = entry.behind;
    entry.behind = null;
    entry.updates += 1;
    entry.view.update(frame, run);
  }

  /** How many frames each view of the kind shown was given (tests/browser/test_unseen_plots.py). */
  updates() {
    return Object.fromEntries(this.active.map((v) => [v.id, v.updates]));
  }
}
