// nets/forward.js: the browser's forward pass — layer by layer, as mlp.py computes it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { classScores, forwardLayers, weightCount } from "../../static/js/nets/forward.js";

// a 2-2-1 tanh net with a sigmoid head, written out by hand
const params = [0.5, -0.4, 0.3, 0.8, 0.1, -0.2, 1.2, -0.7, 0.05];
const net = { sizes: [2, 2, 1], activation: "tanh", head: "sigmoid_bce" };

test("weightCount counts W and b of every layer", () => {
  assert.equal(weightCount([2, 2, 1]), 9);
  assert.equal(weightCount([2, 16, 16, 2]), 354);
});

test("forwardLayers gives z and a of every layer (the logits last)", () => {
  const x = new Float64Array([0.7, -1.1]);
  const { z, a } = forwardLayers(params, net, x);
  const z1 = [0.1 + 0.7 * 0.5 + -1.1 * 0.3, -0.2 + 0.7 * -0.4 + -1.1 * 0.8]; // b first, as the loop adds
  assert.deepEqual(Array.from(z[0]), z1);
  assert.deepEqual(Array.from(a[0]), z1.map(Math.tanh));
  const logit = 0.05 + Math.tanh(z1[0]) * 1.2 + Math.tanh(z1[1]) * -0.7;
  assert.equal(z[1][0], logit);
  assert.equal(a[1], z[1]); // the output layer's a is its z
  const { scores } = classScores(params, net, x);
  assert.ok(Math.abs(scores[1] - 1 / (1 + Math.exp(-logit))) < 1e-15);
  assert.ok(Math.abs(scores[0] + scores[1] - 1) < 1e-15);
});
