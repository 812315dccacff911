"""The package's imports point one way (DESIGN.md, "Dependencies point one way"): no module
imports, even late inside a function, one that imports it back, and each layer imports
only the layers below it:

    base (validation, settings, paths, client_json) < engine < scenarios < streaming
      < export (export, export_html, js_bundle) < api < main, cli, http_protocol

Read from the source with ``ast`` (nothing is imported), so a cycle fails here even when
Python would tolerate it at run time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "gdviz"
LAYERS = [
    {"gdviz", "gdviz.validation", "gdviz.settings", "gdviz.paths", "gdviz.client_json",
     "gdviz.lan"},
    {"gdviz.engine"},
    {"gdviz.scenarios"},
    {"gdviz.streaming"},
    {"gdviz.export", "gdviz.export_html", "gdviz.js_bundle"},
    {"gdviz.api"},
    {"gdviz.main", "gdviz.cli", "gdviz.__main__", "gdviz.http_protocol", "gdviz.notebook"},
]


def modules() -> dict[str, Path]:
    out = {}
    for path in (ROOT / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _target(name: str, known: dict) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module → the package's modules it imports (anywhere in its body)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                             for a in node.names)
        graph[name] = {t for t in (_target(f, known) for f in found)
                       if t and t != name and not name.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer_of(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in layer if top != PACKAGE):
            return i
    if module == PACKAGE:
        return 0
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(import_graph()) == []


# ``gdviz.show`` / ``gdviz.embed`` are the package's front door for notebooks: they import
# gdviz.notebook when called (``import gdviz`` itself stays light), a facade, not a layer
FACADES = {("gdviz", "gdviz.notebook")}


def test_each_layer_imports_only_the_layers_below_it():
    upward = sorted(f"{m} → {t}" for m, targets in import_graph().items() for t in targets
                    if layer_of(t) > layer_of(m) and (m, t) not in FACADES)
    assert upward == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected
