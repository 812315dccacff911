"""The playground's ES modules linked into one file (gdviz/js_bundle.py, module_bundle):
it holds every module main.js can reach, evaluates them in ES-module order and only when
needed, shares one instance of each with what ``import()`` loads later, points Plotly's
parts at the same files; the server makes it from the tree, serves it immutable, and the
page loads it (or, with GDVIZ_LINK_MODULES=false, the modules one by one)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from node_call import node_path

from gdviz import js_bundle
from gdviz.api import assets
from gdviz.api.assets import IMMUTABLE, LINKED_MAIN, StaticTree
from gdviz.js_bundle import BundleError, module_bundle, module_files
from gdviz.paths import STATIC_DIR
from gdviz.settings import get_settings


def run_node(script: str) -> str:
    node = node_path()
    # (on stdin, as a module: a linked file is longer than one argument may be)
    done = subprocess.run([node, "--input-type=module"], input=script, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_playground_links_every_module_it_can_reach():
    text = module_bundle("main.js")
    linked = re.findall(r"^gdvizFactories\['([^']+)'\] = ", text, re.M)
    graph = {p.relative_to(js_bundle.JS_ROOT).as_posix() for p in module_files(["main.js"])}
    views = {p.relative_to(js_bundle.JS_ROOT).as_posix() for p in (STATIC_DIR / "js" / "views").glob("*.js")}
    assert graph <= set(linked) and views <= set(linked) and len(linked) == len(set(linked))
    assert not re.search(r"^\s*(import|export)\s", text, re.M)  # nothing left for the browser to fetch
    # Plotly's parts stay imports, of the same files seen from static/js/
    assert re.findall(r'\bimport\("([^"]+)"\)', re.sub(r"^\s*(//|/?\*).*$", "", text, flags=re.M)) \
        == ["../vendor/plotly/plotly-3d.js", "../vendor/plotly/plotly-2d.js"]
    for rel in ("../vendor/plotly/plotly-3d.js", "../vendor/plotly/plotly-2d.js"):
        assert (STATIC_DIR / "js" / rel).resolve().is_file()
    assert "gdvizLinkedImport(`views/${v.id}.js`)" in text
    run_node(text.replace("gdvizLoad('main.js');", ""))  # the syntax, as a module


def test_linked_modules_run_in_es_order_lazily_and_share_one_instance(tmp_path):
    """A stand-in for the page: a hub with state, a module that uses it, a view reached
    only by ``import()`` that uses it too, and Plotly-like file outside static/js."""
    js = tmp_path / "js"
    (js / "views").mkdir(parents=True)
    (js / "hub.js").write_text('globalThis.order.push("hub");\nconst seen = [];\n'
                               "export function emit(x) { seen.push(x); }\n"
                               "export const heard = () => seen;\n")
    (js / "a.js").write_text('import { emit } from "./hub.js";\nglobalThis.order.push("a");\n'
                             'export const say = (x) => emit("a:" + x);\n')
    (js / "views" / "v1.js").write_text('import { emit } from "../hub.js";\n'
                                        'globalThis.order.push("v1");\n'
                                        'export function mount() { emit("v1"); return "mounted"; }\n')
    (js / "views" / "v2.js").write_text('globalThis.order.push("v2");\nexport const mount = () => 2;\n')
    (js / "views" / "bad.js").write_text('globalThis.order.push("bad");\nthrow new Error("broken view");\n'
                                         "export const mount = () => 0;\n")
    (js / "main.js").write_text(
        'import { say } from "./a.js";\nimport { heard } from "./hub.js";\n'
        'globalThis.order.push("main");\nsay(1);\n'
        "/** @param {{x: import(\"./nowhere.js\").T}} p  (a type in a comment: no import) */\n"
        "export async function start(id) {\n"
        "  const view = await import(`./views/${id}.js`);\n"
        "  return [view.mount(), heard()];\n}\n"
        'export const plotly = () => import("../vendor/p.js");\n'
        "globalThis.start = start;\n")
    text = module_bundle("main.js", js)
    out = run_node("globalThis.order = [];\n" + text + """
