// nets/unit-states.js: dead relu units and saturated tanh/sigmoid units.
import assert from "node:assert/strict";
import { test } from "node:test";

import { unitStates } from "../../static/js/nets/unit-states.js";

test("a relu unit with z ≤ 0 on every point is dead; leaky_relu units never are", () => {
  // 3 points, one hidden layer of 2 units: unit 0 never positive, unit 1 once
  const z = [new Float64Array([-1, 0.5, 0, -2, -3, -0.1]), new Float64Array(3)];
  const [relu] = unitStates(z, [2, 2, 1], "relu");
  assert.deepEqual(relu.map((u) => u.dead), [true, false]);
  assert.equal(relu[1].active, 1 / 3);
  const [leaky] = unitStates(z, [2, 2, 1], "leaky_relu");
  assert.deepEqual(leaky.map((u) => u.dead), [false, false]);
  assert.deepEqual(leaky.map((u) => u.saturated), [false, false]);
});

test("saturated: slope below 1% of its peak on ≥ 90% of the points", () => {
  // tanh: 1 − tanh(3)² = 0.0099 < 0.01, 1 − tanh(2.9)² > 0.01
  assert.ok(1 - Math.tanh(3) ** 2 < 0.01 && 1 - Math.tanh(2.9) ** 2 > 0.01);
  const col = (values) => new Float64Array(values);
  const nine = [3, -3, 4, 5, -6, 7, 8, 9, 10, 0];
  const [t] = unitStates([col(nine), col([0])], [2, 1, 1], "tanh");
  assert.equal(t[0].flat, 0.9);
  assert.equal(t[0].saturated, true);
  const [t2] = unitStates([col([...nine.slice(0, 8), 0, 0]), col([0])], [2, 1, 1], "tanh");
  assert.equal(t2[0].saturated, false);
  // sigmoid: a(1 − a) < 0.0025 ⇔ |z| > ~5.99
  const [s] = unitStates([col([6, -6.5, 7, 8, 9, 10, -11, 12, 13, 14]), col([0])], [2, 1, 1], "sigmoid");
  assert.equal(s[0].saturated, true);
  const [r] = unitStates([col([60, 70]), col([0])], [2, 1, 1], "relu");
  assert.equal(r[0].saturated, false); // relu does not saturate above 0
});
