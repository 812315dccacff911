"""The page takes a new kind from its registry entry alone (docs/kinds.md): a copy of the
project with the toy kind ``line1`` added (tests/fixtures/new_kind; tests/test_add_a_kind.py
checks the copy changed only the kind's files) serves a page that offers it in the picker,
lays it out as its entry says — its own main view and tab (two plug-in modules), three
readouts, no contour — plays it, writes its link, and goes back to a surface."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from fixtures.new_kind.recipe import project_with_the_kind

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def copy_url(tmp_path_factory):
    """A server of the project copy with ``line1`` (its own process: it imports the copy)."""
    project, _ = project_with_the_kind(tmp_path_factory.mktemp("with-line1"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gdviz", "serve", "--port", str(port)],
                              cwd=project, env={**os.environ, "PYTHONPATH": str(project)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the copy's server did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


def test_the_page_shows_plays_and_links_a_new_kind(browser_context, copy_url, page_log):
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
    page.on("response", lambda r: page_log.console_errors.append(f"HTTP {r.status} {r.request.method} {r.url} {r.request.post_data}") if r.status >= 400 else None)
    page.on("console", lambda m: page_log.console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{copy_url}/?v=1&model=line1&r0=gd&r0.lr=0.3")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")

    # laid out as the entry says: its own main view (drawn at the start), its tab, no contour
    assert page.is_visible(".panel-plugin") and not page.is_visible(".panel-contour")
    assert page.text_content("#plugin-title") == "Loss over w"
    page.wait_for_function("document.querySelector('#plugin-main').dataset.w === '-2'")
    assert page.get_attribute("#plugin-main", "data-drawn") == "1"
    assert page.is_visible("#tab-line1-fit") and page.text_content("#tab-line1-fit") == "Fit"
    assert page.get_attribute("#tab-line1-fit", "aria-selected") == "true"
    assert "the best line has w" in page.text_content("#line1-fit-panel") or \
        "the line now" in page.text_content("#line1-fit-panel")
    assert page.input_value("#surface-select") == "model:line1"
    assert [page.text_content(f"#readout-{k}-label") for k in ("loss", "gradnorm", "x", "y")] == \
        ["L", "|dL/dw|", "w", ""]
    assert page.text_content("#readout-x") == "-2" and not page.is_visible("#readout-y")
    assert "Click the contour" not in page.text_content("#status-reason")
    assert page.text_content("#model-summary") == "50 points"

    # it plays: a step moves w on the curve and in the readout
    page.click("#btn-step")
    page.wait_for_function("document.querySelector('#plugin-main').dataset.step === '1'")
    w = float(page.get_attribute("#plugin-main", "data-w"))
    assert w > -2 and page.text_content("#readout-x") not in ("-2", "–")

    # its link, written from the schema: the model's fields, then the runs; its tab is a view key
    assert page.evaluate("window.__gdviz.query()") == (
        "v=1&model=line1&model.n=50&model.seed=0&steps=500&seed=0&speed=30&r0=gd&r0.lr=0.3")
    page.click("#model-options summary")
    assert page.get_attribute("#model-n", "title") == "number of data points (10 … 2048)"
    page.fill("#model-n", "30")
    page.press("#model-n", "Enter")
    page.wait_for_function("location.search.includes('model.n=30')")
    page.wait_for_function("document.querySelector('#line1-fit-panel').textContent.startsWith('30 points')")

    # and back to a surface: the contour returns, the kind's views step aside
    page.select_option("#surface-select", "bowl")
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.objective === 'surface'")
    assert page.is_visible(".panel-contour") and not page.is_visible(".panel-plugin")
    assert not page.is_visible("#tab-line1-fit")
    assert page_log.page_errors == [] and page_log.console_errors == []
    page.close()
