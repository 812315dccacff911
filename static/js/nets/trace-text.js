// One training point's backprop written out with its numbers, stage by stage, for one
// selected weight W_l[i, j] — from a POST /api/trace answer (docs/models.md): every value
// printed is the engine's; only the activation's slope f′(z) is computed here, with the
// engine's own operations (tanh: 1 − a², sigmoid: (1 − a)·a, relu: 1 if z > 0 else 0,
// leaky_relu: 1 or 0.01).
//
//   forward    z_j = Σ_i a_i·W[i, j] + b_j,  a_j = f(z_j)
//   loss       the head: softmax + −log p_y, σ + BCE, or MSE
//   backward   δ_out = ∂ℓ/∂z (p − onehot, σ − y, 2(z − t)/K);  δ_j = (Σ_k δ_k·W⁺[j, k])·f′(z_j)
//   gradients  ∂ℓ/∂W[i, j] = a_i·δ_j,  ∂ℓ/∂b_j = δ_j
//   update     the step's gradient is the mean over its batch; θ − η·ḡ (or the optimizer's rule)

import { fmt } from "../format.js";
import { biasIndex, weightIndex } from "./diagram-layout.js";
import { stepArithmetic } from "./step-arithmetic.js";

export const STAGES = ["forward", "loss", "backward", "gradients", "update"];

const n4 = (v) => fmt(v, 4);
const paren = (v) => (v !== null && v < 0 ? `(${n4(v)})` : n4(v));
const vecText = (v) => `(${v.map(n4).join(", ")})`;
const sub = (k) => String(k + 1).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);

/** f′(z) from z and a = f(z), as gdviz/engine/nets/layers.py computes it, with its formula. */
export function slope(activation, z, a) {
  if (activation === "tanh") return { value: 1 - a * a, text: `1 − a² = 1 − ${paren(a)}²` };
  if (activation === "sigmoid") return { value: (1 - a) * a, text: `a·(1 − a) = ${n4(a)}·(1 − ${n4(a)})` };
  if (activation === "relu") return { value: z > 0 ? 1 : 0, text: `relu′(z) with z = ${n4(z)} ${z > 0 ? "> 0" : "≤ 0"}` };
  if (activation === "leaky_relu") return { value: z > 0 ? 1 : 0.01, text: `leaky_relu′(z) with z = ${n4(z)} ${z > 0 ? "> 0" : "≤ 0"}` };
  return { value: 1, text: "1" };
}

/** A weight's name: w1, w2 for a 2-weight model (one layer, no bias), else W_l[i, j] (1-based). */
export function weightLabel(net, { layer, i, j }) {
  return net.bias === false && net.sizes.length === 2 ? `w${i + 1}` : `W${layer}[${i + 1}, ${j + 1}]`;
}

/** The activations feeding layer l (1-based): the input for l = 1, else layer l − 1's a. */
const inputOf = (tr, l) => (l === 1 ? tr.x : tr.layers[l - 2].a);
/** Name of unit k of column c ("x₁", "h¹₂", "z₁" for outputs). */
function unitSym(c, k, L) {
  if (c === 0) return `x${sub(k)}`;
  return c === L ? `o${sub(k)}` : `h${sub(k)}⁽${c}⁾`;
}

/**
 * The lines of one stage, each {what, text}.
 * @param {object} tr  POST /api/trace's answer
 * @param {{sizes: number[], activation: string, head: string, bias: boolean, params: number[]}} net
 *   params: the weights the trace was taken at (flat)
 * @param {{layer: number, i: number, j: number}} edge  the selected weight W_layer[i, j]
 * @param {string} stage  one of STAGES
 * @param {{index: number, lr?: number, optimizer?: string, hyper?: object, update?: number|null,
 *          opt?: object|null, regression?: boolean}} step
 *   index: the weight's flat index; update: the update the run takes from this frame (that
 *   weight's); opt: the frame's terms for that one weight (docs/protocol.md), when known
 */
