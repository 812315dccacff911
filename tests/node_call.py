"""Call a function of one of the page's ES modules from a test, through Node: the inputs
go in as JSON, the results come back as JSON (non-finite numbers as null)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import { readFileSync } from "node:fs";
const [path, name, spread] = process.argv.slice(1);
const mod = await import(path);
const inputs = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(inputs.map((a) => (spread === "1" ? mod[name](...a) : mod[name](a)))));
"""


def node_path() -> str:
    """The ``node`` executable; the test fails in CI without it, and is skipped elsewhere."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is required in CI")
        pytest.skip("Node.js is not installed")
    return node


def node_map(module: str, function: str, inputs: list, spread: bool = False) -> list:
    """``[module.function(a) for a in inputs]`` run by Node (module: under static/js); with
    ``spread``, each input is a list of arguments: ``module.function(*a)``."""
    node = node_path()
    url = (ROOT / "static" / "js" / module).as_uri()
    done = subprocess.run([node, "--input-type=module", "-e", SCRIPT, url, function,
                           "1" if spread else "0"],
                          input=json.dumps(inputs), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
