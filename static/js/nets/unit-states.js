// Which hidden units are dead or saturated, from their pre-activations z at the training
// points (forward.js's `forwardLayers`). What the network diagram marks:
//
//   dead       relu only: z ≤ 0 on every training point — the unit outputs 0 and gets 0
//              gradient everywhere, so it never learns again (the engine's definition:
//              MLP.hidden_activity and the diagnosis's dead_relu; leaky_relu units pass
//              0.01 of the gradient and do not die).
//   saturated  tanh and sigmoid: the slope f′(z) is below 1% of its peak (tanh: 1 − a² <
//              0.01; sigmoid: a(1 − a) < 0.0025) on at least 90% of the training points —
//              the unit is pinned near ±1 (or 0/1) and passes back almost no gradient.

export const SATURATED_SLOPE = 0.01; // of the activation's peak slope
export const SATURATED_SHARE = 0.9; // of the training points

/** f′(z) / max f′ for the saturating activations. */
const RELATIVE_SLOPE = {
  tanh: (z) => {
    const a = Math.tanh(z);
    return 1 - a * a;
  },
  sigmoid: (z) => {
    const a = 0.5 * (1 + Math.tanh(0.5 * z));
    return (a * (1 - a)) / 0.25;
  },
};

/**
 * Per hidden layer, per unit: {dead, saturated, active, flat} — active: the share of the
 * points with z > 0; flat: the share where the slope is below SATURATED_SLOPE of its peak.
 * @param {Float64Array[]} z  per layer (row-major (B, n_l)), the hidden layers first (the output's is ignored)
 * @param {number[]} sizes  [2, h1, …, K]
 * @param {string} activation
 */
export function unitStates(z, sizes, activation) {
  const out = [];
  const slope = RELATIVE_SLOPE[activation];
  for (let l = 1; l < sizes.length - 1; l++) {
    const n = sizes[l];
    const zl = z[l - 1];
    const B = zl.length / n;
    const units = [];
    for (let j = 0; j < n; j++) {
      let active = 0;
      let flat = 0;
      for (let r = 0; r < B; r++) {
        const v = zl[r * n + j];
        if (v > 0) active += 1;
        if (slope && slope(v) < SATURATED_SLOPE) flat += 1;
      }
      units.push({
        dead: activation === "relu" && active === 0,
        saturated: Boolean(slope) && flat >= SATURATED_SHARE * B,
        active: active / B,
        flat: slope ? flat / B : 0,
      });
    }
    out.push(units);
  }
  return out;
}
