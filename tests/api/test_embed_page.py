"""What the server renders for /embed's presentation keys (controls, theme, scale…):
the marks the page's CSS and JS read, the style sheets it links, and the security
headers of both pages (docs/lectures.md)."""

import json
import re
from html import unescape

import pytest

FULL = "v=1&surface=bowl&r0=gd&r0.lr=0.5"


def body_attrs(html: str) -> dict:
    tag = re.search(r"<body([^>]*)>", html).group(1)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def page_view(html: str) -> dict:
    return json.loads(unescape(re.search(r'data-view="([^"]*)"', html).group(1)))


def csp(response) -> dict:
    return dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))


def test_embed_is_marked_for_its_style_sheet_and_defaults_to_a_few_controls(client):
    r = client.get(f"/embed?{FULL}")
    attrs = body_attrs(r.text)
    assert attrs["data-embed"] == "1" and attrs["data-controls"] == "few" and attrs["data-theme"] == "light"
    assert re.search(r'href="/static/[0-9a-f]{12}/css/embed\.css"', r.text)
    assert "theme-dark.css" not in r.text
    assert page_view(r.text)["show"] == ["main", "loss"]
    # the playground: all of its controls, none of the embed's styles
    r = client.get(f"/?{FULL}")
    attrs = body_attrs(r.text)
    assert attrs["data-embed"] == "0" and attrs["data-controls"] == "all"
    assert "embed.css" not in r.text


@pytest.mark.parametrize("route", ["/", "/embed"])
def test_the_dark_theme_is_linked_on_both_pages(client, route):
    r = client.get(f"{route}?{FULL}&theme=dark&scale=1.5")
    assert body_attrs(r.text)["data-theme"] == "dark"
    assert re.search(r'href="/static/[0-9a-f]{12}/css/theme-dark\.css"', r.text)
    assert page_view(r.text)["scale"] == 1.5
    assert client.get("/static/css/theme-dark.css").status_code == 200


def test_a_font_scale_links_the_sheet_that_widens_the_playground_column(client):
    assert re.search(r'href="/static/[0-9a-f]{12}/css/scaled\.css"',
                     client.get(f"/?{FULL}&scale=1.5").text)
    assert "scaled.css" not in client.get(f"/?{FULL}").text
    assert client.get("/static/css/scaled.css").status_code == 200


def test_controls_show_and_autoplay_reach_the_page_and_bad_ones_fall_back_with_a_warning(client):
    r = client.get(f"/embed?{FULL}&controls=none&autoplay=1&show=loss,main")
    assert body_attrs(r.text)["data-controls"] == "none"
    view = page_view(r.text)
    assert view["autoplay"] is True and view["show"] == ["loss", "main"]
    r = client.get(f"/embed?{FULL}&controls=some&show=main,main")
    assert body_attrs(r.text)["data-controls"] == "few"
    assert page_view(r.text)["show"] == ["main", "loss"]
    notes = unescape(r.text)
    assert "controls:" in notes and "show:" in notes  # the warnings list names each key


@pytest.mark.parametrize("route", ["/", "/embed"])
def test_no_inline_scripts_and_a_strict_script_src_on_both_pages(client, route):
    r = client.get(f"{route}?{FULL}&controls=all&autoplay=1&theme=dark&scale=2")
    assert csp(r)["script-src"] == "'self'"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, flags=re.S)
    assert scripts and all('src="/' in attrs and body.strip() == "" for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", r.text)  # no inline event handlers either
    # the embed's own modules are served
    for path in ("/static/css/embed.css", "/static/js/presentation.js", "/static/js/embed/frame-keys.js",
                 "/static/js/embed/panels.js", "/static/js/embed/bar.js", "/static/js/font-scale.js",
                 "/static/js/plots/dress.js"):
        assert client.get(path).status_code == 200, path


def test_only_the_embed_may_be_framed_by_other_sites(client):
    assert csp(client.get("/"))["frame-ancestors"] == "'self'"
    assert "frame-ancestors" not in csp(client.get("/embed"))  # any, file:// decks included
