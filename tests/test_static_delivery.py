"""Static delivery: hashed immutable URLs, brotli (made in the background) or gzip once, ETag/304 for pages and catalogs, and
Plotly's partial build covering every trace type the page draws."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import brotli
import pytest

from gdviz.api import assets
from gdviz.api.assets import IMMUTABLE, REVALIDATE, StaticTree, accepts, accepts_gzip
from gdviz.api.caching import matches
from gdviz.js_bundle import PLOTLY_DIR, module_files, plotly_2d_script
from gdviz.paths import STATIC_DIR
from gdviz.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]


# ---- the tree and its hash --------------------------------------------------------

class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_the_tree_version_follows_content_and_is_rechecked_at_most_once_a_second(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    (tmp_path / ".hidden").write_text("x")
    clock = Clock()
    tree = StaticTree(tmp_path, clock=clock)
    v1 = tree.version()
    assert re.fullmatch(r"[0-9a-f]{12}", v1) and tree.url("js/a.js") == f"/static/{v1}/js/a.js"
    assert tree.get(".hidden") is None and tree.get("js/a.js").data == b"export const a = 1;\n"
    (tmp_path / "js" / "a.js").write_text("export const a = 2;\n")
    assert tree.version() == v1  # not looked at again within the second
    clock.t = 1.0
    v2 = tree.version()
    assert v2 != v1 and tree.get("js/a.js").data == b"export const a = 2;\n"
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    clock.t = 2.0
    assert tree.version() == v1  # a content hash: the same files, the same prefix
    assert StaticTree(tmp_path).version() == v1  # and the same in another process (worker)


@pytest.mark.parametrize("header, ok", [
    ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True), ("gzip;q=0", False),
    ("identity", False), ("", False), ("*", True), ("*;q=0", False), ("gzip;q=abc", False),
    ("GZIP", True), ("x" * 5000 + ", gzip", False),  # only the first 1,000 characters are read
])
def test_accept_encoding(header, ok):
    assert accepts_gzip(header) is ok


# ---- the route --------------------------------------------------------------------

def test_hashed_urls_are_immutable_and_gzip_compressed_once(client):
    url = assets.TREE.url("js/main.js")
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.content == (STATIC_DIR / "js" / "main.js").read_bytes()  # (the client decodes)
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == r.content
    assert assets.TREE.get("js/main.js").gz is assets.TREE.get("js/main.js").gz  # made once
    assert gzip.decompress(assets.TREE.get("js/main.js").gz) == r.content


class HeldExecutor:
    """An executor whose work runs only when the test says so."""

    def __init__(self):
        self.held = []

    def submit(self, fn):
        self.held.append(fn)

    def run(self):
        while self.held:
            self.held.pop(0)()


def test_brotli_once_it_is_made_gzip_until_then(tmp_path, monkeypatch):
    held = HeldExecutor()
    monkeypatch.setattr(assets, "_BROTLI", held)
    text = "".join(f"export const f{i} = (x) => x * {i} + Math.sin(x / {i + 1});\n"
                   for i in range(2000)).encode()
    (tmp_path / "big.js").write_bytes(text)
    (tmp_path / "tiny.js").write_bytes(b"export const a = 1;\n")
    tree = StaticTree(tmp_path)  # reading it asks for every brotli form …
    big = tree.get("big.js")
    assert len(held.held) == 1  # … of the files worth compressing, once each
    assert assets._encoded(big, "gzip, deflate, br") == ("gz", big.gz)  # not made yet
    assert big.br is None and len(held.held) == 1  # (asking again starts nothing)
    held.run()
    coding, body = assets._encoded(big, "gzip, deflate, br")
    assert coding == "br" and brotli.decompress(body) == text and len(body) < len(big.gz)
    assert assets._encoded(big, "gzip") == ("gz", big.gz)  # only what was asked for
    assert assets._encoded(big, "identity") == ("", text)
    assert assets._encoded(big, "br;q=0, gzip") == ("gz", big.gz)
    tiny = tree.get("tiny.js")
    assert assets._encoded(tiny, "br, gzip") == ("", tiny.data)  # too small to compress


@pytest.mark.parametrize("header, ok", [
    ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True), ("br;q=0", False),
    ("gzip", False), ("*", True), ("*;q=0, gzip", False), ("BR", True)])
def test_accept_encoding_br(header, ok):
    assert accepts(header, "br") is ok


def test_the_server_sends_brotli_to_a_browser_once_made(client):
    url = assets.TREE.url("js/main.js")
    asset = assets.TREE.get("js/main.js")
    deadline = time.monotonic() + 120  # (made in the background; only a broken pool waits this)
    while asset.br is None:
        assert time.monotonic() < deadline, "the brotli form was never made"
        time.sleep(0.01)
    r = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert r.headers["content-encoding"] == "br" and r.headers["etag"].endswith('-br"')
    assert r.content == (STATIC_DIR / "js" / "main.js").read_bytes()  # (the client decodes)
    assert brotli.decompress(asset.br) == r.content
    etag = r.headers["etag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br", "If-None-Match": etag})
    assert again.status_code == 304


def test_unhashed_and_stale_urls_still_work_but_are_revalidated(client):
    for url in ("/static/js/main.js", "/static/000000000000/js/main.js"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == REVALIDATE, url
        again = client.get(url, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("path", [
    "/static/nope.js", "/static/../gdviz/main.py", "/static/%2e%2e/pyproject.toml",
    "/static/js/../../pyproject.toml", "/static/" + "a/" * 400 + "x.js", "/static/js\\main.js",
    "/static/.hidden", "/static/js/",
])
def test_no_file_outside_the_tree_and_no_500(client, path):
    r = client.get(path)
    assert r.status_code == 404 and b"[tool.hatch" not in r.content


def test_head_gives_the_length_without_the_body(client):
    r = client.head(assets.TREE.url("css/app.css"), headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == len(assets.TREE.get("css/app.css").gz)


def test_the_page_links_every_file_under_the_trees_hash(client):
    page = client.get("/?v=1").text
    version = assets.TREE.version()
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links and all(u.startswith(f"/static/{version}/") for u in links), links
    for url in links:
        assert client.get(url).status_code == 200, url


def test_the_page_preloads_every_module_main_js_imports_and_no_other(client, monkeypatch):
    """Modules served one by one (GDVIZ_LINK_MODULES=false): the browser asks for the
    whole static graph at once (``modulepreload``), never for a module loaded on demand
    (Plotly's 3D part, a kind's plug-in view)."""
    monkeypatch.setattr(get_settings(), "link_modules", False)
    page = client.get("/?v=1").text
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', page))
    js = {u.split("/js/", 1)[1] for u in preloaded if "/js/" in u}
    graph = {f.relative_to(STATIC_DIR / "js").as_posix() for f in module_files(["main.js"])}
    assert js == graph and "main.js" in js and "plots/plotly-3d.js" in js
    assert not any("plotly-3d.js" in u and "/vendor/" in u for u in preloaded)
    assert not any(u.endswith("/views/cnn.js") for u in preloaded)


# ---- pages and catalogs: ETag, 304 -------------------------------------------------

@pytest.mark.parametrize("path", ["/?v=1&surface=bowl", "/embed?preset=plateau", "/api/surfaces",
                                  "/api/optimizers", "/api/surfaces/bowl/grid?n=40&digits=9"])
def test_pages_and_catalogs_answer_304_when_unchanged(client, path):
    r = client.get(path)
    tag = r.headers["etag"]
    assert tag.startswith('W/"') and r.headers["cache-control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other = client.get(path, headers={"If-None-Match": 'W/"0123456789abcdef0123"'})
    assert other.status_code == 200 and other.content == r.content


def test_no_etag_on_posts_refusals_or_downloads(client):
    assert "etag" not in client.post("/api/run", json={"surface": "bowl", "runs": [{"optimizer": "gd", "lr": 0.1}],
                                                       "steps": 3}).headers
    assert "etag" not in client.get("/api/surfaces/nope/grid").headers
    assert "etag" not in client.get("/export/csv?v=1&surface=bowl").headers  # text/csv: a download


def test_if_none_match_forms():
    tag = 'W/"abc"'
    assert matches('W/"abc"', tag) and matches('"abc"', tag) and matches('"x", W/"abc"', tag)
    assert matches("*", tag) and not matches('"abcd"', tag) and not matches("", tag)


def test_responses_are_gzip_compressed_when_asked(client):
    r = client.get("/api/surfaces/himmelblau/grid?n=120&digits=9", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    exact = client.get("/api/surfaces/himmelblau/grid?n=120").json()
    rounded = r.json()
    assert all(abs(a - b) <= 1e-8 * abs(b) for ra, rb in zip(rounded["z"], exact["z"])
               for a, b in zip(ra, rb) if b is not None)
    assert client.get("/api/surfaces/bowl/grid?digits=3").status_code == 422  # 4 … 17


# ---- Plotly's partial build ----------------------------------------------------------

def _manifest():
    return json.loads((PLOTLY_DIR / "bundle.json").read_text())


def test_every_trace_type_the_page_draws_is_in_a_part_and_3d_only_after_its_loader():
    manifest = _manifest()
    parts = manifest["parts"]
    first, *later = parts
    known = set(manifest["every plotly.js trace type"])
    used: dict[str, set[str]] = {}
    for path in list((STATIC_DIR / "js").rglob("*.js")) + [STATIC_DIR / "offline" / "player.js"]:
        for t in re.findall(r'\btype:\s*"(\w+)"', path.read_text(encoding="utf-8")):
            if t in known:
                used.setdefault(t, set()).add(path.relative_to(STATIC_DIR).as_posix())
    assert {"contour", "scatter", "heatmap", "surface", "scatter3d"} <= set(used)
    for trace, files in used.items():
        assert any(trace in traces for traces in parts.values()), f"{trace} is in no part of the build"
        if trace not in parts[first]:  # a later part: drawn only by a module that loads it
            for f in files:
                text = (STATIC_DIR / f).read_text(encoding="utf-8")
                assert "loadPlotly3d" in text, f"{f} draws {trace} without loading {later}"
    assert (PLOTLY_DIR / "LICENSE").read_text().startswith("MIT License")


def test_the_2d_part_links_into_one_classic_script_for_the_offline_export():
    script = plotly_2d_script()
    assert "globalThis.Plotly" in script and manifest_version() in script[:2000]
    assert not re.search(r"^\s*(import|export)\b", script, re.M)
    assert "gdvizPlotlyChunks['plotly-core.js']" in script and "gdvizPlotlyChunks['plotly-2d.js']" in script


def manifest_version() -> str:
    return _manifest()["plotly.js"]
