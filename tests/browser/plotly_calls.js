// Counts Plotly's drawing calls per plot, by the id of the element drawn (or its parent's):
// window.__plotlyCalls = {"loss-plot": 12, …}. Added to a page before its scripts run
// (Playwright's add_init_script); wraps Plotly when its script sets window.Plotly.
// Used by tests/browser/test_unseen_plots.py and bench/frame_rate.py.
(() => {
  window.__plotlyCalls = {};
  let real;
  const wrap = (P) => {
    for (const name of ["newPlot", "react", "restyle", "relayout", "update", "extendTraces", "animate", "redraw"]) {
      const f = P[name];
      if (typeof f !== "function") continue;
      P[name] = function (gd, ...rest) {
        const id = (typeof gd === "string" ? gd : gd?.id || gd?.parentElement?.id) || "?";
        window.__plotlyCalls[id] = (window.__plotlyCalls[id] || 0) + 1;
        return f.call(this, gd, ...rest);
      };
    }
    return P;
  };
  Object.defineProperty(window, "Plotly", { configurable: true, get: () => real, set: (v) => { real = v && wrap(v); } });
})();
