// nets/diagram-layout.js: the diagram's geometry and the flat layout of mlp.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { biasIndex, diagramLayout, paramAt, weightIndex } from "../../static/js/nets/diagram-layout.js";
import { weightCount } from "../../static/js/nets/forward.js";

const SIZES = [2, 16, 16, 2];

test("weight and bias indices follow W1, b1, W2, b2, … row-major, and paramAt inverts them", () => {
  assert.equal(weightIndex(SIZES, 1, 0, 0), 0);
  assert.equal(weightIndex(SIZES, 1, 1, 3), 16 + 3);
  assert.equal(biasIndex(SIZES, 1, 0), 32);
  assert.equal(weightIndex(SIZES, 2, 0, 0), 48);
  assert.equal(biasIndex(SIZES, 3, 1), weightCount(SIZES) - 1);
  for (let k = 0; k < weightCount(SIZES); k++) {
    const p = paramAt(SIZES, k);
    assert.equal(p.kind === "w" ? weightIndex(SIZES, p.layer, p.i, p.j) : biasIndex(SIZES, p.layer, p.j), k);
  }
  assert.equal(paramAt(SIZES, weightCount(SIZES)), null);
});

test("every neuron fits the box, and nodeAt / edgeAt find what is drawn there", () => {
  for (const [w, h] of [[440, 380], [300, 200], [900, 500]]) {
    for (const sizes of [[2, 2, 1], SIZES, [2, 32, 32, 32, 32, 8]]) {
      const lay = diagramLayout(sizes, w, h);
      for (const [c, col] of lay.columns.entries()) {
        assert.equal(col.ys.length, sizes[c]);
        assert.ok(col.x - lay.node / 2 >= 0 && col.x + lay.node / 2 <= w, `column ${c} inside ${w}`);
        for (const [k, y] of col.ys.entries()) {
          assert.ok(y - lay.node / 2 >= lay.header && y + lay.node / 2 <= h);
          assert.deepEqual(lay.nodeAt(col.x, y), { column: c, unit: k });
        }
      }
      // the middle of the line from unit i to unit j is that edge
      const l = sizes.length - 1;
      const x0 = lay.columns[l - 1].x + lay.node / 2;
      const x1 = lay.columns[l].x - lay.node / 2;
      const [i, j] = [sizes[l - 1] - 1, 0];
      const ym = (lay.columns[l - 1].ys[i] + lay.columns[l].ys[j]) / 2;
      assert.deepEqual(lay.edgeAt((x0 + x1) / 2, ym, 0.5), { layer: l, i, j });
    }
  }
});

test("line widths: in proportion for weights, by decades for gradients (fading out below 10⁻⁴)", async () => {
  const { widthStep, fade } = await import("../../static/js/plots/network-diagram.js");
  assert.deepEqual([0, 0.1, 0.5, 0.99, 1].map((r) => widthStep(r)), [0, 0, 3, 5, 5]);
  assert.deepEqual([1, 0.137, 0.0178, 0.00328, 1e-4, 9.7e-5, 0].map((r) => widthStep(r, true)), [5, 4, 3, 2, 0, -1, -1]);
  assert.deepEqual([1, 0.1, 0.01, 0.001, 1e-5].map((r) => Math.round(fade(r) * 100) / 100), [0, 0.33, 0.67, 1, 1]);
});