export function stageLines(tr, net, edge, stage, step) {
  const { sizes, activation, head } = net;
  const L = sizes.length - 1;
  const { layer: l, i, j } = edge;
  const lt = tr.layers[l - 1];
  const aIn = inputOf(tr, l);
  const w = net.params[step.index];
  const lines = [];
  const add = (what, text) => lines.push({ what, text });
  const target = unitSym(l, j, L);
  const name = weightLabel(net, edge);
  if (stage === "forward") {
    const terms = aIn.map((a, k) => `${paren(a)}·${paren(net.params[weightIndex(sizes, l, k, j)])}`);
    const shown = terms.length <= 4 ? terms.join(" + ") : `${terms.slice(0, 3).join(" + ")} + … (${terms.length} terms)`;
    const bias = net.bias === false ? "" : ` + ${paren(net.params[biasIndex(sizes, l, j)])}`;
    const rule = net.bias === false && sizes.length === 2 ? "w1·x1 + w2·x2" : `Σᵢ aᵢ·W${l}[i, ${j + 1}] + b${sub(j)}`;
    add(`z of ${target}`, `${step.regression ? "ŷ" : "z"} = ${rule} = ${shown}${bias} = ${n4(lt.z[j])}`);
    if (l < L) add(`a of ${target}`, `a = ${activation}(z) = ${activation}(${n4(lt.z[j])}) = ${n4(lt.a[j])}`);
    else add("output", head === "mse" || step.regression ? `ŷ = z = ${n4(lt.z[j])} (no activation)` : `logit z = ${n4(lt.z[j])} (the head turns the logits into probabilities)`);
    add("the path", `the weight ${name} = ${n4(w)} carries ${unitSym(l - 1, i, L)} = ${n4(aIn[i])} into ${target}: ${paren(aIn[i])}·${paren(w)} = ${n4(aIn[i] * w)}`);
  } else if (stage === "loss") {
    lossLines(tr, head, add, step.regression);
  } else if (stage === "backward") {
    const out = tr.layers[L - 1];
    if (step.regression) add("δ at the output", `δ = ∂ℓ/∂ŷ = 2(ŷ − y) = 2·(${n4(tr.logits[0])} − ${paren(tr.label)}) = ${n4(out.delta[0])}`);
    else if (head === "softmax_ce") add("δ at the outputs", `δ = ∂ℓ/∂z = p − onehot = ${vecText(tr.probs)} − ${vecText(tr.target)} = ${vecText(out.delta)}`);
    else if (head === "sigmoid_bce") add("δ at the output", `δ = ∂ℓ/∂z = σ(z) − y = ${n4(tr.probs[0])} − ${n4(tr.target[0])} = ${n4(out.delta[0])}`);
    else add("δ at the outputs", `δ = ∂ℓ/∂z = 2(z − t)/K = 2·(${vecText(tr.logits)} − ${vecText(tr.target)})/${tr.logits.length} = ${vecText(out.delta)}`);
    for (let m = L - 1; m > l; m--) {
      const d = tr.layers[m - 1].delta;
      add(`δ of hidden ${m}`, d.length <= 4 ? `δ⁽${m}⁾ = (δ⁽${m + 1}⁾·W${m + 1}ᵀ)·f′(z⁽${m}⁾) = ${vecText(d)}` : `δ⁽${m}⁾ = (δ⁽${m + 1}⁾·W${m + 1}ᵀ)·f′(z⁽${m}⁾): ${d.length} numbers, the largest |δ| ${n4(Math.abs(d[argmaxAbs(d)]))}`);
    }
    if (l < L) {
      const next = tr.layers[l];
      const wNext = (k) => net.params[weightIndex(sizes, l + 1, j, k)];
      const terms = next.delta.map((d, k) => `${paren(d)}·${paren(wNext(k))}`);
      const sum = terms.length <= 4 ? terms.join(" + ") : `${terms.slice(0, 3).join(" + ")} + … (${terms.length} terms)`;
      add(`∂ℓ/∂a of ${target}`, `∂ℓ/∂a = Σₖ δₖ·W${l + 1}[${j + 1}, k] = ${sum} = ${n4(lt.grad_a[j])}`);
      const f = slope(activation, lt.z[j], lt.a[j]);
      add(`f′(z) of ${target}`, `${f.text} = ${n4(f.value)}`);
      add(`δ of ${target}`, `δ = ∂ℓ/∂a · f′(z) = ${paren(lt.grad_a[j])}·${paren(f.value)} = ${n4(lt.delta[j])}`);
    }
  } else if (stage === "gradients") {
    const g = lt.grad_W[i][j];
    add(`∂ℓ/∂${name}`, `∂ℓ/∂${name} = ∂ℓ/∂z · ∂z/∂${name} = δ of ${target} · a of ${unitSym(l - 1, i, L)} = ${paren(lt.delta[j])}·${paren(aIn[i])} = ${n4(g)}`);
    if (lt.grad_b) add(`∂ℓ/∂b`, `∂ℓ/∂b${sub(j)} = δ = ${n4(lt.grad_b[j])}`);
  } else if (stage === "update") {
    updateLines(tr, lt.grad_W[i][j], name, step, w, add);
  }
  return lines;
}

