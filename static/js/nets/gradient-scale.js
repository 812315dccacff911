// What the network diagram's gradients view measures its lines and neurons against: one
// reference for the whole run, the largest |∂L/∂w| and |∂L/∂b| of the run's frame at
// step 0. A width then means the same size of gradient at every step of the run, so a
// student comparing an early frame with a late one sees the truth: gradients that
// vanish draw thinner and greyer as the run goes on, and a layer drawn thinner than
// another has smaller gradients. Gradients that grow past the start's are drawn at the
// thickest. A new start (Reset, another run selected, another model) is a new reference.
//
// Where a run has no gradient at step 0 (or it is 0 everywhere), the frame's own largest
// is the reference — relative within the frame only, and the key says so.

import { biasIndex, weightIndex } from "./diagram-layout.js";

/**
 * The largest |∂L/∂w| and the largest |∂L/∂b| of a flat gradient (W1, b1, W2, b2, …, as
 * diagram-layout.js lays it out); nulls (non-finite, as the server sends them) are skipped.
 * @returns {{weights: number, biases: number}}
 */
export function largestGradients(grad, sizes) {
  let weights = 0;
  let biases = 0;
  const size = (k) => (typeof grad[k] === "number" && Number.isFinite(grad[k]) ? Math.abs(grad[k]) : 0);
  for (let l = 1; l < sizes.length; l++) {
    for (let i = 0; i < sizes[l - 1]; i++) for (let j = 0; j < sizes[l]; j++) weights = Math.max(weights, size(weightIndex(sizes, l, i, j)));
    for (let j = 0; j < sizes[l]; j++) biases = Math.max(biases, size(biasIndex(sizes, l, j)));
  }
  return { weights, biases };
}

/**
 * The reference a frame's gradients are drawn against: the run's step-0 largest
 * (`from: "start"`), or, without one, the frame's own (`from: "frame"`); null when neither
 * has a gradient.
 * @param {number[]|null} startGrad  the run's gradient at step 0 (null: unknown)
 * @param {number[]|null} grad  the frame's gradient
 * @returns {{weights: number, biases: number, from: "start"|"frame"}|null}
 */
export function gradientReference(startGrad, grad, sizes) {
  if (startGrad) {
    const start = largestGradients(startGrad, sizes);
    if (start.weights > 0) return { ...start, from: "start" };
  }
  return grad ? { ...largestGradients(grad, sizes), from: "frame" } : null;
}
