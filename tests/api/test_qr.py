"""GET /api/qr: the QR code of a link, naming the address phones in the room can open."""

from __future__ import annotations

import urllib.parse

import pytest

from gdviz.api import qr
from gdviz.lan import QR_MAX_CHARS

LINK = "/?v=1&surface=bowl&r0=gd&r0.lr=0.1"


def decoded(svg_uri: str) -> str:
    assert svg_uri.startswith("data:image/svg+xml")
    return urllib.parse.unquote(svg_uri.split(",", 1)[1])


@pytest.fixture(scope="module")
def lan():
    """A client of a page opened at the LAN address: the server was reached there, so
    the Host check (gdviz/api/hosts.py) lets that address in."""
    from fastapi.testclient import TestClient

    from gdviz.main import create_app
    with TestClient(create_app(), base_url="http://192.168.1.23:8000") as c:
        yield c


def test_a_page_opened_at_a_network_address_gets_the_code_of_its_own_link(lan):
    r = lan.get("/api/qr", params={"link": LINK})
    assert r.status_code == 200
    body = r.json()
    assert body["url"] == "http://192.168.1.23:8000" + LINK and body["note"] == ""
    svg = decoded(body["svg"])
    assert svg.startswith("<svg") and "<path" in svg and "script" not in svg


def test_the_lecturer_on_loopback_gets_this_machines_network_address(client, monkeypatch):
    monkeypatch.setattr(qr, "lan_address", lambda: "192.168.1.23")

    async def answers(host, port):
        return (host, port) == ("192.168.1.23", 8000)

    monkeypatch.setattr(qr, "_answers", answers)
    body = client.get("/api/qr", params={"link": LINK}, headers={"host": "127.0.0.1:8000"}).json()
    assert body["url"] == "http://192.168.1.23:8000" + LINK and body["svg"]
    assert "this computer's address" in body["note"]


def test_a_server_on_loopback_only_gives_no_code_and_says_how_to_let_phones_in(client, monkeypatch):
    monkeypatch.setattr(qr, "lan_address", lambda: "192.168.1.23")

    async def nobody(host, port):
        return False

    monkeypatch.setattr(qr, "_answers", nobody)
    body = client.get("/api/qr", params={"link": LINK}, headers={"host": "localhost:8000"}).json()
    assert body["svg"] is None and "gdviz serve --host 0.0.0.0" in body["note"]
    monkeypatch.setattr(qr, "lan_address", lambda: None)
    body = client.get("/api/qr", params={"link": LINK}, headers={"host": "127.0.0.1:8000"}).json()
    assert body["svg"] is None and "no network address" in body["note"]


@pytest.mark.parametrize("link, words", [
    ("x", "starting with a single '/'"),
    ("//evil.example/", "starting with a single '/'"),
    ("https://evil.example/", "starting with a single '/'"),
    ("/?" + "a" * QR_MAX_CHARS, f"more than a QR code that phones can scan off a screen holds ({QR_MAX_CHARS:,})"),
])
def test_bad_links_are_refused_naming_the_field_and_the_limit(lan, link, words):
    r = lan.get("/api/qr", params={"link": link})
    assert r.status_code == 422 and r.json()["detail"].startswith("link: ") and words in r.json()["detail"]


def test_a_link_just_under_the_limit_still_gets_a_code(lan):
    origin = "http://192.168.1.23:8000"
    link = "/?" + "b" * (QR_MAX_CHARS - len(origin) - 2)
    r = lan.get("/api/qr", params={"link": link})
    assert r.status_code == 200 and r.json()["svg"]
