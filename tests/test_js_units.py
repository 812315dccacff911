"""The page's pure JS modules, unit-tested with Node's own runner (`node --test tests/js/`).

Skipped without Node, except in CI (`CI=true`), where Node is required."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_node_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is required in CI for tests/js (node --test)")
        pytest.skip("Node.js is not installed: tests/js is skipped")
    files = sorted(str(p) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    done = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
