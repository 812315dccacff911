"""docs/lectures.md's worked examples, read from the doc itself (each code block marked
`<!-- example: NAME -->`) and run as a lecturer would: the reveal.js deck and the plain
HTML deck opened from file://, the Jupyter cell's IFrame (its `gdviz.show` cell runs in a
real kernel in tests/browser/test_notebook_kernel.py), and the snippet "Copy embed
code" gives. Each frame must draw its plot under the server's real Content-Security-
Policy (the pages here honour it: `strict_page`), play on Space once clicked, and send
the deck's keys back to the deck.

reveal.js 5.2 (MIT) is vendored in tests/fixtures/reveal/ (dist/reveal.js, dist/reveal.css
and its LICENSE, from the npm package) so the deck runs offline."""

from __future__ import annotations

import ast
import importlib
import os
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "lectures.md"
REVEAL_DIST = ROOT / "tests" / "fixtures" / "reveal" / "dist"
DOC_SERVER = "http://127.0.0.1:8000"  # where the doc's examples expect gdviz
EXAMPLE = re.compile(r"<!-- example: ([\w-]+) -->\s*\n```(\w+)\n(.*?)\n```", re.S)


def doc_examples() -> dict[str, tuple[str, str]]:
    """{name: (language, code)} of the marked code blocks in docs/lectures.md."""
    return {name: (lang, code) for name, lang, code in EXAMPLE.findall(DOC.read_text(encoding="utf-8"))}


def example(name: str, server_url: str) -> str:
    lang, code = doc_examples()[name]
    assert DOC_SERVER in code, f"the {name} example does not point at {DOC_SERVER}"
    return code.replace(DOC_SERVER, server_url)


def test_the_doc_has_the_four_examples():
    examples = doc_examples()
    assert {k: v[0] for k, v in examples.items()} == {
        "reveal": "html", "plain-html": "html", "jupyter": "python", "jupyter-iframe": "python"}


def poll(target, fn: str, timeout: float = 60.0, arg=None):
    """Wait until `fn` (a JS function) is truthy in a page or frame — by evaluate, which
    the pages' CSP allows (wait_for_function would eval a string inside them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = target.evaluate(fn, arg)
        except Exception:  # the frame is still navigating
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {fn}")


def open_file(page, tmp_path: Path, html: str, name: str = "deck.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())
    return page


def embed_frame(page, selector: str = "iframe"):
    """The gdviz frame once it has drawn its main plot and shows a frame."""
    poll(page, f"() => !!document.querySelector('{selector}')?.getAttribute('src')")
    frame = page.query_selector(selector).content_frame()
    poll(frame, "() => document.body?.dataset.ready === '1' && document.body.dataset.step !== ''")  # (autoplay moves on)
    poll(frame, "() => document.querySelectorAll('#contour .contourlayer path, #boundary .main-svg').length > 0")
    return frame


def assert_plot_shown_in(page, frame, iframe_selector: str = "iframe"):
    """The main plot lies inside the iframe's box, big enough to read."""
    outer = page.locator(iframe_selector).bounding_box()
    plot = frame.locator("#contour .main-svg, #boundary .main-svg").first.bounding_box()
    assert plot is not None
    assert outer["x"] - 1 <= plot["x"] and plot["x"] + plot["width"] <= outer["x"] + outer["width"] + 1
    assert outer["y"] - 1 <= plot["y"] and plot["y"] + plot["height"] <= outer["y"] + outer["height"] + 1
    assert plot["height"] >= 0.5 * outer["height"], (plot, outer)


