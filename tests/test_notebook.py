"""gdviz.show / gdviz.embed outside a kernel: what they accept and refuse, the one server
they start and reuse, and that `import gdviz` starts nothing (tests/browser/test_notebook_kernel.py
runs the doc's cell in a real Jupyter kernel)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import warnings
from pathlib import Path

import pytest

import gdviz
from gdviz.scenarios.view import EMBED_ALLOW

ROOT = Path(__file__).resolve().parents[1]


def test_import_gdviz_starts_nothing_and_loads_no_web_framework():
    code = ("import sys, threading, gdviz; "
            "heavy = [m for m in ('fastapi', 'starlette', 'uvicorn', 'numpy', 'pydantic', 'IPython') "
            "if m in sys.modules]; "
            "print(heavy, threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[] 1"


def test_a_preset_a_link_and_a_scenario_open_the_embed_of_one_reused_server():
    e = gdviz.embed("ravine-momentum")
    assert e.url.startswith("http://127.0.0.1:") and e.url.endswith("/embed?preset=ravine-momentum")
    base = e.url.split("/embed")[0]
    with urllib.request.urlopen(e.url, timeout=30) as r:
        page = r.read().decode()
    assert r.status == 200 and 'data-embed="1"' in page
    html = e._repr_html_()
    assert html.startswith(f'<iframe src="{base}/embed?preset=ravine-momentum" width="960" height="540"')
    assert f'allow="{EMBED_ALLOW}"' in html and "The ravine zig-zag" in html
    # a link (its query string kept, view keys added), /s/ID, and a Scenario: the same server
    link = gdviz.embed("http://127.0.0.1:8000/?v=1&surface=rosenbrock&r0=adam&r0.lr=0.01",
                       theme="dark", scale=1.5, autoplay=True, width=640, height=400)
    assert link.url == f"{base}/embed?v=1&surface=rosenbrock&r0=adam&r0.lr=0.01&theme=dark&scale=1.5&autoplay=1"
    assert 'width="640" height="400"' in link._repr_html_()
    assert gdviz.embed("/s/lr-too-small").url == f"{base}/embed?preset=lr-too-small"
    from gdviz.scenarios.url import scenario_from_query
    scenario, _ = scenario_from_query({"v": "1", "surface": "bowl", "r0": "gd", "r0.lr": "0.1"})
    url = gdviz.embed(scenario).url
    assert url.startswith(f"{base}/embed?") and "surface=bowl" in url and "r0.lr=0.1" in url


def test_show_displays_the_frame(monkeypatch):
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert gdviz.show("plateau") is None
    assert len(shown) == 1 and shown[0].url.endswith("/embed?preset=plateau")


@pytest.mark.parametrize("what, options, error, words", [
    ("nope", {}, ValueError, ["unknown preset 'nope'", "ravine-momentum"]),
    ("/s/nope", {}, ValueError, ["unknown preset 'nope'"]),
    (3, {}, TypeError, ["preset id, a link or a Scenario"]),
    ("x" * 9000, {}, ValueError, ["9,000 characters"]),
    ("ravine-momentum", {"scale": 9}, ValueError, ["scale:", "less than or equal to 3"]),
    ("ravine-momentum", {"theme": "pink"}, ValueError, ["theme:"]),
    ("ravine-momentum", {"width": 10}, ValueError, ["width:", "240 to 4000"]),
    ("ravine-momentum", {"height": True}, ValueError, ["height:"]),
    ("ravine-momentum", {"colour": "red"}, ValueError, ["unknown keyword 'colour'"]),
])
def test_bad_arguments_are_refused_naming_what_is_wrong(what, options, error, words):
    with pytest.raises(error) as e:
        gdviz.embed(what, **options)
    assert all(w in str(e.value) for w in words), str(e.value)


def test_a_links_unusable_settings_are_warned_about_as_on_the_page():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = gdviz.embed("?v=1&surface=nope&r0=gd&scale=9")
    said = " | ".join(str(w.message) for w in caught)
    assert "surface: unknown surface 'nope'" in said and "scale:" in said
    assert e.url.endswith("/embed?v=1&surface=nope&r0=gd&scale=9")  # the page falls back, and says so
