// The fixtures the JS unit tests compare with (tests/js/js_fixtures.py: computed by the Python
// the page's modules mirror). tests/test_js_units.py writes them to a file and names it in
// GDVIZ_JS_FIXTURES; run on their own (`node --test tests/js/`), the tests ask Python.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

function load() {
  const file = process.env.GDVIZ_JS_FIXTURES;
  if (file) return JSON.parse(readFileSync(file, "utf8"));
  const python = process.env.PYTHON ?? "python3";
  return JSON.parse(execFileSync(python, [`${here}js_fixtures.py`], { maxBuffer: 64 << 20, encoding: "utf8" }));
}

export const FIXTURES = load();
