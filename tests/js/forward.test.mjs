// static/js/nets/forward.js — the network's forward pass the decision boundary is drawn
// with — against gdviz/engine/nets/mlp.py's class scores on a grid (every activation and
// head, with and without hidden layers).

import assert from "node:assert/strict";
import { test } from "node:test";

import { classScores, linspace, scoreGrid, weightCount } from "../../static/js/nets/forward.js";
import { FIXTURES } from "./fixtures.mjs";

test("the weight count is the engine's", () => {
  assert.equal(weightCount([2, 3, 2]), 2 * 3 + 3 + 3 * 2 + 2);
  for (const c of FIXTURES.forward) assert.equal(weightCount(c.net.sizes), c.dim);
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

test("a wrong number of weights or an unknown activation is refused", () => {
  const net = { sizes: [2, 2], activation: "tanh", head: "softmax_ce" };
  assert.throws(() => classScores([1, 2, 3], net, new Float64Array([0, 0])), /expected 6 weights/);
  assert.throws(() => classScores([0, 0, 0, 0, 0, 0], { ...net, activation: "gelu" }, new Float64Array(2)), /unknown activation/);
  assert.throws(() => classScores([0, 0, 0, 0, 0, 0], { ...net, head: "hinge" }, new Float64Array(2)), /unknown head/);
});

test("softmax scores of huge logits stay finite and sum to one", () => {
  const net = { sizes: [2, 3], activation: "tanh", head: "softmax_ce" };
  const { scores } = classScores([1e3, -1e3, 5e2, 0, 0, 0, 0, 0, 0], net, new Float64Array([1, 0]));
  assert.ok([...scores].every(Number.isFinite));
  assert.ok(Math.abs(scores[0] + scores[1] + scores[2] - 1) < 1e-12);
});

test("linspace is numpy's: both ends included, the last exactly", () => {
  assert.deepEqual(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(linspace(-2, 0.3, 7).at(-1), 0.3);
});
