"""Where templates/ and static/ live: beside gdviz/ in a checkout, inside gdviz/ when installed.

The wheel maps the top-level folders into the package (see pyproject.toml), so
``pip install .`` serves the same files as a source checkout.
"""

from pathlib import Path

import plotly

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gdviz: cannot find its {name}/ folder beside or inside {_PKG}")


TEMPLATES_DIR = _find("templates")
STATIC_DIR = _find("static")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
"""Plotly.js from the installed ``plotly`` package: the page and the offline export use it,
never a CDN."""
