// The forward pass of a tiny MLP in the browser, for the decision-boundary view.
//
// The flat weight vector is laid out as gdviz/engine/nets/mlp.py lays it out:
// W1, b1, W2, b2, …, W_L, b_L, where W_l has shape (n_in, n_out) and is stored
// row-major (input i to unit j at offset(W_l) + i·n_out + j), in the row-vector
// convention z = x·W + b. Hidden layers share one activation; the head turns the
// last layer's outputs into class scores as the engine's `predict_proba_grid` does:
//   softmax_ce  → softmax probabilities (K outputs)
//   sigmoid_bce → (1 − σ(z), σ(z)) from one output
//   mse         → the raw outputs clipped to [0, 1] (scores, not probabilities)

/** σ(z) as the engine computes it: ½(1 + tanh(z/2)), which never overflows. */
const sigmoid = (z) => 0.5 * (1 + Math.tanh(0.5 * z));

export const ACTIVATIONS = {
  relu: (z) => (z > 0 ? z : 0),
  leaky_relu: (z) => (z > 0 ? z : 0.01 * z), // torch's default slope
  tanh: Math.tanh,
  sigmoid,
};

/** The number of weights of a network with layer sizes [2, h1, …, K]. */
export function weightCount(sizes) {
  let n = 0;
  for (let l = 1; l < sizes.length; l++) n += sizes[l - 1] * sizes[l] + sizes[l];
  return n;
}

/**
 * Every layer's pre-activations z and activations a at many points at once: the forward
 * pass of `mlp.py` (z = a_prev·W + b; the hidden layers' activation; the last layer's a is
 * its z, the logits).
 * @param {number[]} params  the flat weights (length weightCount(sizes))
 * @param {{sizes: number[], activation: string}} net
 * @param {Float64Array} x  the points, row-major (B, 2)
 * @returns {{z: Float64Array[], a: Float64Array[]}}  per layer, row-major (B, n_l)
 */
export function forwardLayers(params, { sizes, activation }, x) {
  const act = ACTIVATIONS[activation];
  if (!act && sizes.length > 2) throw new Error(`unknown activation ${activation}`); // (no hidden layer: none needed)
  if (params.length !== weightCount(sizes)) throw new Error(`expected ${weightCount(sizes)} weights, got ${params.length}`);
  const B = x.length / sizes[0];
  const zs = [];
  const as = [];
  let a = x;
  let offset = 0;
  const L = sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    const w = offset;
    const b = offset + nIn * nOut;
    offset = b + nOut;
    const z = new Float64Array(B * nOut);
    for (let r = 0; r < B; r++) {
      const zr = r * nOut;
      for (let j = 0; j < nOut; j++) z[zr + j] = params[b + j];
      const ar = r * nIn;
      for (let i = 0; i < nIn; i++) {
        const ai = a[ar + i];
        const wi = w + i * nOut;
        for (let j = 0; j < nOut; j++) z[zr + j] += ai * params[wi + j];
      }
    }
    zs.push(z);
    if (l < L - 1) {
      const out = new Float64Array(z.length);
      for (let k = 0; k < z.length; k++) out[k] = act(z[k]);
      a = out;
    } else {
      a = z;
    }
    as.push(a);
  }
  return { z: zs, a: as };
}

/**
 * Class scores at many points at once.
 * @param {number[]} params  the flat weights (length weightCount(sizes))
 * @param {{sizes: number[], activation: string, head: string}} net
 * @param {Float64Array} x  the points, row-major (B, 2)
 * @returns {{scores: Float64Array, classes: number}}  scores row-major (B, K)
 */
export function classScores(params, net, x) {
  const { sizes, head } = net;
  const B = x.length / sizes[0];
  const L = sizes.length - 1;
  return headScores(forwardLayers(params, net, x).a[L - 1], head, B, sizes[L]);
}

/**
 * The head's class scores from the logits (B, K), as the engine's `predict_proba_grid`
 * (the logits array is overwritten for softmax and mse).
 */
export function headScores(a, head, B, K) {
  if (head === "sigmoid_bce") {
    const out = new Float64Array(B * 2);
    for (let r = 0; r < B; r++) {
      const p1 = sigmoid(a[r]);
      out[2 * r] = 1 - p1;
      out[2 * r + 1] = p1;
    }
    return { scores: out, classes: 2 };
  }
  if (head === "softmax_ce") {
    for (let r = 0; r < B; r++) {
      const o = r * K;
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (a[o + k] > m) m = a[o + k];
      let s = 0;
      for (let k = 0; k < K; k++) {
        a[o + k] = Math.exp(a[o + k] - m);
        s += a[o + k];
      }
      for (let k = 0; k < K; k++) a[o + k] /= s;
    }
    return { scores: a, classes: K };
  }
  if (head === "mse") {
    for (let k = 0; k < a.length; k++) a[k] = Math.min(Math.max(a[k], 0), 1);
    return { scores: a, classes: K };
  }
  throw new Error(`unknown head ${head}`);
}

/** n evenly spaced values from lo to hi (both included), as numpy.linspace. */
export function linspace(lo, hi, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1);
  return out;
}

/**
 * Class scores on a grid: [i][j] is at (xs[j], ys[i]), as `predict_proba_grid`.
 * Returns the scores (ny·nx·K, row-major), the predicted class and its score per cell.
 */
export function scoreGrid(params, net, xs, ys) {
  const nx = xs.length;
  const ny = ys.length;
  const pts = new Float64Array(nx * ny * 2);
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nx; j++) {
      const k = 2 * (i * nx + j);
      pts[k] = xs[j];
      pts[k + 1] = ys[i];
    }
  }
  const { scores, classes } = classScores(params, net, pts);
  const pred = new Int32Array(nx * ny);
  const conf = new Float64Array(nx * ny);
  for (let c = 0; c < nx * ny; c++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (scores[c * classes + k] > scores[c * classes + best]) best = k;
    pred[c] = best;
    conf[c] = scores[c * classes + best];
  }
  return { scores, classes, pred, conf, nx, ny };
}
