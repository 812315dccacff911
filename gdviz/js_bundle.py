"""The page's own ES modules as one classic script, for a page opened from ``file://``.

A browser refuses ``<script type="module">`` from ``file://`` (and an inlined module
cannot import its neighbours), yet the offline export should draw with the very
code the playground draws with — the contour, curves, decision boundary, status
badge and the network's forward pass — not a copy of it. So this links a few
modules the simple way a bundler does: each module becomes a function scope that
returns its exports, and an ``import {a, b as c} from "./x.js"`` becomes
``const {a, b: c} = gdvizModules["x.js"]``. Modules come out in dependency order,
so the result runs top to bottom with no loader.

Only the forms the project's modules use are understood — one-line named imports
of relative paths and ``export`` before ``const``/``let``/``function``/``class``;
anything else (``export default``, ``export {…}``, ``import *``, a bare import) is
refused with the file and line, so a module that grows one fails loudly here and
in the tests rather than in a lecture hall.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from gdviz.paths import STATIC_DIR

JS_ROOT = STATIC_DIR / "js"
REGISTRY = "gdvizModules"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"(\.{1,2}/[^"]+)";[ \t]*$', re.M)
_EXPORT = re.compile(r"^export\s+(?=(?:async\s+)?function\b|class\b|const\b|let\b)", re.M)
_DECLARED = re.compile(r"(?:async\s+)?(?:function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)")
_LEFTOVER = re.compile(r"^[ \t]*(import|export)\b(?!\s*\()", re.M)


class BundleError(ValueError):
    """A module uses a form of import or export this linker does not handle."""


def _bindings(names: str) -> str:
    """``a, b as c`` → ``a, b: c`` (a destructuring pattern)."""
    out = []
    for part in filter(None, (p.strip() for p in names.split(","))):
        name, _, alias = (w.strip() for w in part.partition(" as "))
        out.append(f"{name}: {alias}" if alias else name)
    return ", ".join(out)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _parse(rel: str) -> tuple[list[tuple[str, str]], list[str], str]:
    """One module: its imports (module, destructuring pattern), its exported names and its
    body with the import lines removed and the ``export`` keywords dropped."""
    text = (JS_ROOT / rel).read_text(encoding="utf-8")
    imports = [(posixpath.normpath(posixpath.join(posixpath.dirname(rel), m.group(2))),
                _bindings(m.group(1))) for m in _IMPORT.finditer(text)]
    body = _IMPORT.sub("", text)
    exported = []
    for m in _EXPORT.finditer(body):
        declared = _DECLARED.match(body, m.end())
        if not declared:
            raise BundleError(f"{rel}:{_line_of(body, m.start())}: cannot read this export")
        exported.append(declared.group(1))
    body = _EXPORT.sub("", body)
    leftover = _LEFTOVER.search(body)
    if leftover:
        raise BundleError(f"static/js/{rel}:{_line_of(body, leftover.start())}: "
                          f"unsupported {leftover.group(1)} form (only one-line named imports "
                          "and `export const|let|function|class` are linked)")
    return imports, exported, body


def _order(entries: list[str]) -> list[str]:
    """The modules the entries need, each after its own imports (depth first)."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(rel: str) -> None:
        if rel in done:
            return
        if rel in visiting:
            raise BundleError(f"import cycle through {rel}")
        visiting.add(rel)
        for dep, _ in _parse(rel)[0]:
            visit(dep)
        visiting.discard(rel)
        done.append(rel)

    for entry in entries:
        visit(entry)
    return done


def classic_script(entries: list[str]) -> str:
    """The ``entries`` (paths under static/js, e.g. ``"plots/contour.js"``) and everything
    they import, as one classic script that defines ``gdvizModules[path]`` = that module's
    exports."""
    parts = [f"const {REGISTRY} = Object.create(null);"]
    for rel in _order(entries):
        imports, exported, body = _parse(rel)
        head = "".join(f"  const {{ {names} }} = {REGISTRY}[{dep!r}];\n"
                       for dep, names in imports)
        parts.append(f"// ---- static/js/{rel}\n{REGISTRY}[{rel!r}] = (() => {{\n"
                     f'  "use strict";\n{head}{body.strip()}\n'
                     f"  return {{ {', '.join(exported)} }};\n}})();")
    return "\n".join(parts) + "\n"


def module_files(entries: list[str]) -> list[Path]:
    """The files ``classic_script(entries)`` reads (for tests and docs)."""
    return [JS_ROOT / rel for rel in _order(entries)]


# ---- Plotly's 2D part (esbuild's ES-module output) as a classic script -----------------

PLOTLY_DIR = STATIC_DIR / "vendor" / "plotly"
_CHUNK_IMPORT = re.compile(r'\s*import\s*\{([^}]*)\}\s*from\s*"\./([\w.-]+)";')
_CHUNK_EXPORT = re.compile(r"export\s*\{([^}]*)\};?\s*(?://[^\n]*\s*)*$")


def _esm_chunk(name: str, text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
    """One esbuild output file: its imports (chunk, destructuring pattern), its exports
    (exported name, local name) and the code between them; the banner comment is kept."""
    banner = ""
    if text.startswith("/*"):
        end = text.index("*/") + 2
        banner, text = text[:end] + "\n", text[end:]
    imports = []
    while m := _CHUNK_IMPORT.match(text):
        imports.append((m.group(2), _bindings(m.group(1))))
        text = text[m.end():]
    tail = _CHUNK_EXPORT.search(text)
    if not tail:
        raise BundleError(f"static/vendor/plotly/{name}: no export {{…}} at its end")
    exports = []
    for part in filter(None, (p.strip() for p in tail.group(1).split(","))):
        local, _, exported = (w.strip() for w in part.partition(" as "))
        exports.append((exported or local, local))
    body = text[:tail.start()]
    if re.search(r"\bimport\s*\{|\bimport\s*\(|\bimport\.meta\b|[;}]export\s*\{", body):
        raise BundleError(f"static/vendor/plotly/{name}: an import or export this linker "
                          "does not handle (rebuilt with other esbuild settings?)")
    return imports, exports, banner + body


def plotly_2d_script() -> str:
    """Plotly's first part (static/vendor/plotly/bundle.json: the 2D traces) and the core
    chunk it imports, as one classic script that sets ``window.Plotly`` — for the offline
    export, which a browser opens from ``file://`` (no module imports there). The chunks
    come in dependency order, each in a function scope that returns its exports."""
    import json

    manifest = json.loads((PLOTLY_DIR / "bundle.json").read_text(encoding="utf-8"))
    entry = next(iter(manifest["parts"]))
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep, _ in _esm_chunk(name, (PLOTLY_DIR / name).read_text(encoding="utf-8"))[0]:
            visit(dep)
        order.append(name)

    visit(entry)
    parts = ["const gdvizPlotlyChunks = Object.create(null);"]
    for name in order:
        imports, exports, body = _esm_chunk(name, (PLOTLY_DIR / name).read_text(encoding="utf-8"))
        head = "".join(f"  const {{ {names} }} = gdvizPlotlyChunks[{dep!r}];\n"
                       for dep, names in imports)
        ret = ", ".join(f"{exported!r}: {local}" for exported, local in exports)
        parts.append(f"// ---- static/vendor/plotly/{name}\ngdvizPlotlyChunks[{name!r}] = (() => {{\n"
                     f'  "use strict";\n{head}{body.strip()}\n  return {{ {ret} }};\n}})();')
    return "\n".join(parts) + "\n"
