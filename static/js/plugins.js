// The views a kind brings (docs/kinds.md, "Views"): a kind's registry entry may name a view
// the page does not have built in — as its main view or as an Explore tab — and list it in
// `page.views` ({id, title, hint}). The page then loads `static/js/views/<id>.js` once, the
// first time a scenario of that kind is shown, and mounts it:
//
//   export function mount(el, page) {      // el: the element to draw in
//     return {                             // page: {kind, state} (read only)
//       draw(description) { … },           // the objective as the server describes it
//       update(frame, run) { … },          // the selected run's newest frame (or null), ≤ once per animation frame
//       clear() { … },                     // the objective changed
//     };
//   }

import { state } from "./state.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);

export class PluginViews {
  /** @param {{tabs: import("./panels/explore.js").ExploreTabs}} parts */
  constructor({ tabs }) {
    this.tabs = tabs;
    this.panel = document.querySelector(".panel-plugin");
    this.mounted = new Map(); // view id → a promise of the mounted view
    this.active = []; // the mounted views of the kind shown
    this.desc = null;
    this.token = 0; // which prepare() a view that finishes loading belongs to
  }

  /** Make room for `kind`'s plug-in views (tabs exist at once; modules load in the background). */
  prepare(kind) {
    for (const v of this.active) v.clear?.();
    this.desc = null;
    this.active = [];
    const token = ++this.token;
    const views = kind.page.views ?? [];
    for (const v of views) {
      if (!this.mounted.has(v.id)) this.mounted.set(v.id, this.mount(v, kind));
      this.mounted.get(v.id).then((view) => {
        if (!view || token !== this.token || this.active.includes(view)) return;
        this.active.push(view);
        if (this.desc) view.draw(this.desc);
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
      return module.mount(el, { kind, state });
    } catch (err) {
      toast(`Could not load the ${v.title} view: ${err.message}`);
      return null;
    }
  }

  /** The objective is described: draw it in every view of its kind. */
  draw(desc) {
    this.desc = desc;
    for (const v of this.active) v.draw(desc);
  }

  update(frame, run) {
    for (const v of this.active) v.update(frame, run);
  }
}