function argmaxAbs(v) {
  let best = 0;
  v.forEach((x, k) => { if (Math.abs(x) > Math.abs(v[best])) best = k; });
  return best;
}

function lossLines(tr, head, add, regression) {
  if (regression) {
    const [yHat] = tr.logits;
    add("loss", `ℓ = (ŷ − y)² = (${n4(yHat)} − ${paren(tr.label)})² = ${n4(tr.loss)}`);
    return;
  }
  if (head === "softmax_ce") {
    const y = tr.label;
    add("softmax", `p = softmax(z) = e^zₖ / Σ e^z = ${vecText(tr.probs)}`);
    add(`cross-entropy (class ${y}: one-hot ${vecText(tr.target)})`, `ℓ = −log p_y = −log p${sub(y)} = −log(${n4(tr.probs[y])}) = ${n4(tr.loss)}`);
  } else if (head === "sigmoid_bce") {
    const p = tr.probs[0];
    const y = tr.target[0];
    add("sigmoid", `p = σ(z) = 1/(1 + e^(−z)) = σ(${n4(tr.logits[0])}) = ${n4(p)}`);
    add(`binary cross-entropy (y = ${y})`, `ℓ = −[y·log p + (1 − y)·log(1 − p)] = −${y === 1 ? `log(${n4(p)})` : `log(1 − ${n4(p)})`} = ${n4(tr.loss)}`);
  } else {
    add("MSE", `ℓ = mean over the K outputs of (z − t)² = mean(${vecText(tr.logits)} − ${vecText(tr.target)})² = ${n4(tr.loss)}`);
  }
}

function updateLines(tr, g, name, step, w, add) {
  const b = tr.batch;
  const gBar = b.grad[step.index];
  const which = b.batches_per_epoch > 1 ? `batch ${b.index + 1} of ${b.batches_per_epoch} (epoch ${b.epoch + 1}), ${b.size} points` : `the full batch, all ${b.size} points`;
  add("the step's gradient", `step ${b.step} uses ${which}: ∂L/∂w = (1/${b.size}) Σ over them of ∂ℓ/∂w = ${n4(gBar)}`);
  add("this point's share", b.includes_sample
    ? `this point adds ∂ℓ/∂w / ${b.size} = ${n4(g)}/${b.size} = ${n4(g / b.size)} to it`
    : `this point is not in step ${b.step}'s batch: its ∂ℓ/∂w = ${n4(g)} does not enter this step`);
  if (step.optimizer === "gd" && !step.hyper?.weight_decay && Number.isFinite(step.lr)) {
    add("update", `Δw = −η·∂L/∂w = −${n4(step.lr)}·${paren(gBar)} = ${n4(-step.lr * gBar)}  →  ${name} = ${n4(w)} + ${paren(-step.lr * gBar)} = ${n4(w - step.lr * gBar)}`);
  } else if (step.opt && step.hyper) {
    const { rows, next } = stepArithmetic({ optimizer: step.optimizer, hyper: step.hyper, lr: step.lr, params: [w], opt: step.opt });
    for (const r of rows.slice(1)) add(r.name, `${r.name} = ${r.rule} = ${n4(r.value[0])}`);
    add("new weight", `${name} = ${n4(next[0])}`);
  } else if (step.update !== null && step.update !== undefined) {
    add("update", `${step.optimizer}'s update from step ${b.step}: Δw = ${n4(step.update)}  →  ${name} = ${n4(w + step.update)}`);
  }
}
