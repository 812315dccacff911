"""gdviz: an interactive gradient descent visualiser.

``import gdviz`` is light: it starts nothing and imports no web framework. In a Jupyter
cell, ``gdviz.show("ravine-momentum")`` (a preset id, a link or a Scenario) starts a
server inside the kernel — or reuses it — and shows the scenario (gdviz/notebook.py).
"""

__version__ = "0.1.0"


def show(what="", **options) -> None:
    """Show a preset id, a playground link or a Scenario in a Jupyter cell (see
    gdviz.notebook.embed for the options: width, height, theme, scale, autoplay,
    controls, show)."""
    from gdviz.notebook import show as _show

    _show(what, **options)


def embed(what="", **options):
    """The same frame as ``show``, as an object: Jupyter shows it; its ``url`` opens the
    view in a browser tab."""
    from gdviz.notebook import embed as _embed

    return _embed(what, **options)
