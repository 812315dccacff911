"""GET /static/…: the page's files under a content-hashed URL, compressed when asked.

``/static/<tree>/<path>`` serves ``static/<path>``, where ``<tree>`` is the first 12 hex
digits of a SHA-256 over every file's path and bytes (``StaticTree.version``). The pages
link their CSS, their modules and Plotly under that one prefix, and the modules import
each other (and Plotly's 3D part) by relative paths, so the prefix versions them all:
such a response is ``Cache-Control: public, max-age=31536000, immutable`` and a second
visit fetches none of them. Any edit to any file gives a new prefix, so a browser never
mixes old and new modules. (Per-file hashes would need an import map, an inline script
the page's ``script-src 'self'`` forbids.)

``/static/<path>`` with no prefix (a hand-typed link, a module a test imports) and a
prefix that is not the current tree's (a page from before an upgrade) are served with
``no-cache``: the browser asks again and gets a 304 while the file is unchanged.

Text (JS, CSS, JSON, SVG, HTML, plain text) is compressed when the request's
``Accept-Encoding`` allows it: brotli (quality 11) where the browser takes it — every
browser does over http://127.0.0.1 and https — else gzip (level 9). Each form is made once
per file and kept in memory with it, so a class of 200 costs the server one compression,
not 200. Brotli is ~17 % smaller than gzip here (Plotly's core: 298 against 361 kB) but
slow to make (~1.7 s for that file), so each file's brotli form is made in a background
thread as soon as the tree is read (brotli releases the GIL: the event loop runs on);
until it is ready the file goes out gzip-compressed.

The tree is re-read when its files change (checked at most once per ``recheck_s``, a
stat of each file), so an edited module is served on the next load without a restart.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import mimetypes
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from fastapi import APIRouter, Request
from fastapi.responses import Response

from gdviz.paths import STATIC_DIR
from gdviz.settings import get_settings

logger = logging.getLogger("gdviz.assets")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MAX_PATH_CHARS = 512  # longer asset paths are not ours: 404 without a lookup
MIN_COMPRESS_BYTES = 512
_TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".json": "application/json",
          ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8",
          ".txt": "text/plain; charset=utf-8", ".map": "application/json"}
_COMPRESSIBLE = ("text/", "application/json", "image/svg+xml")


def media_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    return _TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def accepts(header: str, coding: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows ``coding`` (named, or ``*``, with q > 0;
    only its first 1,000 characters are read)."""
    allowed = None
    for item in header[:1000].split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.strip().lower()
        if name == coding:
            return q > 0
        if name == "*":
            allowed = q > 0
    return bool(allowed)


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip."""
    return accepts(header, "gzip")


# one thread makes the brotli forms, file after file (brotli.compress releases the GIL)
_BROTLI = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gdviz-brotli")


@dataclass
class Asset:
    """One file's bytes, its hash and its compressed forms: gzip made on first use, brotli
    made in the background (``make_br``; None until it is ready)."""

    data: bytes
    sha: str
    media_type: str
    _gz: bytes | None = field(default=None, repr=False)
    _br: bytes | None = field(default=None, repr=False)
    _br_asked: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def compressible(self) -> bool:
        return (len(self.data) >= MIN_COMPRESS_BYTES
                and self.media_type.startswith(_COMPRESSIBLE))

    @property
    def gz(self) -> bytes | None:
        """The gzip form, or None when it would not be smaller (mtime 0: reproducible)."""
        if self._gz is None and self.compressible:
            self._gz = gzip.compress(self.data, compresslevel=9, mtime=0)
        return self._gz if self._gz is not None and len(self._gz) < len(self.data) else None

    @property
    def br(self) -> bytes | None:
        """The brotli form once it is made (and smaller), else None — asking for it the
        first time starts making it."""
        self.make_br()
        out = self._br
        return out if out is not None and len(out) < len(self.data) else None

    def make_br(self, executor=None):
        """Start making the brotli form (once) on ``executor`` (default: the module's
        background thread); returns the future, or None if it was started before."""
        with self._lock:
            if self._br_asked or not self.compressible:
                return None
            self._br_asked = True
        return (executor or _BROTLI).submit(self._compress_br)

    def _compress_br(self) -> None:
        self._br = brotli.compress(self.data, quality=11)


class StaticTree:
    """The files under ``root``, their content hashes and the tree's version; and files
    ``generated`` from them (path → a function of the root giving its bytes), made again
    whenever a file changes and counted in the version."""

    def __init__(self, root: Path, *, clock: Callable[[], float] = time.monotonic,
                 recheck_s: float = 1.0, precompress: bool = True,
                 generated: dict[str, Callable[[Path], bytes]] | None = None):
        self.root = root
        self.generated = generated or {}
        self.precompress = precompress
        self.clock = clock
        self.recheck_s = recheck_s
        self._checked = -float("inf")
        self._stats: dict[str, tuple[int, int]] = {}
        self._assets: dict[str, Asset] = {}
        self._version = ""

    def _scan(self) -> dict[str, tuple[int, int]]:
        """Every file's (size, mtime) by its path under the root; dot files are skipped."""
        stats = {}
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            for name in files:
                if name.startswith("."):
                    continue
                full = os.path.join(folder, name)
                st = os.stat(full)
                stats[os.path.relpath(full, self.root).replace(os.sep, "/")] = (
                    st.st_size, st.st_mtime_ns)
        return stats

    def refresh(self) -> None:
        """Re-read the tree if a file was added, removed or changed since the last look
        (at most once per ``recheck_s``)."""
        now = self.clock()
        if now - self._checked < self.recheck_s:
            return
        self._checked = now
        stats = self._scan()
        if stats == self._stats:
            return
        assets = {}
        for rel, stat in stats.items():
            old = self._assets.get(rel)
            if old is not None and self._stats.get(rel) == stat:
                assets[rel] = old
                continue
            data = (self.root / rel).read_bytes()
            assets[rel] = Asset(data, hashlib.sha256(data).hexdigest(), media_type(rel))
        for rel, make in self.generated.items():
            try:
                data = make(self.root)
            except Exception:  # an edited module the linker refuses: the page loads the
                logger.exception("static/%s could not be made; the page loads the "  # sources
                                 "files it is made from instead", rel)
                continue
            assets[rel] = Asset(data, hashlib.sha256(data).hexdigest(), media_type(rel))
        tree = hashlib.sha256()
        for rel in sorted(assets):
            tree.update(f"{rel}\0{assets[rel].sha}\n".encode())
        self._stats, self._assets, self._version = stats, assets, tree.hexdigest()[:12]
        for asset in assets.values():  # the brotli forms, in the background
            if self.precompress:
                asset.make_br()

    def version(self) -> str:
        """The tree's hash prefix (12 hex digits)."""
        self.refresh()
        return self._version

    def url(self, rel: str) -> str:
        """The immutable URL of ``static/<rel>``, e.g. ``/static/3f9c0a1b2d4e/js/main.js``."""
        return f"/static/{self.version()}/{rel}"

    def get(self, rel: str) -> Asset | None:
        self.refresh()
        return self._assets.get(rel)


