"""docs/lectures.md's `gdviz.show` cell, executed in a real Jupyter kernel (nbclient +
ipykernel): its output is an <iframe> of a gdviz server the kernel started on a free
loopback port; the server answers while the kernel lives, a second call reuses it, and
the frame draws and plays in Chromium under the server's own CSP."""

from __future__ import annotations

import re
import urllib.request
from html import unescape
from pathlib import Path

import pytest
from test_lectures import (DOC_SERVER, assert_plot_shown_in, doc_examples, embed_frame, open_file, poll,
                           require_modules)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def html_of(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs
                   if o.output_type in ("display_data", "execute_result"))


def test_gdviz_show_in_a_kernel_serves_and_shows_the_embed(strict_page, tmp_path):
    require_modules(("nbclient", "nbformat", "ipykernel"), "the notebook is not run")
    import nbformat
    from nbclient import NotebookClient

    lang, code = doc_examples()["jupyter"]
    assert lang == "python" and "gdviz.show(" in code and DOC_SERVER not in code
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(code),
        nbformat.v4.new_code_cell('gdviz.show("lr-too-small", theme="dark")'),
        nbformat.v4.new_code_cell('gdviz.show("no-such-lesson")'),
    ])
    client = NotebookClient(nb, timeout=180, startup_timeout=120, kernel_name="python3",
                            allow_errors=True, resources={"metadata": {"path": str(ROOT)}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        first, second, bad = nb.cells
        assert not [o for o in first.outputs + second.outputs if o.output_type == "error"]
        html = html_of(first)
        src = unescape(re.search(r'<iframe src="([^"]+)"', html).group(1))
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/embed\?preset=ravine-momentum&autoplay=1", src), src
        other = re.search(r'<iframe src="([^"]+)"', html_of(second)).group(1)
        assert other.split("/embed")[0] == src.split("/embed")[0]  # one server, reused
        (error,) = [o for o in bad.outputs if o.output_type == "error"]
        assert error.ename == "ValueError" and "unknown preset 'no-such-lesson'" in error.evalue
        with urllib.request.urlopen(src, timeout=30) as r:  # the kernel's server answers
            assert r.status == 200 and 'data-embed="1"' in r.read().decode()
        # the cell's output, as the notebook page shows it: the frame draws and plays
        page = strict_page
        page.set_viewport_size({"width": 1100, "height": 700})
        open_file(page, tmp_path, f"<!doctype html><meta charset='utf-8'><body>{html}</body>", "cell.html")
        frame = embed_frame(page)
        assert_plot_shown_in(page, frame)
        poll(frame, "() => Number(document.body.dataset.step) >= 3")  # autoplay=True
