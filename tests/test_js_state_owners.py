"""One owner per piece of page state (static/js/state.js lists them): no module writes a
field of ``state`` it does not own — the session owns the connection and the stream's
lifecycle, the editor owns the scenario, runs.js the runs' frames, each loader what it
drew. Read from the source: an assignment, ``delete`` or mutating call on ``state.<field>``
(or on the selected run's spec, ``selectedSpec()``) outside its owner fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "static" / "js"
OWNERS = {
    "surfaces": {"main.js"}, "optimizers": {"main.js"}, "models": {"main.js"},
    "scenario": {"session/edits.js"}, "selected": {"session/edits.js"},
    "hidden": {"session/edits.js"},
    "socketOpen": {"session/commands.js"}, "server": {"session/commands.js"},
    "playing": {"session/commands.js"}, "updateStale": {"session/commands.js"},
    "surfaceDrawn": {"session/surface.js"},
    "model": {"session/model.js"}, "expr": {"session/expr.js"},
    "runs": {"runs.js"}, "recent": {"runs.js"},
    "liveRuns": {"runs.js"}, "scrub": {"runs.js"},  # the step the views show (scrub.js asks)
}
_PATH = r"(?:\??\.\w+|\[[^\]\n]*\])*"
_WRITES = [
    re.compile(rf"\bstate\.(\w+){_PATH}\s*(?:=(?!=)|\+=|-=|\+\+|--)"),
    re.compile(rf"\bdelete\s+state\.(\w+)"),
    re.compile(rf"\bstate\.(\w+){_PATH}\.(?:push|pop|shift|unshift|splice|sort|reverse|fill|set|"
               rf"delete|clear)\("),
    re.compile(rf"\bselectedSpec\(\)(){_PATH}\.\w+\s*=(?!=)"),  # the selected run's spec
]


def writes() -> list[tuple[str, str, int]]:
    """(module, state field, line) for every write found."""
    out = []
    for path in sorted(JS.rglob("*.js")):
        rel = path.relative_to(JS).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("//")[0]
            for pattern in _WRITES:
                for m in pattern.finditer(code):
                    out.append((rel, m.group(1) or "scenario", n))
    return out


def test_every_state_field_has_an_owner():
    text = (JS / "state.js").read_text(encoding="utf-8")
    fields = re.findall(r"^  (\w+):", text.split("export const state = {")[1].split("};")[0], re.M)
    assert sorted(fields) == sorted(OWNERS)


def test_no_module_writes_a_field_it_does_not_own():
    found = writes()
    assert {f for _, f, _ in found} >= {"scenario", "server", "playing", "runs"}  # the scan sees them
    strays = [f"static/js/{m}:{n} writes state.{f} (owned by {', '.join(sorted(OWNERS[f]))})"
              for m, f, n in found if m not in OWNERS.get(f, set())]
    assert strays == []
