// nets/softmax.js: the "type your own scores" box reproduces the course's example exactly
// and shows why the max is subtracted.
import assert from "node:assert/strict";
import { test } from "node:test";

import { allFinite, crossEntropy, naiveSoftmax, parseScores, stableSoftmax } from "../../static/js/nets/softmax.js";

const COURSE = [0.2, 1.3, 25.7, -11, 102];
// the engine's softmax of these scores (gdviz/engine/nets/layers.py), printed by numpy
const ENGINE = [6.149244229360794e-45, 1.8473350586794258e-44, 7.300137340887375e-34, 8.408597124803643e-50, 1.0];
const close = (a, b, rel = 1e-13) => Math.abs(a - b) <= rel * Math.abs(b);

test("the course's scores give 6.15e-45 … 1, as the engine's softmax", () => {
  const s = stableSoftmax(COURSE);
  assert.equal(s.max, 102);
  assert.deepEqual(s.shifted, [0.2 - 102, 1.3 - 102, 25.7 - 102, -113, 0]);
  s.probs.forEach((p, k) => assert.ok(close(p, ENGINE[k]), `p${k} = ${p}, engine ${ENGINE[k]}`));
  assert.equal(s.probs[0].toPrecision(3), "6.15e-45");
  assert.equal(s.probs[4], 1);
});

test("the naive form is finite in float64 here but overflows in float32 (e^102 > 3.4e38)", () => {
  assert.ok(allFinite(naiveSoftmax(COURSE).probs));
  const f32 = naiveSoftmax(COURSE, { float32: true });
  assert.equal(f32.exps[4], Infinity);
  assert.ok(Number.isNaN(f32.probs[4]));
  const big = naiveSoftmax([1000, 1]);
  assert.equal(big.exps[0], Infinity);
  assert.ok(Number.isNaN(big.probs[0]));
  assert.deepEqual(stableSoftmax([1000, 1]).probs, [1, 0]); // e^(1 − 1000) underflows to 0: finite
});

test("cross-entropy never takes log 0", () => {
  assert.ok(close(crossEntropy([1, 2, 3], 2), -Math.log(stableSoftmax([1, 2, 3]).probs[2]), 1e-15));
  assert.ok(close(crossEntropy(COURSE, 3), 113 + Math.log(stableSoftmax(COURSE).sum), 1e-15));
  assert.ok(Number.isFinite(crossEntropy([0, 2000], 0)));
});

test("parseScores reads what people type and names what is wrong", () => {
  assert.deepEqual(parseScores("0.2, 1.3, 25.7, −11, 102").scores, COURSE);
  assert.deepEqual(parseScores("1 2;3").scores, [1, 2, 3]);
  assert.deepEqual(parseScores("1e2, -.5").scores, [100, -0.5]);
  assert.match(parseScores("1").error, /at least two/);
  assert.match(parseScores("1, x").error, /“x” is not a number/);
  assert.match(parseScores("1, Infinity").error, /not a number/);
  assert.match(parseScores("1, 1e7").error, /within/);
  assert.match(parseScores(Array(13).fill("1").join(",")).error, /at most 12/);
});
