// Where each neuron and weight of a network sits in its diagram, and which one is under
// the pointer. Pure geometry: no canvas, no DOM (tests/js/diagram-layout.test.mjs).
//
// Columns left to right: the inputs (x1, x2), each hidden layer, the outputs. Layer l
// (1-based) is the weights W_l between column l−1 and column l; W_l[i, j] joins unit i
// of column l−1 to unit j of column l and sits at `weightIndex(sizes, l, i, j)` in the
// flat vector (the layout of gdviz/engine/nets/mlp.py: W1, b1, W2, b2, …, row-major).

/** Offset of W_l (l = 1 … L) in the flat vector. */
function offsetOf(sizes, l) {
  let off = 0;
  for (let k = 1; k < l; k++) off += sizes[k - 1] * sizes[k] + sizes[k];
  return off;
}

/** Flat index of W_l[i, j] (0-based units, 1-based layer). */
export const weightIndex = (sizes, l, i, j) => offsetOf(sizes, l) + i * sizes[l] + j;

/** Flat index of b_l[j]. */
export const biasIndex = (sizes, l, j) => offsetOf(sizes, l) + sizes[l - 1] * sizes[l] + j;

/** The weight or bias a flat index is: {kind: "w", layer, i, j} or {kind: "b", layer, j}. */
export function paramAt(sizes, index) {
  let off = 0;
  for (let l = 1; l < sizes.length; l++) {
    const nw = sizes[l - 1] * sizes[l];
    if (index < off + nw) return { kind: "w", layer: l, i: Math.floor((index - off) / sizes[l]), j: (index - off) % sizes[l] };
    if (index < off + nw + sizes[l]) return { kind: "b", layer: l, j: index - off - nw };
    off += nw + sizes[l];
  }
  return null;
}

const MAX_NODE = 56; // px: a neuron's square at most
const HEADER = 18; // px above the columns for their names

/**
 * Positions for a network of layer sizes `sizes` ([2, h1, …, K]) in a width × height box.
 * @returns {{sizes, node: number, columns: {x: number, ys: number[]}[], nodeAt(x, y), edgeAt(x, y, tol?)}}
 *   node: the side of each neuron's square; columns[c].x its centre; ys the units' centres
 */
export function diagramLayout(sizes, width, height) {
  const L = sizes.length - 1;
  const padX = 8;
  const top = HEADER + 4;
  const availH = Math.max(10, height - top - 4);
  const maxN = Math.max(...sizes);
  const gap = (width - 2 * padX) / Math.max(L, 1);
  const node = Math.max(3, Math.min(MAX_NODE, (0.88 * availH) / maxN, 0.42 * gap));
  const xs = sizes.map((_, c) => padX + node / 2 + (c * (width - 2 * padX - node)) / Math.max(L, 1));
  const columns = sizes.map((n, c) => {
    const pitch = Math.min(availH / n, node * 1.6);
    const y0 = top + availH / 2 - (pitch * (n - 1)) / 2;
    return { x: xs[c], ys: Array.from({ length: n }, (_, k) => y0 + k * pitch) };
  });
  const half = node / 2;

  /** The neuron under (x, y): {column, unit} or null. */
  function nodeAt(x, y) {
    for (let c = 0; c < columns.length; c++) {
      if (Math.abs(x - columns[c].x) > half) continue;
      for (let k = 0; k < columns[c].ys.length; k++) if (Math.abs(y - columns[c].ys[k]) <= half) return { column: c, unit: k };
    }
    return null;
  }

  /** The weight whose line passes nearest (x, y), within `tol` px: {layer, i, j} or null. */
  function edgeAt(x, y, tol = 4) {
    for (let l = 1; l <= L; l++) {
      const x0 = columns[l - 1].x + half;
      const x1 = columns[l].x - half;
      if (x < x0 || x > x1) continue;
      let best = null;
      let bestD = tol;
      const t = (x - x0) / (x1 - x0);
      for (let i = 0; i < sizes[l - 1]; i++) {
        const y0 = columns[l - 1].ys[i];
        for (let j = 0; j < sizes[l]; j++) {
          const y1 = columns[l].ys[j];
          // distance from the point to the segment, measured across it
          const dy = y1 - y0;
          const d = Math.abs(y - (y0 + t * dy)) / Math.sqrt(1 + (dy / (x1 - x0)) ** 2);
          if (d <= bestD) {
            bestD = d;
            best = { layer: l, i, j };
          }
        }
      }
      return best;
    }
    return null;
  }

  return { sizes, node, columns, header: HEADER, nodeAt, edgeAt };
}
