// The page's look — its colour theme and its font scale — from the view the server
// rendered into #app's data-view (gdviz/scenarios/view.py: `theme=`, `scale=`). Read once,
// when the module loads: a page keeps its look for its life (another look is another
// link), so plots and styles can be dressed once, before anything is drawn.

import { readView } from "./view-state.js";

const SCALE_MIN = 0.5;
const SCALE_MAX = 3;

// (no document: the offline player's bundle of the plot modules is also loaded by Node in tests)
const view = readView(globalThis.document?.getElementById("app")?.dataset.view);
const scale = Number(view.scale);

/** `dark`: the dark theme (theme=dark); `scale`: every font size multiplied by it. */
export const LOOK = Object.freeze({
  dark: view.theme === "dark",
  scale: Number.isFinite(scale) ? Math.min(SCALE_MAX, Math.max(SCALE_MIN, scale)) : 1,
});

/** True when the page looks as it does by default (nothing to restyle). */
export const isPlainLook = () => !LOOK.dark && LOOK.scale === 1;
