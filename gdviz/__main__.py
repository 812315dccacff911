"""``python -m gdviz``: the same as the ``gdviz`` command."""

from gdviz.cli import main

main(prog_name="gdviz")
