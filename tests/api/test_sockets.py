"""What every WebSocket route shares (gdviz/api/sockets.py), without a server."""

import asyncio
import json
import logging

import pytest

from gdviz.api.sockets import ClientGone, send_json, serve_guarded


class FakeSocket:
    """Records what a route sends; ``gone`` makes every send fail as a closed socket does."""

    def __init__(self, gone: bool = False):
        self.gone = gone
        self.sent: list[str] = []
        self.closed: int | None = None
        self.url = type("Url", (), {"path": "/ws/test"})()

    async def send_text(self, text: str) -> None:
        if self.gone:
            raise RuntimeError("websocket.send after websocket.close")
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = code


def test_a_closed_socket_is_client_gone():
    with pytest.raises(ClientGone):
        asyncio.run(send_json(FakeSocket(gone=True), {"type": "state"}))


def test_a_reply_json_cannot_carry_is_reported_not_taken_for_a_client_leaving():
    """Regression: a reply with NaN failed to serialise inside the send's try, so it was
    taken for the client going away: the socket was dropped without a word. Now it is a
    bug of ours, said as such: an `error` and close code 1011."""
    ws = FakeSocket()

    async def loop(ws):
        await send_json(ws, {"type": "hyper", "hyper": {"lr": float("nan")}})

    asyncio.run(serve_guarded(ws, loop, logging.getLogger("test")))
    (text,) = ws.sent
    assert json.loads(text)["message"].startswith("internal error: ValueError")
    assert ws.closed == 1011


def test_a_client_leaving_ends_the_route_quietly():
    ws = FakeSocket(gone=True)

    async def loop(ws):
        await send_json(ws, {"type": "state"})

    asyncio.run(serve_guarded(ws, loop, logging.getLogger("test")))
    assert ws.sent == [] and ws.closed is None
