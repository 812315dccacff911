"""The ``gdviz`` command (click): ``serve`` (the default), ``presets`` and ``export``.

    gdviz                                   # = gdviz serve
    gdviz serve --host 0.0.0.0 --port 8080 --open
    gdviz serve --host 0.0.0.0 --workers 2    # a lecture: see docs/deploy.md
    gdviz presets
    gdviz export ravine --format csv -o ravine.csv
    gdviz export 'http://127.0.0.1:8000/?v=1&surface=bowl&r0=gd&r0.lr=0.1' -o run.json
    gdviz export ravine-momentum -o ravine.html     # plays offline, no server

Presets come from ``gdviz.scenarios.presets.PRESETS`` (id → preset with ``id, title,
lesson, scenario``), imported only when a command needs them.
"""

from __future__ import annotations

import importlib
import importlib.util
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import click
import uvicorn

from gdviz import __version__
from gdviz.lan import announcement
from gdviz.settings import get_settings

EXPORT_FORMATS = ("csv", "json", "html")
APP_FACTORY = "gdviz.main:create_app"  # uvicorn imports it (in every worker)
HTTP_PROTOCOL = "gdviz.http_protocol:GuardedHttpToolsProtocol"  # likewise
WS_PROTOCOL = "websockets-sansio"
"""uvicorn's sans-I/O ``websockets`` protocol, named so that every uvicorn the
requirement allows serves it (``auto`` picks it from uvicorn 0.50; before, the legacy
``websockets`` one, deprecated). A send is one ``transport.write`` with no awaits of its
own, and its permessage-deflate keeps 4 KiB windows (memLevel 5) where the legacy one
keeps 32 KiB and compresses our JSON no better: with 150 streams, 258 µs of server CPU
per streamed step against the legacy protocol's 284, and a 101 MB peak against 127
(bench/README.md)."""
EXAMPLE_LINK = "?v=1&surface=bowl&r0=gd&r0.lr=0.1"


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gdviz")
@click.pass_context
def main(ctx: click.Context) -> None:
    """gdviz — watch gradient descent, live, in the browser.

    With no command, runs `gdviz serve`.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


# -- serve -------------------------------------------------------------------------


def browser_url(host: str, port: int) -> str:
    """The address to open for a server listening on ``host`` (an "any interface"
    address is opened as localhost)."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _open_when_started(server: uvicorn.Server, url: str, timeout: float = 60.0) -> None:
    """Open ``url`` in the browser once ``server`` accepts connections (not at all if it
    stops or fails to start first)."""
    deadline = time.monotonic() + timeout
    while not server.started:
        if server.should_exit or time.monotonic() > deadline:
            return
        time.sleep(0.05)
    webbrowser.open(url)


def _open_when_listening(url: str, timeout: float = 60.0) -> None:
    """Open ``url`` once its host and port accept TCP connections (with several workers
    the supervisor binds the socket, and a request waits in its backlog until a worker
    is ready). Not at all if nothing listens within ``timeout``."""
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((parts.hostname, parts.port), timeout=1).close()
        except OSError:
            time.sleep(0.1)
            continue
        webbrowser.open(url)
        return


def server_options(host: str, port: int) -> dict[str, Any]:
    """uvicorn's options as ``serve`` runs the app (with ``APP_FACTORY``): the hard
    WebSocket message cap (``ws_hard_max_bytes``: uvicorn closes a socket with 1009
    above it) among them, and the HTTP protocol with a request deadline and a
    per-client connection limit (``HTTP_PROTOCOL``). Tests start their live server with
    these too, so they see the same limits and the same WebSocket protocol
    (``WS_PROTOCOL``)."""
    options = dict(factory=True, host=host, port=port, ws=WS_PROTOCOL,
                   ws_max_size=get_settings().ws_hard_max_bytes, log_level="warning")
    if importlib.util.find_spec("httptools") is not None:
        options["http"] = HTTP_PROTOCOL
    return options


@main.command()
@click.option("--host", default=None, metavar="HOST",
              help="Interface to listen on (default 127.0.0.1, or GDVIZ_HOST).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), metavar="PORT",
              help="Port (default 8000, or GDVIZ_PORT).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              metavar="N",
              help="Worker processes sharing the port, for a large class. Each worker "
                   "has its own connection cap (GDVIZ_MAX_CONNECTIONS, per worker) and "
                   "job limit (GDVIZ_MAX_JOBS); nothing else is shared or needs to be.")
