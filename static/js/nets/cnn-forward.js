// One image through a tiny CNN and back (docs/models.md, kind `cnn`): the engine's pass
// (gdviz/engine/nets/cnn.py, conv.py) written out pixel by pixel for the page's views.
// It equals the engine's own trace (POST /api/trace, engine/nets/cnn_trace.py) to 1e-12
// — tests/js and tests/test_cnn_js.py check it — so the offline page and every frame of
// a playing run can show the maps without asking the server.
//
// Maps are Float64Arrays in (row, column, channel) order, `side × side × channels`.
//   conv:  z[y, x, o] = b[o] + Σ_{c,i,j} K[o, c, i, j] · x[y + i − p, x + j − p, c]
//          (p = 1 with same padding: zeros around; 0 with valid: the map shrinks by 2)
//   pool:  p[y, x, c] = max of the 2 × 2 window at (2y, 2x); an odd last row/column is
//          dropped; the winner is the first maximum in row-major order (as torch).
//   dense: logits[k] = b[k] + Σ_f feature[f] · W[f, k], features in (channel, row, col) order.

/** The activation and its derivative from z and a (as layers.py). */
export const ACTIVATIONS = {
  relu: { f: (z) => Math.max(z, 0), d: (z) => (z > 0 ? 1 : 0) },
  leaky_relu: { f: (z) => Math.max(z, 0.01 * z), d: (z) => (z > 0 ? 1 : 0.01) },
  tanh: { f: Math.tanh, d: (z, a) => 1 - a * a },
  sigmoid: { f: (z) => 0.5 * (1 + Math.tanh(0.5 * z)), d: (z, a) => (1 - a) * a },
};

/** Where each layer's weights sit in the flat vector: [{K, b}] per block, then {W, b}. */
export function cnnLayout(desc) {
  let at = 0;
  const take = (n) => {
    const s = at;
    at += n;
    return s;
  };
  const blocks = desc.blocks.map((b) => ({ ...b, K: take(b.c_out * b.c_in * 9), b: take(b.c_out) }));
  const dense = { W: take(desc.features * desc.n_classes), b: take(desc.n_classes) };
  return { blocks, dense, dim: at };
}

/** Kernel o of block l as 3×3 rows of input channel c. */
export function kernel(params, layout, l, o, c = 0) {
  const b = layout.blocks[l];
  const base = b.K + (o * b.c_in + c) * 9;
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => params[base + i * 3 + j]));
}

function conv(x, side, cIn, params, blk, pad) {
  const out = blk.side_conv;
  const z = new Float64Array(out * out * blk.c_out);
  for (let y = 0; y < out; y++) {
    for (let xx = 0; xx < out; xx++) {
      for (let o = 0; o < blk.c_out; o++) {
        let s = params[blk.b + o];
        for (let c = 0; c < cIn; c++) {
          const kb = blk.K + (o * cIn + c) * 9;
          for (let i = 0; i < 3; i++) {
            const yy = y + i - pad;
            if (yy < 0 || yy >= side) continue;
            for (let j = 0; j < 3; j++) {
              const xj = xx + j - pad;
              if (xj < 0 || xj >= side) continue;
              s += params[kb + i * 3 + j] * x[(yy * side + xj) * cIn + c];
            }
          }
        }
        z[(y * out + xx) * blk.c_out + o] = s;
      }
    }
  }
  return z;
}

function pool(a, side, c, half) {
  const p = new Float64Array(half * half * c);
  const winner = new Int32Array(half * half * c); // index into a of each window's winner
  const won = new Uint8Array(side * side * c);
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      for (let k = 0; k < c; k++) {
        let best = -Infinity;
        let at = -1;
        for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
          const idx = ((2 * y + i) * side + 2 * x + j) * c + k;
          if (at < 0 || a[idx] > best) {
            best = a[idx];
            at = idx;
          }
        }
        p[(y * half + x) * c + k] = best;
        winner[(y * half + x) * c + k] = at;
        won[at] = 1;
      }
    }
  }
  return { p, winner, won };
}

/**
 * The forward pass of one image (side × side, row-major) at the flat weights `params`:
 * per block {input, inSide, cIn, z, a, p, winner, won (1 at each window's winner)}, the
 * features, the logits and the softmax probabilities.
 */