def _linked_main(root: Path) -> bytes:
    from gdviz.js_bundle import module_bundle
    return module_bundle("main.js", root / "js").encode("utf-8")


LINKED_MAIN = "js/main.linked.js"
"""The playground's modules linked into one file (gdviz/js_bundle.py, module_bundle)."""
TREE = StaticTree(STATIC_DIR, generated={LINKED_MAIN: _linked_main})
router = APIRouter()


@functools.lru_cache(maxsize=8)
def _module_graph(version: str, entry: str) -> tuple[str, ...]:
    from gdviz.js_bundle import JS_ROOT, module_files
    return tuple(TREE.url(f"js/{path.relative_to(JS_ROOT).as_posix()}")
                 for path in module_files([entry]))


def module_urls(entry: str) -> tuple[str, ...]:
    """The immutable URLs of ``static/js/<entry>`` and every module it imports statically
    (not ``import()``: Plotly's 3D part, a kind's plug-in view), for
    ``<link rel="modulepreload">``: without them the browser finds the graph one level
    of imports at a time (a module's imports are only seen once it has arrived), ~10
    round trips deep for the playground's 90 modules; with them it asks for all at once."""
    return _module_graph(TREE.version(), entry)


def linked_main_url() -> str | None:
    """The immutable URL of the playground's linked modules (``LINKED_MAIN``), or None when
    the page should load them one by one: ``GDVIZ_LINK_MODULES=false``, or the linker
    refused an edited module (logged)."""
    if not get_settings().link_modules or TREE.get(LINKED_MAIN) is None:
        return None
    return TREE.url(LINKED_MAIN)


def _split(path: str) -> tuple[str | None, str]:
    """``<tree>/<rel>`` → (tree, rel); a path whose first part is no hash → (None, path)."""
    head, _, rest = path.partition("/")
    if rest and len(head) == 12 and all(c in "0123456789abcdef" for c in head):
        return head, rest
    return None, path


def _not_modified(request: Request, tags: tuple[str, ...]) -> bool:
    header = request.headers.get("if-none-match", "")[:2000]
    if header.strip() == "*":
        return True
    sent = {t.strip().removeprefix("W/") for t in header.split(",")}
    return any(t in sent for t in tags)


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def static_file(path: str, request: Request) -> Response:
    """One file of static/ (see the module's docstring for the URL and caching rules)."""
    if len(path) > MAX_PATH_CHARS:
        return Response("no such file", status_code=404, media_type="text/plain")
    tree, rel = _split(path)
    asset = TREE.get(rel)
    if asset is None:
        return Response("no such file", status_code=404, media_type="text/plain")
    current = tree is not None and tree == TREE.version()
    tag = asset.sha[:20]
    tags = (f'"{tag}"', f'"{tag}-gz"', f'"{tag}-br"')
    coding, body = _encoded(asset, request.headers.get("accept-encoding", ""))
    headers = {"Cache-Control": IMMUTABLE if current else REVALIDATE,
               "ETag": f'"{tag}-{coding}"' if coding else tags[0]}
    if asset.compressible:
        headers["Vary"] = "Accept-Encoding"
    if _not_modified(request, tags):
        return Response(status_code=304, headers=headers)
    if coding:
        headers["Content-Encoding"] = {"br": "br", "gz": "gzip"}[coding]
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(status_code=200, headers=headers, media_type=asset.media_type)
    return Response(body, headers=headers, media_type=asset.media_type)


def _encoded(asset: Asset, accept_encoding: str) -> tuple[str, bytes]:
    """("br" | "gz" | "", the body): brotli if asked for and made, else gzip if asked
    for, else the file as it is."""
    if accepts(accept_encoding, "br") and (body := asset.br) is not None:
        return "br", body
    if accepts(accept_encoding, "gzip") and (body := asset.gz) is not None:
        return "gz", body
    return "", asset.data