@click.option("--open", "open_browser", is_flag=True,
              help="Open the playground in the browser once the server is up.")
def serve(host: str | None, port: int | None, workers: int = 1,
          open_browser: bool = False) -> None:
    """Run the web server (the default command)."""
    s = get_settings()
    host = s.host if host is None else host
    port = s.port if port is None else port
    url = browser_url(host, port)
    click.echo(f"gdviz: open {url} in a browser (Ctrl+C stops)")
    if class_note := announcement(host, port):  # --host 0.0.0.0: the LAN address, a QR code
        click.echo(class_note, nl=False)
    options = server_options(host, port)
    if workers > 1:  # uvicorn's supervisor: it needs the app as an import string
        if open_browser:
            threading.Thread(target=_open_when_listening, args=(url,),
                             daemon=True, name="gdviz-open-browser").start()
        uvicorn.run(APP_FACTORY, workers=workers, **options)
        return
    server = uvicorn.Server(uvicorn.Config(APP_FACTORY, **options))
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True,
                         name="gdviz-open-browser").start()
    server.run()


# -- presets -----------------------------------------------------------------------


def load_presets() -> dict:
    """id → preset, from ``gdviz.scenarios.presets.PRESETS`` ({} while there is none)."""
    try:
        presets = importlib.import_module("gdviz.scenarios.presets")
    except ModuleNotFoundError as e:
        if e.name == "gdviz.scenarios.presets":
            return {}
        raise
    found = presets.PRESETS
    if isinstance(found, Mapping):
        return dict(found)
    return {p.id: p for p in found}


@main.command("presets")
def presets_command() -> None:
    """List the preset lessons: id and title.

    Export one with `gdviz export ID`; the page shows it at /s/ID.
    """
    found = load_presets()
    if not found:
        click.echo("no presets are installed", err=True)
        return
    width = max(len(i) for i in found)
    for pid, p in found.items():
        click.echo(f"{pid:<{width}}  {p.title}")


# -- export ------------------------------------------------------------------------


def _is_link(text: str) -> bool:
    return ("?" in text or "=" in text or text.startswith(("/", "http://", "https://")))


def _preset_scenario(pid: str, presets: dict):
    from gdviz.scenarios.models import Scenario
    s = presets[pid].scenario
    return s if isinstance(s, Scenario) else Scenario.model_validate(s)


def _unknown(text: str, presets: dict) -> click.BadParameter:
    choose = (f"choose one of {', '.join(presets)}" if presets
              else "no presets are installed")
    return click.BadParameter(
        f"unknown preset {text!r} ({choose}); or give a playground link, e.g. "
        f"'{EXAMPLE_LINK}'", param_hint="PRESET_OR_URL")


class Resolved(NamedTuple):
    """What PRESET_OR_URL names: the scenario, the link's warnings, the preset (for an
    html export's title and lesson) when it names one, and the link's view (its
    ``theme``/``scale`` dress an html export; None: the default look)."""

    scenario: Any
    warnings: list[str]
    preset: Any = None
    view: Any = None


def resolve(text: str) -> Resolved:
    """The scenario a preset id or a playground link names, its warnings and its preset.

    A link is a URL of the page (``http://host/?v=1&…``, ``/embed?…``), a query string
    (``?v=1&…`` or ``v=1&…``), or a preset's ``/s/ID``; it is read by
    ``gdviz.scenarios.url.scenario_from_query`` as the page reads it. A link's
    ``preset=ID`` (the lesson the page shows beside it) names the preset; with no
    scenario keys beside it, the link opens the preset's scenario.
    """
    from gdviz.scenarios.link_warnings import LinkWarning
    from gdviz.scenarios.url import scenario_from_query, scenario_of_link
    from gdviz.scenarios.view import view_from_query

    presets = load_presets()
    if text in presets:
        return Resolved(_preset_scenario(text, presets), [], presets[text])
    if not _is_link(text):
        raise _unknown(text, presets)
    parts = urlsplit(text if "?" in text or "=" not in text else "?" + text)
    path = parts.path.rstrip("/")
    if path.rsplit("/", 2)[-2:-1] == ["s"] and not parts.query:
        pid = path.rsplit("/", 1)[-1]
        if pid in presets:
            return Resolved(_preset_scenario(pid, presets), [], presets[pid])
        raise _unknown(pid, presets)
    if not parts.query:
        scenario, warnings = scenario_from_query({})
        return Resolved(scenario, ["the link has no query string; using the default scenario"])
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    scenario, warnings = scenario_of_link(query, presets)  # (only preset=ID: its scenario)
    pid = query.pop("preset", None)
    if pid is not None and pid not in presets:
        warnings.append(LinkWarning("preset", f"unknown preset {pid!r}",
                                    "exporting without its lesson", unknown=True))
    view, view_warnings = view_from_query(query, presets=presets)
    return Resolved(scenario, warnings + view_warnings, presets.get(pid), view)


