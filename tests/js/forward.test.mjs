// static/js/nets/forward.js — the network's forward pass the decision boundary and the
// diagram are drawn with — layer by layer as mlp.py computes it: a small net written out by
// hand, and class scores on a grid against gdviz/engine/nets/mlp.py (every activation and
// head, with and without hidden layers; tests/js/js_fixtures.py).

import assert from "node:assert/strict";
import { test } from "node:test";

import { classScores, forwardLayers, linspace, scoreGrid, weightCount } from "../../static/js/nets/forward.js";
import { FIXTURES } from "./fixtures.mjs";

// a 2-2-1 tanh net with a sigmoid head, written out by hand
const params = [0.5, -0.4, 0.3, 0.8, 0.1, -0.2, 1.2, -0.7, 0.05];
const net = { sizes: [2, 2, 1], activation: "tanh", head: "sigmoid_bce" };

test("weightCount counts W and b of every layer", () => {
  assert.equal(weightCount([2, 2, 1]), 9);
  assert.equal(weightCount([2, 16, 16, 2]), 354);
  for (const c of FIXTURES.forward) assert.equal(weightCount(c.net.sizes), c.dim);
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

test("class scores on a grid equal the engine's, for every activation and head", () => {
  for (const c of FIXTURES.forward) {
    const g = scoreGrid(c.params, c.net, c.xs, c.ys);
    assert.equal(g.classes, c.classes);
    assert.equal(g.scores.length, c.scores.length);
    c.scores.forEach((want, i) => assert.ok(Math.abs(g.scores[i] - want) <= 1e-12 * (1 + Math.abs(want)),
      `${c.net.activation}/${c.net.head} score ${i}: ${g.scores[i]} vs ${want}`));
    // the predicted class and its score: the largest of each cell's scores
    for (let cell = 0; cell < g.nx * g.ny; cell++) {
      const row = c.scores.slice(cell * c.classes, (cell + 1) * c.classes);
      assert.equal(g.conf[cell], g.scores[cell * c.classes + g.pred[cell]]);
      assert.ok(Math.abs(g.conf[cell] - Math.max(...row)) <= 1e-12);
    }
  }
});

test("a wrong number of weights or an unknown activation or head is refused", () => {
  const small = { sizes: [2, 2], activation: "tanh", head: "softmax_ce" };
  assert.throws(() => classScores([1, 2, 3], small, new Float64Array([0, 0])), /expected 6 weights/);
  const hidden = { sizes: [2, 3, 2], activation: "gelu", head: "softmax_ce" }; // (no hidden layer needs none)
  assert.throws(() => classScores(new Array(weightCount(hidden.sizes)).fill(0), hidden, new Float64Array(2)), /unknown activation/);
  assert.throws(() => classScores([0, 0, 0, 0, 0, 0], { ...small, head: "hinge" }, new Float64Array(2)), /unknown head/);
});

test("softmax scores of huge logits stay finite and sum to one", () => {
  const wide = { sizes: [2, 3], activation: "tanh", head: "softmax_ce" };
  const { scores } = classScores([1e3, -1e3, 5e2, 0, 0, 0, 0, 0, 0], wide, new Float64Array([1, 0]));
  assert.ok([...scores].every(Number.isFinite));
  assert.ok(Math.abs(scores[0] + scores[1] + scores[2] - 1) < 1e-12);
});

test("linspace is numpy's: both ends included, the last exactly", () => {
  assert.deepEqual(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(linspace(-2, 0.3, 7).at(-1), 0.3);
});
