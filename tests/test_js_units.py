"""The page's pure JS modules, unit-tested with Node's built-in runner (``node --test
tests/js/``): the link reader/writer (static/js/url.js) against the links
gdviz/scenarios/url.py and view.py write, and the network forward pass
(static/js/nets/forward.js) against gdviz/engine/nets/mlp.py. Run here so that `pytest`
covers them. Without Node (18 or newer) they are skipped with a message — except in CI
(``CI=true``), where they are required."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JS_TESTS = ROOT / "tests" / "js"
sys.path.insert(0, str(JS_TESTS))

from js_fixtures import fixtures  # noqa: E402


def _node() -> str:
    node = shutil.which("node")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout if node else ""
    major = int(m.group(1)) if (m := re.match(r"v(\d+)", version)) else 0
    if major >= 18:
        return node
    message = (f"Node 18 or newer not found ({version.strip() or 'no node on PATH'}): "
               "apt-get install nodejs (the JS unit tests are skipped)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message.replace("(the JS unit tests are skipped)", "— required in CI"))
    pytest.skip(message)


def test_js_unit_tests_pass(tmp_path):
    node = _node()
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(fixtures(), allow_nan=False), encoding="utf-8")
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))
    assert files, "no JS unit tests found"
    done = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "GDVIZ_JS_FIXTURES": str(path)})
    summary = "\n".join(line for line in done.stdout.splitlines() if line.startswith("# "))
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
    assert re.search(r"^# fail 0$", summary, re.M) and not re.search(r"^# pass 0$", summary, re.M)


def test_every_page_module_parses_as_an_es_module(tmp_path):
    """Each file of static/js/ (and the offline player's) passes ``node --check`` as an ES
    module: an early error — e.g. a name both imported and declared, as a merge can leave —
    stops the whole page before it draws anything, with no test of a view to say why."""
    node = _node()
    bad = []
    for src in sorted([*(ROOT / "static" / "js").rglob("*.js"), *(ROOT / "static" / "offline").glob("*.js")]):
        copy = tmp_path / "module.mjs"  # .mjs: checked as a module whatever package.json says
        copy.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
        done = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True, timeout=60)
        if done.returncode:
            bad.append(f"{src.relative_to(ROOT)}: {done.stderr.strip().splitlines()[-3:]}")
    assert not bad, "\n".join(bad)
