"""The page's own ES modules linked into one file: a classic script for a page opened
from ``file://`` (``classic_script``), and one ES module for the playground, so a browser
fetches one file rather than ~90 (``module_bundle``, served by gdviz/api/assets.py).

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


def _parse(rel: str, root: Path | None = None) -> tuple[list[tuple[str, str]], list[str], str]:
    """One module (under ``root``, default ``JS_ROOT``): its imports (module, destructuring
    pattern), its exported names and its body with the import lines removed and the
    ``export`` keywords dropped."""
    text = ((root or JS_ROOT) / rel).read_text(encoding="utf-8")
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


def _order(entries: list[str], root: Path | None = None) -> list[str]:
    """The modules the entries need, each after its own imports (depth first)."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(rel: str) -> None:
        if rel in done:
            return
        if rel in visiting:
            raise BundleError(f"import cycle through {rel}")
        visiting.add(rel)
        for dep, _ in _parse(rel, root)[0]:
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


# ---- the playground's modules as one ES module ------------------------------------------

_DYNAMIC = re.compile(r"\bimport\(\s*(?:\"(\.{1,2}/[^\"]*)\"|`(\.{1,2}/[^`$]*)\$\{([^}`]*)\}([^`$]*)`)\s*\)")
_ANY_DYNAMIC = re.compile(r"\bimport\(")
_EXPORT_LET = re.compile(r"^export\s+let\b", re.M)
_LINKER = {"factories": "gdvizFactories", "evaluated": "gdvizEvaluated", "load": "gdvizLoad",
           "import": "gdvizLinkedImport"}
"""The linked file's own names, beside every module's scope: a module may not use them."""
_LINKER_NAME = re.compile(r"\b(?:" + "|".join(_LINKER.values()) + r")\b")


def _in_comment(text: str, pos: int) -> bool:
    """Whether ``pos`` is on a comment line (``//`` before it, or a ``*`` line of a block
    comment): a JSDoc type such as ``import("./x.js").Thing`` is no import."""
    line = text[text.rfind("\n", 0, pos) + 1:pos]
    return "//" in line or line.lstrip().startswith(("*", "/*"))


def _link_dynamic(rel: str, body: str, root: Path, bundle_dir: str) -> tuple[str, list[str]]:
    """``body`` with each ``import()`` of a relative path rewritten for the bundle, and the
    modules those now find in it. An import of one of our modules (``"./x.js"``, or a
    template ``./views/${id}.js`` — every module that pattern can name) becomes
    ``gdvizLinkedImport("path")``, evaluated from the bundle on first use; an import of any
    other file (Plotly's parts) stays an ``import()``, of the same file seen from the
    bundle's folder. Any other form is refused."""
    here = posixpath.dirname(rel)
    found: list[str] = []

    def rewrite(m: re.Match) -> str:
        literal, prefix, expr, suffix = m.groups()
        if literal is not None:
            target = posixpath.normpath(posixpath.join(here, literal))
            if target.endswith(".js") and not target.startswith("..") and (root / target).is_file():
                found.append(target)
                return f"{_LINKER['import']}({target!r})"
            outside = posixpath.relpath(posixpath.join("js", target) if not target.startswith("..")
                                        else target.removeprefix("../"), bundle_dir)
            return f'import("{outside if outside.startswith(".") else "./" + outside}")'
        folder = posixpath.normpath(posixpath.join(here, prefix))
        if prefix.endswith("/") and not folder.startswith("..") and "/" not in suffix:
            names = sorted(p.relative_to(root).as_posix() for p in (root / folder).glob(f"*{suffix}")
                           if p.is_file())
            if names:
                found.extend(names)
                return f"{_LINKER['import']}(`{folder}/${{{expr}}}{suffix}`)"
        raise BundleError(f"static/js/{rel}:{_line_of(body, m.start())}: cannot link this "
                          f"import() (a template must name files of one folder of static/js)")

    out, last = [], 0
    for m in _ANY_DYNAMIC.finditer(body):
        if _in_comment(body, m.start()) or m.start() < last:
            continue
        dyn = _DYNAMIC.match(body, m.start())
        if dyn is None:
            raise BundleError(f"static/js/{rel}:{_line_of(body, m.start())}: unsupported "
                              "import() (only a relative path, or one template `./dir/${…}.js`)")
        out += [body[last:m.start()], rewrite(dyn)]
        last = dyn.end()
    out.append(body[last:])
    return "".join(out), found


