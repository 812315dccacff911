// The training point the backprop and softmax views trace, on the plots that show the
// data (the decision boundary, a 2-weight model's data & fit): a ring around it, and a
// click on a point (its index in the trace's `customdata`) to pick it.

/** The traced point: a black ring around (x, y), or an empty trace. */
export function pickedMarker(xy) {
  return {
    type: "scatter", mode: "markers", name: "traced point", x: xy ? [xy[0]] : [], y: xy ? [xy[1]] : [],
    marker: { symbol: "circle-open", size: 18, color: "#111111", line: { width: 3, color: "#111111" } },
    hoverinfo: "skip",
  };
}

/** Call `onPick(index)` when a point carrying an integer `customdata` is clicked (once per plot element). */
export function listenForPicks(el, onPick) {
  if (el.dataset.picks) return;
  el.dataset.picks = "1";
  el.on("plotly_click", (ev) => {
    const i = ev?.points?.find((p) => Number.isInteger(p.customdata))?.customdata;
    if (i !== undefined) onPick(i);
  });
}