const before = [...globalThis.order];
const [mounted, heard] = await globalThis.start("v1");
let missing = null;
try { await globalThis.start("nope"); } catch (e) { missing = e.message; }
const broken = [];
for (let i = 0; i < 2; i++) {
  try { await globalThis.start("bad"); } catch (e) { broken.push(e.message); }
}
console.log(JSON.stringify({before, after: globalThis.order, mounted, heard, missing, broken}));
""")
    got = json.loads(out)
    assert got["before"] == ["hub", "a", "main"]  # dependencies first, as ES modules
    assert got["after"] == ["hub", "a", "main", "v1", "bad"]  # each view when asked for; v2 never
    assert got["broken"] == ["broken view"] * 2  # a module that threw throws again, once run
    assert got["mounted"] == "mounted" and got["heard"] == ["a:1", "v1"]  # one hub for both
    assert "views/nope.js" in got["missing"]
    assert 'import("../vendor/p.js")' in text and "gdvizLinkedImport(\"./nowhere" not in text


@pytest.mark.parametrize("source, message", [
    ("export const f = (name) => import(name);\n", "unsupported import"),
    ("export const f = (a, b) => import(`./${a}/${b}.js`);\n", "unsupported import"),
    ("export const f = (a) => import(`../elsewhere/${a}.js`);\n", "cannot link"),
    ("export let count = 0;\nexport const up = () => count++;\n", "main.js:1: `export let`"),
    ("export const x = 1;\nfunction gdvizLoad() {}\n", "main.js:2: `gdvizLoad` is the linked file's own"),
    ('export const f = () => import("https://cdn.example/x.js");\n', "unsupported import"),
])
def test_the_linker_refuses_an_import_it_cannot_follow(tmp_path, source, message):
    (tmp_path / "main.js").write_text(source)
    with pytest.raises(BundleError, match=message):
        module_bundle("main.js", tmp_path)


def test_the_server_makes_the_linked_file_from_the_tree_and_remakes_it_on_an_edit(tmp_path):
    js = tmp_path / "js"
    js.mkdir()
    (js / "main.js").write_text('import { a } from "./a.js";\nconsole.log(a);\n')
    (js / "a.js").write_text("export const a = 1;\n")
    clock = [0.0]
    tree = StaticTree(tmp_path, clock=lambda: clock[0], precompress=False,
                      generated={LINKED_MAIN: assets._linked_main})
    first, v1 = tree.get(LINKED_MAIN).data.decode(), tree.version()
    assert "const a = 1;" in first
    (js / "a.js").write_text("export const a = 2;\n")
    clock[0] += 5
    assert "const a = 2;" in tree.get(LINKED_MAIN).data.decode() and tree.version() != v1
    (js / "a.js").write_text("export default 3;\n")  # a form the linker refuses: no linked file
    clock[0] += 5
    assert tree.get(LINKED_MAIN) is None and tree.get("js/a.js") is not None


def test_the_page_loads_the_linked_file_or_with_the_setting_off_each_module(client, monkeypatch):
    page = client.get("/?v=1").text
    scripts = re.findall(r'<script type="module" src="([^"]+)"', page)
    assert scripts == [assets.TREE.url(LINKED_MAIN)]
    assert '<link rel="modulepreload" href="' + assets.TREE.url("js/") not in page
    r = client.get(scripts[0])
    assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE
    assert r.headers["content-type"].startswith("text/javascript")
    monkeypatch.setattr(get_settings(), "link_modules", False)
    page = client.get("/?v=1").text
    assert re.findall(r'<script type="module" src="([^"]+)"', page) == [assets.TREE.url("js/main.js")]
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+/js/[^"]+)"', page)
    assert len(preloaded) == len(module_files(["main.js"]))
