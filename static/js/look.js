// The page's look — its colour theme and its font scale — from the view the server
// rendered into #app's data-view (app/scenarios/view.py: `theme=`, `scale=`). Read once,
// when the module loads: a page keeps its look for its life (another look is another
// link), so plots and styles can be dressed once, before anything is drawn.

const SCALE_MIN = 0.5;
const SCALE_MAX = 3;

/** The view keys the server resolved for this page (`{}` if it sent none or bad JSON). */
export function readPageView() {
  try {
    const v = JSON.parse(document.getElementById("app")?.dataset.view || "{}");
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

const view = readPageView();
const scale = Number(view.scale);

/** `dark`: the dark theme (theme=dark); `scale`: every font size multiplied by it. */
export const LOOK = Object.freeze({
  dark: view.theme === "dark",
  scale: Number.isFinite(scale) ? Math.min(SCALE_MAX, Math.max(SCALE_MIN, scale)) : 1,
});

/** True when the page looks as it does by default (nothing to restyle). */
export const isPlainLook = () => !LOOK.dark && LOOK.scale === 1;