def module_bundle(entry: str, root: Path | None = None) -> str:
    """``static/js/<entry>``, every module it imports and every module it may ``import()``,
    as one ES module served from ``static/js/`` — what a bundler gives, so that a page
    loads one file, not ~90 (over HTTP/1.1 a browser asks six at a time, and each round
    trip is another wait: the playground's first contour came 200–300 ms later).

    Each module is a factory ``(rel) → exports``, evaluated the first time it is needed,
    its imports first and in order — the order ES modules evaluate in — so a module
    reached only by ``import()`` (a kind's plug-in view) still runs only when asked for, and
    shares every module instance (the event hub, the view styles) with the page. The
    source modules stay the truth: they are served as they are, and this file is made
    from them whenever they change (gdviz/api/assets.py)."""
    root = root or JS_ROOT
    bundle_dir = posixpath.dirname(posixpath.join("js", entry))
    order: list[str] = []
    linked: dict[str, tuple[list[tuple[str, str]], list[str], str]] = {}
    queue = [entry]
    while queue:  # the static graph of each module reached, dynamically reached ones too
        for rel in _order([queue.pop(0)], root):
            if rel in linked:
                continue
            imports, exported, body = _parse(rel, root)
            source = (root / rel).read_text(encoding="utf-8")
            if clash := _LINKER_NAME.search(source):
                raise BundleError(f"static/js/{rel}:{_line_of(source, clash.start())}: "
                                  f"`{clash.group(0)}` is the linked file's own name")
            if let := _EXPORT_LET.search(source):
                raise BundleError(f"static/js/{rel}:{_line_of(let.string, let.start())}: "
                                  "`export let` is not linked (an importer would keep the "
                                  "first value); export a const or a function")
            body, dynamic = _link_dynamic(rel, body, root, bundle_dir)
            linked[rel] = (imports, exported, body)
            order.append(rel)
            queue += [d for d in dynamic if d not in linked and d not in queue]
    parts = [f"// static/js/{entry} and the modules it imports, linked into one file by "
             "gdviz/js_bundle.py (module_bundle); the sources are the files beside it.",
             f"const {_LINKER['factories']} = Object.create(null);",
             f"const {_LINKER['evaluated']} = new Map();",
             "/** A linked module's exports, evaluated on first use; an error it threw, again. */",
             f"function {_LINKER['load']}(rel) {{",
             f"  let done = {_LINKER['evaluated']}.get(rel);",
             "  if (!done) {",
             f"    const make = {_LINKER['factories']}[rel];",
             "    if (!make) throw new TypeError(`no module static/js/${rel} in this bundle`);",
             "    done = { exports: undefined, error: null };",
             f"    {_LINKER['evaluated']}.set(rel, done);",
             "    try { done.exports = make(); } catch (e) { done.error = e; }",
             "  }",
             "  if (done.error) throw done.error;",
             "  return done.exports;",
             "}",
             "/** import() of a module linked here: evaluated on first use, like a real one. */",
             f"const {_LINKER['import']} = (rel) => new Promise((resolve) => "
             f"resolve({_LINKER['load']}(rel)));"]
    for rel in order:
        imports, exported, body = linked[rel]
        head = "".join(f"  const {{ {names} }} = {_LINKER['load']}({dep!r});\n"
                       for dep, names in imports)
        parts.append(f"// ---- static/js/{rel}\n{_LINKER['factories']}[{rel!r}] = () => {{\n"
                     f"{head}{body.strip()}\n  return {{ {', '.join(exported)} }};\n}};")
    parts.append(f"{_LINKER['load']}({entry!r});")
    return "\n".join(parts) + "\n"


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