def csp_errors(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def play_on_space(page, frame):
    frame.click(".embed-panels [data-slot='1'] h2")  # the lecturer clicks the frame (the main panel's title)
    poll(frame, "() => document.body.dataset.frameFocus === '1'")
    page.keyboard.press("Space")
    poll(frame, "() => Number(document.body.dataset.step) >= 3")
    page.keyboard.press("Space")


def test_the_reveal_js_deck_from_the_doc(strict_page, server_url, tmp_path):
    page = strict_page
    console = []
    page.on("console", lambda m: console.append(m.text))
    html = example("reveal", server_url).replace("reveal.js/dist/", REVEAL_DIST.as_uri() + "/")
    page.set_viewport_size({"width": 1024, "height": 768})
    open_file(page, tmp_path, html)
    poll(page, "() => typeof Reveal !== 'undefined' && Reveal.isReady()")
    # data-src: the frame is not loaded before its slide shows
    assert page.evaluate("document.querySelector('iframe').getAttribute('src')") is None
    page.keyboard.press("PageDown")  # to the slide with the frame
    poll(page, "() => Reveal.getIndices().h === 1")
    frame = embed_frame(page)
    assert_plot_shown_in(page, frame)
    play_on_space(page, frame)
    assert page.evaluate("Reveal.getIndices().h") == 1  # Space played the plot, not the deck
    page.keyboard.press("PageDown")  # pressed in the frame: reveal.js gets it by postMessage
    poll(page, "() => Reveal.getIndices().h === 2")
    assert csp_errors(console) == []


def test_the_plain_html_deck_from_the_doc(strict_page, server_url, tmp_path):
    page = strict_page
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.set_viewport_size({"width": 1280, "height": 720})
    open_file(page, tmp_path, example("plain-html", server_url))
    poll(page, "() => document.body.dataset.slide === '0'")
    page.keyboard.press("PageDown")
    poll(page, "() => document.body.dataset.slide === '1'")
    frame = embed_frame(page)
    assert_plot_shown_in(page, frame)
    assert frame.evaluate("document.body.dataset.theme") == "dark"  # the doc's theme=dark
    play_on_space(page, frame)
    page.keyboard.press("ArrowRight")  # the frame's own key: a step, not a slide
    poll(frame, "() => document.body.dataset.status === 'paused'")
    assert page.evaluate("document.body.dataset.slide") == "1"
    page.keyboard.press("PageDown")  # the deck's key, from inside the frame
    poll(page, "() => document.body.dataset.slide === '2'")
    assert csp_errors(console) == []


def require_modules(modules: tuple[str, ...], unchecked: str):
    """Skip (fail in CI) unless the test extras' ``modules`` import."""
    try:
        for name in modules:
            importlib.import_module(name)
    except ImportError:
        message = f"{', '.join(modules)} not installed (pip install -e '.[test]'): {unchecked}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _ipython():
    require_modules(("IPython.display",), "the Jupyter example of docs/lectures.md is not checked")


def run_cell(code: str):
    """Run a notebook cell: its statements, then the value of its last expression."""
    tree = ast.parse(code)
    assert isinstance(tree.body[-1], ast.Expr), "the cell should end with the IFrame(...) it shows"
    last = ast.Expression(tree.body.pop().value)
    namespace: dict = {}
    exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102 - our own doc's example
    return eval(compile(last, "<cell>", "eval"), namespace)  # noqa: S307


def test_the_jupyter_cell_from_the_doc(strict_page, server_url, tmp_path):
    _ipython()
    shown = run_cell(example("jupyter-iframe", server_url))
    html = shown._repr_html_()  # what the notebook puts in the cell's output
    assert re.search(r'<iframe[^>]*width="960"[^>]*height="540"', html), html
    page = strict_page
    page.set_viewport_size({"width": 1100, "height": 700})
    open_file(page, tmp_path, f"<!doctype html><meta charset='utf-8'><body>{html}</body>", "notebook.html")
    frame = embed_frame(page)
    assert_plot_shown_in(page, frame)
    poll(frame, "() => Number(document.body.dataset.step) >= 3")  # the doc's autoplay=1


def test_the_copied_embed_code_works_pasted_into_a_file(strict_page, server_url, tmp_path):
    """What "Copy embed code" gives, pasted into a page opened from file:// (the embed's
    frame-ancestors default: any): the same scenario, and the view — controls, theme,
    scale, tab — as the playground's link had it, after an edit too."""
    page = strict_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server_url}/?v=1&surface=rosenbrock&r0=gd&r0.lr=0.001&r0.start=-1.5,2&r1=adam&r1.lr=0.05&r1.start=-1.5,2"
              "&tab=3d&controls=none&theme=dark&scale=1.5")
    poll(page, "() => document.body.dataset.ready === '1'")
    page.fill("#lr-input", "0.002")
    page.press("#lr-input", "Enter")
    page.click("#btn-copy-embed")
    poll(page, "() => !!document.querySelector('.toast')")
    assert "960×540" in page.text_content(".toast")  # the size, and that it can be changed
    code = page.evaluate("() => navigator.clipboard.readText()")
    assert code.startswith('<iframe src="') and 'width="960" height="540"' in code
    open_file(page, tmp_path, f"<!doctype html><meta charset='utf-8'><body>{code}</body>", "pasted.html")
    frame = embed_frame(page)
    assert_plot_shown_in(page, frame)
    assert frame.evaluate("window.__gdviz.scenario().runs.map(r => [r.optimizer, r.lr])") == [["gd", 0.002], ["adam", 0.05]]
    body = frame.evaluate("({...document.body.dataset})")
    assert body["theme"] == "dark" and body["controls"] == "none" and body["embed"] == "1"
    assert frame.evaluate("document.querySelector('.embed-panels').dataset.names") == "main,tab"
    assert frame.evaluate("document.querySelector('#contour .js-plotly-plot')._fullLayout.font.size") == 22.5  # 15 × 1.5
