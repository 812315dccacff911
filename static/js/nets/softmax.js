// Softmax of scores a student types, step by step — the "type your own scores" box.
//
//   p_k = e^(z_k − m) / Σ_j e^(z_j − m),   m = max_k z_k
//
// Subtracting the max changes nothing mathematically (the factor e^(−m) cancels) but
// keeps every exponent ≤ 0, so no e^z overflows: the engine's softmax does the same
// (gdviz/engine/nets/layers.py). The naive form e^z_k / Σ e^z_j is computed too, in
// float64 (JavaScript's numbers: e^z overflows above z ≈ 709.78) and in float32 (a GPU's:
// above z ≈ 88.72), to show where it breaks: ∞/∞ = NaN.

export const MAX_SCORES = 12;
export const MAX_SCORE = 1e6; // |z| typed: larger numbers say nothing more

/**
 * The scores in a text like "0.2, 1.3, 25.7, -11, 102" (commas, spaces or semicolons;
 * "−" as a minus sign too).
 * @returns {{scores: number[]} | {error: string}}
 */
export function parseScores(text) {
  const parts = String(text).replaceAll("−", "-").split(/[\s,;]+/).filter((s) => s !== "");
  if (parts.length < 2) return { error: "type at least two scores, e.g. 0.2, 1.3, 25.7, −11, 102" };
  if (parts.length > MAX_SCORES) return { error: `at most ${MAX_SCORES} scores (got ${parts.length})` };
  const scores = [];
  for (const p of parts) {
    const v = Number(p);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(p) || !Number.isFinite(v)) return { error: `“${p}” is not a number` };
    if (Math.abs(v) > MAX_SCORE) return { error: `“${p}”: keep scores within ±${MAX_SCORE.toExponential(0)}` };
    scores.push(v);
  }
  return { scores };
}

/**
 * The stable softmax, every intermediate kept.
 * @param {number[]} z
 * @returns {{max: number, shifted: number[], exps: number[], sum: number, probs: number[], logSumExp: number}}
 */
export function stableSoftmax(z) {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  const shifted = z.map((v) => v - max);
  const exps = shifted.map(Math.exp);
  let sum = 0;
  for (const e of exps) sum += e;
  return { max, shifted, exps, sum, probs: exps.map((e) => e / sum), logSumExp: max + Math.log(sum) };
}

/**
 * The naive softmax e^z_k / Σ e^z_j in float64, or rounded to float32 at every step
 * (`float32: true`): exps or sum may be Infinity and probs NaN.
 */
export function naiveSoftmax(z, { float32 = false } = {}) {
  const round = float32 ? Math.fround : (v) => v;
  const exps = z.map((v) => round(Math.exp(round(v))));
  let sum = 0;
  for (const e of exps) sum = round(sum + e);
  return { exps, sum, probs: exps.map((e) => round(e / sum)) };
}

/** Whether every number is finite (the naive form worked). */
export const allFinite = (values) => values.every(Number.isFinite);

/**
 * Cross-entropy of class `y` from the scores, as the engine computes it:
 * −log p_y = logsumexp(z) − z_y (never log 0, even when p_y underflows to 0).
 */
export function crossEntropy(z, y) {
  return stableSoftmax(z).logSumExp - z[y];
}
