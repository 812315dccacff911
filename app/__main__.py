"""``python -m app``: the same as the ``gdviz`` command."""

from app.cli import main

main(prog_name="gdviz")
