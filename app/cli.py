"""The ``gdviz`` command: ``gdviz`` or ``gdviz serve --host H --port P``."""

import click
import uvicorn

from app.settings import get_settings


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """gdviz — watch gradient descent, live, in the browser."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@click.option("--host", default=None, help="interface to listen on (default 127.0.0.1)")
@click.option("--port", default=None, type=int, help="port (default 8000)")
def serve(host: str | None, port: int | None) -> None:
    """Run the web server (the default command)."""
    s = get_settings()
    host, port = host or s.host, port or s.port
    click.echo(f"gdviz: open http://{host}:{port}/ in a browser (Ctrl+C stops)")
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port,
                ws_max_size=s.ws_hard_max_bytes, log_level="warning")
