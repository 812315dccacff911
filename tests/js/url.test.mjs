// static/js/url.js — the page's link reader and writer — against gdviz/scenarios/url.py and
// view.py: for the same scenario and view, the same keys, order and spelling, read from the
// link schema alone (GET /api/schema).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  checkViewValue, objectiveToQuery, pyNumber, queryString, readView, resolveView, sameScenario, scenarioToQuery, viewDefaults,
  viewToQuery,
} from "../../static/js/url.js";
import { FIXTURES } from "./fixtures.mjs";

const { schema } = FIXTURES;

test("numbers are spelt as Python's repr() spells them", () => {
  for (const [x, py] of FIXTURES.numbers) assert.equal(pyNumber(x), py, `${x}`);
});

test("every scenario's link is written exactly as the server writes it", () => {
  assert.ok(FIXTURES.links.length > 10);
  const kinds = new Set();
  for (const { scenario, query, kind } of FIXTURES.links) {
    kinds.add(kind);
    assert.deepEqual(scenarioToQuery(schema, scenario), query, JSON.stringify(scenario));
  }
  // every kind the registry has is among them
  assert.deepEqual([...kinds].sort(), schema.kinds.map((k) => k.id).sort());
});

test("a model's link names every field, defaults filled in, in the kind's field order", () => {
  const q = objectiveToQuery(schema, { model: { kind: "logreg2" } });
  const fields = schema.kinds.find((k) => k.id === "logreg2").model.fields;
  assert.deepEqual(q.map(([k]) => k), ["model", ...Object.keys(fields).map((f) => `model.${f}`)]);
  assert.deepEqual(q.slice(1).map(([, v]) => v), Object.values(fields).map((f) => pyNumber(f.default)));
});

test("the objective is the first the scenario names, in the schema's order", () => {
  const both = { surface: "bowl", expr: "x*y", domain: [[-1, 1], [-2, 2]] };
  assert.deepEqual(objectiveToQuery(schema, both), [["expr", "x*y"], ["domain", "-1,1,-2,2"]]);
  assert.deepEqual(objectiveToQuery(schema, { surface: "bowl" }), [["surface", "bowl"]]);
});

test("every view's keys are written exactly as the server writes them, per route", () => {
  for (const { view, embed, query, resolved } of FIXTURES.views) {
    assert.deepEqual(viewToQuery(schema, view, { embed }), query, JSON.stringify(view));
    assert.deepEqual(resolveView(schema, view, embed), resolved);
  }
});

test("a view is read with the schema's defaults for what it leaves out", () => {
  const defaults = viewDefaults(schema);
  assert.deepEqual(readView(schema, ""), defaults);
  assert.deepEqual(readView(schema, "{not json"), defaults);
  const read = readView(schema, JSON.stringify({ tab: "sweep", hide: ["2"], nonsense: 1 }));
  assert.equal(read.tab, "sweep");
  assert.deepEqual(read.hide, [2]);
  assert.ok(!("nonsense" in read));
  for (const { view } of FIXTURES.views) assert.deepEqual(readView(schema, JSON.stringify(view)), view);
});

test("a form value is taken only within its key's bounds", () => {
  const key = (field) => schema.view.keys.find((k) => k.field === field);
  const n = key("sweep_n");
  assert.equal(checkViewValue(schema, "sweep_n", String(n.max)), n.max);
  assert.equal(checkViewValue(schema, "sweep_n", String(n.max + 1)), null);
  assert.equal(checkViewValue(schema, "sweep_n", "2.5"), null);
  assert.equal(checkViewValue(schema, "sweep_min", String(key("sweep_min").min / 10)), null);
  const [first] = key("basins_n").choices;
  assert.equal(checkViewValue(schema, "basins_n", String(first)), first);
  assert.equal(checkViewValue(schema, "basins_n", String(first + 1)), null);
  assert.equal(checkViewValue(schema, "slice_plane", "pca"), "pca");
  assert.equal(checkViewValue(schema, "slice_plane", "nope"), null);
  assert.equal(checkViewValue(schema, "sweep_n", ""), null);
});

test("query strings are percent-encoded as Python's urlencode(safe=',') writes them", () => {
  assert.equal(queryString([["expr", "x^2 + (y*3)!'"], ["r0.start", "1,-2"]]),
    "expr=x%5E2+%2B+%28y%2A3%29%21%27&r0.start=1,-2");
});

// The lesson's "changed" notice (panels/lesson.js) is decided by sameScenario alone: at load,
// for a shared link, and after every edit.
test("a preset's own link opens the preset's scenario; a changed number does not", () => {
  assert.ok(FIXTURES.presets.length > 10);
  for (const { id, scenario, opened } of FIXTURES.presets) {
    assert.ok(sameScenario(schema, opened, scenario), id);
    assert.ok(sameScenario(schema, { ...opened, speed: opened.speed * 2 }, scenario), `${id}: the speed changes no number`);
    const changed = (edit) => { const sc = structuredClone(opened); edit(sc); return sc; };
    const last = opened.runs.length - 1;
    for (const [what, edit] of [
      ["the first run's η", (sc) => { sc.runs[0].lr = (sc.runs[0].lr ?? 0.1) * 5; }],
      ["the last run's η", (sc) => { sc.runs[last].lr = (sc.runs[last].lr ?? 0.1) * 5; }],
      ["the steps", (sc) => { sc.steps += 1; }],
      ["the seed", (sc) => { sc.seed += 1; }],
      ["a run's optimizer", (sc) => { sc.runs[0].optimizer = sc.runs[0].optimizer === "adam" ? "gd" : "adam"; }],
      ["a run more", (sc) => { sc.runs.push(structuredClone(sc.runs[0])); }],
    ]) assert.ok(!sameScenario(schema, changed(edit), scenario), `${id}: ${what}`);
  }
});

test("scenarios are compared as their links spell them", () => {
  const a = { surface: "bowl", steps: 300, seed: 0, speed: 5, runs: [{ optimizer: "gd", start: [1.5, 1], lr: 0.3 }] };
  const b = { runs: [{ lr: 0.1 + 0.2 - 0.00000000000000004, start: [1.5, 1.0], optimizer: "gd" }], speed: 60, seed: 0, steps: 300, surface: "bowl" };
  assert.ok(sameScenario(schema, a, b)); // 0.3 either way; keys in another order; another speed
  assert.ok(!sameScenario(schema, a, { ...a, runs: [{ ...a.runs[0], lr: 0.1 + 0.2 }] })); // 0.30000000000000004 is another η
  assert.ok(!sameScenario(schema, a, { ...a, runs: [{ ...a.runs[0], momentum: 0.9 }] })); // a field the preset leaves out
});
