"""The ``gdviz`` command (click): ``serve`` (the default) and ``presets``.

    gdviz                                   # = gdviz serve
    gdviz serve --host 0.0.0.0 --port 8080 --open
    gdviz presets

Presets come from ``app.scenarios.presets.PRESETS`` (id → preset with ``id, title,
lesson, scenario``), imported only when a command needs them.
"""

from __future__ import annotations

import importlib
import threading
import time
import webbrowser
from collections.abc import Mapping

import click
import uvicorn

from app import __version__
from app.settings import get_settings


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


@main.command()
@click.option("--host", default=None, metavar="HOST",
              help="Interface to listen on (default 127.0.0.1, or GDVIZ_HOST).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), metavar="PORT",
              help="Port (default 8000, or GDVIZ_PORT).")
@click.option("--open", "open_browser", is_flag=True,
              help="Open the playground in the browser once the server is up.")
def serve(host: str | None, port: int | None, open_browser: bool = False) -> None:
    """Run the web server (the default command)."""
    s = get_settings()
    host = s.host if host is None else host
    port = s.port if port is None else port
    url = browser_url(host, port)
    click.echo(f"gdviz: open {url} in a browser (Ctrl+C stops)")
    server = uvicorn.Server(uvicorn.Config(
        "app.main:create_app", factory=True, host=host, port=port,
        ws_max_size=s.ws_hard_max_bytes, log_level="warning"))
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True,
                         name="gdviz-open-browser").start()
    server.run()


# -- presets -----------------------------------------------------------------------


def load_presets() -> dict:
    """id → preset, from ``app.scenarios.presets.PRESETS`` ({} while there is none)."""
    try:
        presets = importlib.import_module("app.scenarios.presets")
    except ModuleNotFoundError as e:
        if e.name == "app.scenarios.presets":
            return {}
        raise
    found = presets.PRESETS
    if isinstance(found, Mapping):
        return dict(found)
    return {p.id: p for p in found}


@main.command("presets")
def presets_command() -> None:
    """List the preset lessons: id and title.

    The page shows one at /s/ID.
    """
    found = load_presets()
    if not found:
        click.echo("no presets are installed", err=True)
        return
    width = max(len(i) for i in found)
    for pid, p in found.items():
        click.echo(f"{pid:<{width}}  {p.title}")
