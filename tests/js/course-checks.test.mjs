// guide/checks.js: a guided-path goal applied to the page's runs gives course.py's `met`
// verdict (tests/js/js_fixtures.py: each goal as its step opens and after a change that meets it).
import assert from "node:assert/strict";
import { test } from "node:test";

import { met } from "../../static/js/guide/checks.js";
import { FIXTURES } from "./fixtures.mjs";

test("every goal's verdict on the page's run is the server's", () => {
  const cases = FIXTURES.course_checks;
  assert.ok(cases.length >= 10);
  assert.ok(cases.some((c) => c.met) && cases.some((c) => !c.met));
  for (const c of cases) assert.equal(met(c.check, c.run, c.lr), c.met, JSON.stringify(c.check));
});
