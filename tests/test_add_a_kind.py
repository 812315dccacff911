"""Adding an objective kind takes its engine file, its registry entry and at most two JS
view modules (docs/kinds.md). Shown, not claimed: the recipe is applied to a copy of the
project (tests/fixtures/new_kind: a one-weight kind with two plug-in views), the copy's
changes are exactly those files and the registry's list, and every other part — links,
the Scenario's checks, the schema, the routes, the stream, the exports — takes the new
kind (tests/fixtures/new_kind/check_api.py, run in the copy). The page: 
tests/browser/test_new_kind_page.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fixtures.new_kind.recipe import HERE, project_with_the_kind


def test_a_kind_is_its_engine_file_its_entry_and_two_view_modules(tmp_path):
    project, changes = project_with_the_kind(tmp_path)
    assert changes == {
        "added": ["gdviz/engine/line1.py", "gdviz/scenarios/kinds/line1.py",
                  "static/js/views/line1-curve.js", "static/js/views/line1-fit.js"],
        "changed": ["gdviz/scenarios/kinds/__init__.py"],  # its line in KINDS (and the import)
        "removed": []}
    done = subprocess.run([sys.executable, str(HERE / "check_api.py")], cwd=project,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(project)})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
    # (the copy, not this checkout, was imported)
    assert Path(project, "gdviz", "scenarios", "kinds", "line1.py").exists()
