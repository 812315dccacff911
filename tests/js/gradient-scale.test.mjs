// nets/gradient-scale.js: the gradients view's one reference for a whole run.
import assert from "node:assert/strict";
import { test } from "node:test";

import { biasIndex, weightIndex } from "../../static/js/nets/diagram-layout.js";
import { weightCount } from "../../static/js/nets/forward.js";
import { gradientReference, largestGradients } from "../../static/js/nets/gradient-scale.js";

const SIZES = [2, 3, 2];

/** A flat gradient of SIZES with every weight `w` and every bias `b`, then `set` applied. */
function gradient(w, b, set = {}) {
  const g = new Array(weightCount(SIZES)).fill(w);
  for (let l = 1; l < SIZES.length; l++) for (let j = 0; j < SIZES[l]; j++) g[biasIndex(SIZES, l, j)] = b;
  for (const [k, v] of Object.entries(set)) g[k] = v;
  return g;
}

test("largestGradients: the largest |∂L/∂w| and |∂L/∂b| apart, by the flat layout; nulls skipped", () => {
  const g = gradient(1e-3, 1e-4, { [weightIndex(SIZES, 2, 2, 1)]: -0.02, [biasIndex(SIZES, 1, 0)]: 0.5, [weightIndex(SIZES, 1, 0, 0)]: null });
  assert.deepEqual(largestGradients(g, SIZES), { weights: 0.02, biases: 0.5 });
});

test("one reference for the run: step 0's largest, whatever the frame's; the frame's own without one", () => {
  const start = gradient(7.7e-3, 1.1e-2);
  const late = gradient(2.5e-6, 3.1e-6);
  assert.deepEqual(gradientReference(start, late, SIZES), { weights: 7.7e-3, biases: 1.1e-2, from: "start" });
  assert.deepEqual(gradientReference(null, late, SIZES), { weights: 2.5e-6, biases: 3.1e-6, from: "frame" });
  // a start with no gradient at all is nothing to measure against
  assert.equal(gradientReference(gradient(0, 0), late, SIZES).from, "frame");
  assert.equal(gradientReference(null, null, SIZES), null);
});

test("a stuck run's late gradients draw thinner than its start's (vanishing-diagram's GD run)", async () => {
  const { widthStep } = await import("../../static/js/plots/network-diagram.js");
  const start = gradient(7.7e-3, 1.1e-2);
  const late = gradient(2.5e-6, 3.1e-6);
  const ref = gradientReference(start, late, SIZES).weights;
  assert.equal(widthStep(7.7e-3 / ref, true), 5); // the start: the thickest
  assert.equal(widthStep(2.5e-6 / ref, true), 0); // 3,000× smaller: the thinnest
  assert.equal(widthStep(7.6e-7 / ref, true), -1); // 10,000× smaller: faded out
  assert.equal(widthStep(0.035 / ref, true), 5); // larger than at the start: the thickest
});