export function forwardImage(params, desc, image, layout = cnnLayout(desc)) {
  const act = ACTIVATIONS[desc.activation];
  const pad = desc.padding === "same" ? 1 : 0;
  let x = Float64Array.from(image);
  let side = desc.image_size;
  let cIn = 1;
  const blocks = [];
  layout.blocks.forEach((blk) => {
    const z = conv(x, side, cIn, params, blk, pad);
    const a = z.map((v) => act.f(v));
    const { p, winner, won } = pool(a, blk.side_conv, blk.c_out, blk.side_pool);
    blocks.push({ input: x, inSide: side, cIn, z, a, p, winner, won });
    x = p;
    side = blk.side_pool;
    cIn = blk.c_out;
  });
  const last = blocks[blocks.length - 1];
  const c = cIn;
  const features = new Float64Array(desc.features);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < side; y++) for (let xx = 0; xx < side; xx++) features[(k * side + y) * side + xx] = last.p[(y * side + xx) * c + k];
  }
  const K = desc.n_classes;
  const logits = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = params[layout.dense.b + k];
    for (let f = 0; f < features.length; f++) s += features[f] * params[layout.dense.W + f * K + k];
    logits[k] = s;
  }
  return { blocks, features, logits, probs: softmax(logits) };
}

/** softmax(z) with the max taken out first (finite for any finite scores). */
export function softmax(z) {
  const m = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - m));
  const total = e.reduce((s, v) => s + v, 0);
  return Float64Array.from(e, (v) => v / total);
}

/**
 * The backward pass of one image's cross-entropy loss −log p_label: ∂ℓ/∂logits = p −
 * one-hot, then per block (last to first) dp (what arrives at the pool's output), da (it
 * routed to the winners, 0 elsewhere) and dz = da · activation′(z); and ℓ.
 */
export function backwardImage(fwd, params, desc, label, layout = cnnLayout(desc)) {
  const act = ACTIVATIONS[desc.activation];
  const K = desc.n_classes;
  const dlogits = Float64Array.from(fwd.probs, (p, k) => p - (k === label ? 1 : 0));
  const blocks = fwd.blocks.map(() => ({}));
  const n = layout.blocks.length;
  // into the last pool's output: Σ_k W[f, k]·δ_k, back from (channel, row, col) order
  const lastBlk = layout.blocks[n - 1];
  const side = lastBlk.side_pool;
  const c = lastBlk.c_out;
  let dp = new Float64Array(side * side * c);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const f = (k * side + y) * side + x;
        let s = 0;
        for (let o = 0; o < K; o++) s += params[layout.dense.W + f * K + o] * dlogits[o];
        dp[(y * side + x) * c + k] = s;
      }
    }
  }
  const pad = desc.padding === "same" ? 1 : 0;
  for (let l = n - 1; l >= 0; l--) {
    const blk = layout.blocks[l];
    const b = fwd.blocks[l];
    const da = new Float64Array(b.a.length);
    b.winner.forEach((at, i) => { da[at] = dp[i]; });
    const dz = da.map((v, i) => v * act.d(b.z[i], b.a[i]));
    blocks[l] = { dp, da, dz };
    if (l === 0) break;
    // into the block's input: each output pixel's δ spread over its 3×3 patch
    const inSide = b.inSide;
    const cIn = b.cIn;
    const dx = new Float64Array(inSide * inSide * cIn);
    for (let y = 0; y < blk.side_conv; y++) {
      for (let x = 0; x < blk.side_conv; x++) {
        for (let o = 0; o < blk.c_out; o++) {
          const d = dz[(y * blk.side_conv + x) * blk.c_out + o];
          if (d === 0) continue;
          for (let ci = 0; ci < cIn; ci++) {
            const kb = blk.K + (o * cIn + ci) * 9;
            for (let i = 0; i < 3; i++) {
              const yy = y + i - pad;
              if (yy < 0 || yy >= inSide) continue;
              for (let j = 0; j < 3; j++) {
                const xj = x + j - pad;
                if (xj < 0 || xj >= inSide) continue;
                dx[(yy * inSide + xj) * cIn + ci] += params[kb + i * 3 + j] * d;
              }
            }
          }
        }
      }
    }
    dp = dx;
  }
  return { loss: -Math.log(fwd.probs[label]), dlogits, blocks };
}

/**
 * The sum a conv pixel is: the 3×3 patch under kernel o of block l at output (y, x),
 * each input value, its weight and their product, then the bias and z.
 */
export function convSum(fwd, params, desc, l, o, y, x, layout = cnnLayout(desc)) {
  const blk = layout.blocks[l];
  const b = fwd.blocks[l];
  const pad = desc.padding === "same" ? 1 : 0;
  const terms = [];
  let s = params[blk.b + o];
  for (let c = 0; c < b.cIn; c++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const yy = y + i - pad;
        const xj = x + j - pad;
        const inside = yy >= 0 && yy < b.inSide && xj >= 0 && xj < b.inSide;
        const v = inside ? b.input[(yy * b.inSide + xj) * b.cIn + c] : 0;
        const w = params[blk.K + (o * b.cIn + c) * 9 + i * 3 + j];
        terms.push({ c, i, j, v, w, product: v * w, inside });
        s += v * w;
      }
    }
  }
  return { terms, bias: params[blk.b + o], z: s, zMap: b.z[(y * blk.side_conv + x) * blk.c_out + o] };
}
