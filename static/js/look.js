// The page's look — its colour theme and its font scale — from the view the server
// rendered into #app's data-view (gdviz/scenarios/view.py: `theme=`, `scale=`). Read once,
// when the module loads: a page keeps its look for its life (another look is another
// link), so plots and styles can be dressed once, before anything is drawn.

import { SCHEMA } from "./schema.js";
import { readView } from "./url.js";

// (no document: the offline player's bundle of the plot modules is also loaded by Node in tests)
const json = globalThis.document?.getElementById("app")?.dataset.view;
const view = SCHEMA ? readView(SCHEMA, json) : {};
const bounds = SCHEMA?.view.keys.find((k) => k.field === "scale");
const scale = Number(view.scale);

/** `dark`: the dark theme (theme=dark); `scale`: every font size multiplied by it (1: as designed). */
export const LOOK = Object.freeze({
  dark: view.theme === "dark",
  scale: Number.isFinite(scale) ? Math.min(bounds.max, Math.max(bounds.min, scale)) : 1,
});

/** True when the page looks as it does by default (nothing to restyle). */
export const isPlainLook = () => !LOOK.dark && LOOK.scale === 1;
