// nets/step-arithmetic.js: the rows an update is written in (their numbers are checked
// against the engine in tests/test_step_arithmetic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { stepArithmetic, substitute } from "../../static/js/nets/step-arithmetic.js";

const num = (v) => String(Number(v.toPrecision(4)));

test("Adam's first step: m, v, the bias corrections, then θ − η·m̂/(√v̂ + ε)", () => {
  const opt = { g: [2, -1], before: { step: 0, exp_avg: [0, 0], exp_avg_sq: [0, 0] }, after: { step: 1 } };
  const { rows, update, next } = stepArithmetic({ optimizer: "adam", hyper: { betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 }, lr: 0.1, params: [1, 1], opt });
  assert.deepEqual(rows.map((r) => r.name), ["g", "m", "v", "m̂", "v̂", "Δθ", "θ′"]);
  // the first Adam step moves every coordinate by η (m̂ = g, v̂ = g²)
  update.forEach((u, k) => assert.ok(Math.abs(u + 0.1 * Math.sign(opt.g[k])) < 1e-8));
  assert.deepEqual(next.map((v) => Number(v.toFixed(6))), [0.9, 1.1]);
  const m = rows[1];
  assert.equal(substitute(m.rule, m.parts, num), "0.9·(0, 0) + (1 − 0.9)·(2, -1)");
  const mHat = rows[3];
  assert.equal(substitute(mHat.rule, mHat.parts, num), "(0.2, -0.1) / (1 − 0.9^1)");
});

test("momentum's first step fills the buffer with g; plain GD is −η·g", () => {
  const opt = { g: [1, 2], before: { step: 0, momentum_buffer: [0, 0], has_buffer: false }, after: { step: 1 } };
  const mom = stepArithmetic({ optimizer: "momentum", hyper: { momentum: 0.9, dampening: 0, weight_decay: 0 }, lr: 0.5, params: [0, 0], opt });
  assert.equal(mom.rows[1].rule, "g (the first step fills the buffer)");
  assert.deepEqual(mom.update, [-0.5, -1]);
  const gd = stepArithmetic({ optimizer: "gd", hyper: { weight_decay: 0.1 }, lr: 0.5, params: [1, -1], opt });
  assert.deepEqual(gd.rows.map((r) => r.name), ["g", "g", "Δθ", "θ′"]);
  assert.equal(gd.rows[1].rule, "g + wd·θ"); // weight decay is wd: λ is a curvature on the page
  assert.equal(substitute(gd.rows[1].rule, gd.rows[1].parts, num), "(1, 2) + 0.1·(1, -1)");
  assert.equal(substitute(gd.rows[2].rule, gd.rows[2].parts, num), "−0.5·(1.1, 1.9)");
});

test("AdamW decays the weights first, written with wd (not λ, a curvature)", () => {
  const opt = { g: [2, -1], before: { step: 0, exp_avg: [0, 0], exp_avg_sq: [0, 0] }, after: { step: 1 } };
  const { rows } = stepArithmetic({ optimizer: "adamw", hyper: { betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.5 }, lr: 0.1, params: [1, 2], opt });
  const decayed = rows.find((r) => r.rule === "decoupled weight decay");
  assert.equal(decayed.name, "θ·(1 − η·wd)");
  assert.deepEqual(decayed.value, [0.95, 1.9]);
  assert.ok(rows.every((r) => !r.name.includes("λ") && !r.rule.includes("λ")));
  const update = rows.find((r) => r.name === "Δθ");
  assert.ok(substitute(update.rule, update.parts, num).startsWith("(1, 2)·(1 − 0.1·0.5)"));
});
