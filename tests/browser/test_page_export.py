"""Export from the page: a PNG of any plot at twice its size on screen (the contour with its paths
and basin map painted in), and the header's "Export" menu — CSV, JSON, offline HTML from
GET /export/{fmt}?<the page's query> — under the page's own strict CSP."""

from __future__ import annotations

import csv
import io
import json
import struct
import urllib.request

import pytest

from gdviz.scenarios.url import scenario_from_query

from test_url_sync import query_of

pytestmark = pytest.mark.browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RUN_PNG = """async ([id, points]) => {
    const { plotPng } = await import('/static/js/plot-png.js');
    const host = document.getElementById(id);
    const bmp = await createImageBitmap(await plotPng(host));
    const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const r = host.getBoundingClientRect();
    const pixels = points.map((xy) => {
        const [x, y] = window.__gdviz.toClient(xy);
        return [...ctx.getImageData(Math.round(2 * (x - r.left)), Math.round(2 * (y - r.top)), 1, 1).data];
    });
    return { width: bmp.width, height: bmp.height, pixels };
}"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def open_strict(page, url: str) -> list[str]:
    """Open `url` in the page under its real CSP and wait until it is ready at step 0 (with a
    selector: the policy forbids wait_for_function's eval); returns its console errors, live."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_selector("body[data-ready='1'][data-step='0']", state="attached")
    return errors


def download(page, selector: str):
    with page.expect_download() as info:
        page.click(selector)
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


def test_a_plot_camera_downloads_a_png_twice_its_size_under_the_csp(strict_page, server_url):
    page = strict_page
    errors = open_strict(page, f"{server_url}/?v=1&surface=himmelblau&r0=gd&r0.lr=0.01&tab=stability")
    for selector, plot, name in ((".panel-contour .btn-camera", "#contour", "gdviz-contour.png"),
                                 (".panel-loss .btn-camera", "#loss-plot", "gdviz-loss.png")):
        filename, data = download(page, selector)
        assert filename == name
        box = page.locator(plot).bounding_box()
        assert png_size(data) == (round(box["width"]) * 2, round(box["height"]) * 2)
    assert errors == []


def test_the_contour_png_has_the_paths_and_the_basin_map_on_it(open_playground, page_log):
    page = open_playground("v=1&surface=himmelblau&r0=gd&r0.lr=0.01&r0.start=-0.5,0&tab=basins&basins.n=32")
    page.wait_for_function("window.__gdviz.basins() !== null")
    start, far = [-0.5, 0.0], [4.2, -4.2]  # the run's current point; a corner no path goes near
    with_map = page.evaluate(RUN_PNG, ["contour", [start, far]])
    box = page.locator("#contour").bounding_box()
    assert (with_map["width"], with_map["height"]) == (round(box["width"]) * 2, round(box["height"]) * 2)
    r, g, b, _ = with_map["pixels"][0]
    assert abs(r - 0xFF) < 40 and abs(g - 0x7A) < 40 and b < 60  # the orange "now" dot (SVG overlay)
    page.uncheck("#basin-toggle")  # the map off: that corner is the contour's own colour again
    without = page.evaluate(RUN_PNG, ["contour", [start, far]])
    assert without["pixels"][1] != with_map["pixels"][1]
    assert without["pixels"][0] == with_map["pixels"][0]
    assert page_log.page_errors == [] and page_log.console_errors == []


def _has_export_route() -> bool:
    from gdviz.main import create_app
    return "/export/{fmt}" in create_app().openapi()["paths"]


needs_export_route = pytest.mark.skipif(
    not _has_export_route(),
    reason="GET /export/{fmt} (helper 'offline', branch offline-html) is not on this branch yet")


@needs_export_route
def test_the_export_menu_downloads_the_scenario_on_screen(strict_page, server_url):
    page = strict_page
    errors = open_strict(page, f"{server_url}/s/ravine-momentum")
    page.click("#btn-export")
    assert page.is_visible("#export-list")
    filename, data = download(page, "#export-list [data-format='csv']")
    assert page.is_hidden("#export-list")
    assert filename.startswith("gdviz-") and filename.endswith(".csv")
    # one row per frame of the page's scenario: what POST /api/run gives for it
    scenario, _ = scenario_from_query(dict(query_of(page.url)))
    req = urllib.request.Request(f"{server_url}/api/run", data=scenario.model_dump_json(exclude_none=True).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as res:
        runs = json.load(res)["runs"]
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == sum(len(r["frames"]) for r in runs)
    assert [(int(row["run"]), int(row["step"])) for row in rows] == \
        [(i, f["step"]) for i, r in enumerate(runs) for f in r["frames"]]

    page.click("#btn-export")
    filename, data = download(page, "#export-list [data-format='json']")
    assert filename.endswith(".json") and len(json.loads(data)["runs"]) == 2
    page.click("#btn-export")
    filename, data = download(page, "#export-list [data-format='html']")
    assert filename.endswith(".html") and b"<html" in data[:500].lower()
    assert errors == []


@needs_export_route
def test_a_refused_export_shows_the_servers_message(open_playground, page_log):
    # fine to stream, too big to export whole: 2 runs × 3,001 frames × 2,274 weights
    page = open_playground("v=1&model=mlp&model.hidden=32,32,32&steps=3000&r0=gd&r0.lr=0.1&r1=gd&r1.lr=0.01")
    page.click("#btn-export")
    with page.expect_response("**/export/csv?**") as info:
        page.click("#export-list [data-format='csv']")
    assert info.value.status == 422
    toast = page.wait_for_selector(".toast-warning")
    assert "Export refused" in toast.text_content() and "over the limit" in toast.text_content()
    assert page_log.page_errors == []
