"""Both sockets check their Origin (gdviz/api/sockets.py): a page on another site is
refused with 1008 and a reason naming the setting; the server's own pages (the local
client is http://127.0.0.1) and the allow-list's origins are served."""

import json

import pytest
from starlette.websockets import WebSocketDisconnect
from strict_json import loads

from gdviz.settings import get_settings

SPEED = '{"type":"speed","steps_per_second":5}'


def served(client, path: str, origin: str | None) -> bool:
    headers = {} if origin is None else {"origin": origin}
    with client.websocket_connect(path, headers=headers) as ws:
        try:
            if path == "/ws/run":
                ws.send_text(SPEED)
                return loads(ws.receive_text())["type"] == "state"
            ws.send_text('{"type":"fly"}')
            return loads(ws.receive_text())["type"] == "error"
        except WebSocketDisconnect as closed:
            assert closed.code == 1008, closed
            assert "GDVIZ_WS_ORIGINS" in closed.reason and origin in closed.reason
            return False


@pytest.mark.parametrize("path", ["/ws/run", "/ws/landscape"])
def test_a_foreign_page_is_refused_and_the_servers_own_pages_are_served(client, path):
    assert not served(client, path, "https://evil.example")
    assert not served(client, path, "null")  # a sandboxed frame, a page opened from a file
    assert served(client, path, "http://127.0.0.1")  # / and /embed, however they are framed
    assert served(client, path, None)  # not a browser: scripts, notebooks' clients


@pytest.mark.parametrize("path", ["/ws/run", "/ws/landscape"])
def test_the_allow_list_lets_a_named_site_in(client, path, monkeypatch):
    monkeypatch.setattr(get_settings(), "ws_origins", "https://slides.example.org")
    assert served(client, path, "https://slides.example.org")
    assert not served(client, path, "https://other.example.org")
