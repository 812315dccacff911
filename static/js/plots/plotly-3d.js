// Plotly's 3D traces (surface, scatter3d) are a part of their own (static/vendor/plotly/
// plotly-3d.js, ~170 kB compressed, built by tools/plotly/build.mjs): fetched the first time
// a 3D view is drawn, and registered on the page's one Plotly (they share its core chunk).

let part = null;

/** Resolves once the 3D traces are registered; a failed fetch may be tried again. */
export function loadPlotly3d() {
  part ??= import("../../vendor/plotly/plotly-3d.js").catch((err) => {
    part = null;
    throw err;
  });
  return part;
}