def _format_of(fmt: str | None, output: str | None) -> str:
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".") if output and output != "-" else ""
    return suffix if suffix in EXPORT_FORMATS else "json"


@main.command()
@click.argument("preset_or_url", metavar="PRESET_OR_URL")
@click.option("-f", "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="csv: one row per (run, step); json: the scenario and POST /api/run's "
                   "runs; html: one standalone page that plays the runs offline (Plotly "
                   "inlined, no server). Default: from -o's suffix, else json.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write here instead of to standard output ('-' is standard output).")
@click.option("--strict", is_flag=True,
              help="Refuse a link with bad or unknown parameters instead of using the "
                   "defaults for them.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on standard error (default: when it is a "
                   "terminal).")
def export(preset_or_url: str, fmt: str | None, output: str | None, strict: bool,
           progress: bool | None) -> None:
    """Run a scenario and write every run's frames as CSV or JSON, or as an HTML page
    that plays them with no server (for slides on a machine without Python).

    PRESET_OR_URL is a preset id (see `gdviz presets`) or a playground link —
    'http://127.0.0.1:8000/?v=1&surface=ravine&r0=momentum&r0.lr=0.01', a query
    string '?v=1&…' (quote it for the shell), or /s/ID. A link's bad parameters
    are reported on standard error and fall back to their defaults, as on the page.
    An html export of a preset (or of a link with preset=ID) shows its title and
    lesson; a link's theme=dark and scale= dress it as they dress the page.

    Exports are bounded like POST /api/run: runs × (steps + 1) × weights × 3 (params,
    grad, update) at most 4,000,000 numbers.
    """
    from gdviz import export as ex

    fmt = _format_of(fmt, output)
    scenario, warnings, preset, view = resolve(preset_or_url)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    if warnings and strict:
        raise click.ClickException(f"{len(warnings)} bad link parameter(s) (--strict)")
    try:
        ex.check_size(scenario)
        ex.check_format(scenario, fmt)
    except (ex.TooLarge, ex.CannotExport) as e:
        raise click.ClickException(str(e)) from None
    total = ex.total_steps(scenario)
    if progress is None:
        progress = sys.stderr.isatty()
    label = f"{len(scenario.runs)} run(s) × {scenario.steps:,} steps"
    with click.progressbar(length=total, label=label, file=sys.stderr,
                           hidden=not progress,
                           update_min_steps=max(1, total // 200)) as bar:
        try:
            runs = ex.simulate_with_progress(scenario, bar.update)
        except ex.CannotBranch as e:
            raise click.ClickException(str(e)) from None
    with click.open_file(output or "-", "w", encoding="utf-8",
                         atomic=output not in (None, "-")) as out:
        look = view or getattr(preset, "view", None)
        out.write(ex.render(fmt, scenario, runs, title=getattr(preset, "title", None),
                            lesson=getattr(preset, "lesson", None),
                            lesson_changed=not getattr(preset, "is_own", lambda s: True)(scenario),
                            theme=getattr(look, "theme", "light"), scale=getattr(look, "scale", 1.0),
                            view=look))
    if output not in (None, "-"):
        steps = sum(len(r["frames"]) for r in runs)
        click.echo(f"wrote {output}: {len(runs)} run(s), {steps:,} frames ({fmt})", err=True)
