"""``gdviz.show(...)`` in a Jupyter cell: a server inside the kernel and the scenario's embed.

The first call starts a gdviz server in a thread of the kernel's own process, on a free
port of 127.0.0.1 (nothing listens beyond this computer); later calls reuse it. The
cell shows ``/embed`` of the scenario in an ``<iframe>`` — the same frame the page's
"Copy embed code" gives, served by this server, so it works with no internet. The
server stops with the kernel.

What to show: a preset id (``"ravine-momentum"``, ``gdviz presets`` lists them), a
playground link (its URL, ``/s/ID``, or just its query string, as ``gdviz export`` reads
them) or a ``Scenario``. A link's unusable settings are warned about (``UserWarning``)
and fall back to their defaults, as on the page; a bad keyword is a ``ValueError``.
"""

from __future__ import annotations

import html
import threading
import time
import warnings
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

# The frame's default size (16:9, like the page's "Copy embed code") and its bounds.
WIDTH, HEIGHT = 960, 540
MIN_SIZE, MAX_SIZE = 240, 4000
START_TIMEOUT_S = 30.0
VIEW_KEYS = ("theme", "scale", "autoplay", "controls", "show")

_lock = threading.Lock()
_server = None  # (uvicorn.Server, thread) once started


@dataclass(frozen=True)
class Embed:
    """A scenario's ``/embed`` in an ``<iframe>``: Jupyter shows it as the cell's output."""

    url: str
    width: int = WIDTH
    height: int = HEIGHT
    title: str = "gdviz"

    def _repr_html_(self) -> str:
        return iframe(self.url, self.width, self.height, self.title)

    def __str__(self) -> str:
        return self.url


def iframe(url: str, width: int, height: int, title: str) -> str:
    """The same <iframe> as the page's "Copy embed code" (its ``allow``: EMBED_ALLOW)."""
    from gdviz.scenarios.view import EMBED_ALLOW

    q = html.escape
    return (f'<iframe src="{q(url)}" width="{width}" height="{height}" style="border:0" '
            f'allow="{EMBED_ALLOW}" title="{q("gdviz: " + title)}"></iframe>')


def server_url() -> str:
    """The base URL of this kernel's gdviz server (``http://127.0.0.1:PORT``), started on
    the first call on a free port; the same server afterwards while it runs."""
    global _server
    with _lock:
        if _server is not None and _server[1].is_alive() and _server[0].started:
            return _base(_server[0])
        import uvicorn

        from gdviz.cli import APP_FACTORY, server_options

        server = uvicorn.Server(uvicorn.Config(APP_FACTORY, **server_options("127.0.0.1", 0)))
        thread = threading.Thread(target=server.run, name="gdviz-notebook-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("gdviz: the server did not start (see the kernel's log)")
            time.sleep(0.02)
        _server = (server, thread)
        return _base(server)


def _base(server) -> str:
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SIZE <= value <= MAX_SIZE:
        raise ValueError(f"gdviz.show: {name}: give a whole number of pixels from {MIN_SIZE} to {MAX_SIZE} "
                         f"(got {value!r})")
    return value


def _query_of(what) -> tuple[dict[str, str], str]:
    """The /embed query for a preset id, a link or a Scenario, and a title for the frame."""
    from gdviz.cli import _is_link, load_presets
    from gdviz.scenarios.models import Scenario
    from gdviz.scenarios.url import scenario_of_link, scenario_to_query
    from gdviz.scenarios.view import view_from_query

    presets = load_presets()
    if isinstance(what, Scenario):
        return scenario_to_query(what), "a scenario"
    if not isinstance(what, str):
        raise TypeError(f"gdviz.show: give a preset id, a link or a Scenario, not "
                        f"{type(what).__name__}")
    text = what.strip()
    if text in presets:
        return {"preset": text}, presets[text].title
    if len(text) > 8192:
        raise ValueError(f"gdviz.show: the link is {len(text):,} characters long; a link "
                         "the page reads is at most 4,096")
    if not _is_link(text):
        choose = ", ".join(presets) or "no presets are installed"
        raise ValueError(f"gdviz.show: unknown preset {text!r} (choose one of {choose}); or "
                         "give a playground link or a Scenario")
    parts = urlsplit(text if "?" in text or "=" not in text else "?" + text)
    path = parts.path.rstrip("/")
    if path.rsplit("/", 2)[-2:-1] == ["s"] and not parts.query:
        pid = path.rsplit("/", 1)[-1]
        if pid not in presets:
            raise ValueError(f"gdviz.show: unknown preset {pid!r} (choose one of "
                             f"{', '.join(presets)})")
        return {"preset": pid}, presets[pid].title
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    _, problems = scenario_of_link(query, presets)
    problems += view_from_query(query, embed=True, presets=presets)[1]
    for problem in problems:
        warnings.warn(f"gdviz.show: {problem}", stacklevel=3)
    pid = query.get("preset")
    return query, presets[pid].title if pid in presets else "a link"


def embed(what="", *, width: int = WIDTH, height: int = HEIGHT, **view) -> Embed:
    """The ``Embed`` of ``what`` (see the module docstring); ``view``: the embed's look —
    ``theme="dark"``, ``scale=1.5``, ``autoplay=True``, ``controls="none"|"few"|"all"``,
    ``show="main,loss"`` (docs/lectures.md)."""
    from gdviz.scenarios.presets import PRESETS
    from gdviz.scenarios.view import view_from_query

    width, height = _size("width", width), _size("height", height)
    unknown = sorted(set(view) - set(VIEW_KEYS))
    if unknown:
        raise ValueError(f"gdviz.show: unknown keyword {unknown[0]!r} (the view keys are "
                         f"{', '.join(VIEW_KEYS)})")
    query, title = _query_of(what) if what != "" else ({}, "the default scenario")
    extra = {k: ("1" if v is True else "0" if v is False else str(v)) for k, v in view.items()}
    problems = view_from_query(extra, embed=True, presets=PRESETS)[1]
    if problems:  # (the page would fall back; an argument in code is refused)
        raise ValueError(f"gdviz.show: {problems[0].split('; using ')[0]}")
    query = {**query, **extra}
    return Embed(f"{server_url()}/embed" + (f"?{urlencode(query)}" if query else ""),
                 width, height, title)


def show(what="", *, width: int = WIDTH, height: int = HEIGHT, **view) -> None:
    """Show ``what`` in the cell (``embed``'s arguments). ``gdviz.embed`` gives the same
    frame as an object instead (its ``url`` opens the view in a browser tab)."""
    shown = embed(what, width=width, height=height, **view)
    try:
        from IPython.display import display
    except ImportError:  # not in IPython: the URL is all there is to show
        print(shown.url)
        return
    display(shown)
