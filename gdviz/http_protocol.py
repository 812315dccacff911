"""uvicorn's HTTP protocol with two guards against slow and greedy clients (slowloris).

uvicorn times out only the idle wait *between* requests (``timeout_keep_alive``, reset by
any byte received); a connection that sends nothing, or trickles a request's headers a
byte at a time, is held for ever. At a 1,024 file-descriptor limit, ~1,010 such
connections made every new connection fail (bench/slowloris.py). So each connection:

- **must deliver a whole request — headers and body — within ``request_timeout``
  seconds** (``GDVIZ_REQUEST_TIMEOUT``, default 10) of opening, or of the answer to its
  previous request. Past it the server closes the connection — with a ``408`` that says
  why if a request had begun and is not being answered yet (a connection that sent
  nothing is closed silently, as uvicorn closes an idle keep-alive one). A WebSocket's upgrade request counts; once upgraded, the socket's own rules
  apply (docs/deploy.md).
- **counts against its client address**: one address may hold at most
  ``connections_per_client`` open connections (``GDVIZ_CONNECTIONS_PER_CLIENT``, default
  50; a browser uses ~6 per server plus its WebSockets). One more is answered ``429`` at
  once and closed, so one machine cannot take every descriptor. The addresses in
  ``unlimited_clients`` (default this machine: ``127.0.0.1`` and ``::1``, which is also
  where a reverse proxy on it connects from) are not counted.

``gdviz serve`` runs uvicorn with this class (``gdviz.cli.server_options``). It needs
httptools (in ``uvicorn[standard]``); without it uvicorn's own protocol runs, unguarded.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gdviz.settings import get_settings

from .api.headers import SECURITY_HEADERS
from .api.json import dumps

_OPEN: dict[str, set[asyncio.BaseTransport]] = {}  # client address → its open connections
_SWEEP_EVERY = 1024  # connections made between sweeps of addresses that left


def _answer(status: bytes, message: str) -> bytes:
    """A whole HTTP/1.1 response that closes the connection, as the app answers."""
    body = dumps({"message": message, "detail": message}).encode()
    head = [b"HTTP/1.1 " + status, b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(), b"connection: close"]
    head += [name + b": " + value for name, value in SECURITY_HEADERS]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """One HTTP connection with a request deadline and a per-address connection count."""

    made = 0  # connections made in this process (for the sweep)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._timeout = settings.request_timeout
        self._per_client = settings.connections_per_client
        self._unlimited = {a.strip() for a in settings.unlimited_clients.split(",")}
        self._deadline: asyncio.TimerHandle | None = None
        self._mid_message = False  # a request has begun and not yet been received whole
        self._in_head = False  # ... and its headers are not all in
        self._address: str | None = None

    # -- the connection ------------------------------------------------------------

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if self._refused_over_client_limit(transport):
            return
        self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        if self._address is not None:
            held = _OPEN.get(self._address)
            if held is not None:
                held.discard(self.transport)
                if not held:
                    del _OPEN[self._address]
        super().connection_lost(exc)

    def _refused_over_client_limit(self, transport) -> bool:
        address = self.client[0] if self.client else None
        if address is None or self._per_client <= 0 or address in self._unlimited:
            return False
        GuardedHttpToolsProtocol.made += 1
        if GuardedHttpToolsProtocol.made % _SWEEP_EVERY == 0:
            _sweep()
        held = _OPEN.setdefault(address, set())
        held.difference_update([t for t in held if t.is_closing()])  # e.g. upgraded, gone
        if len(held) >= self._per_client:
            transport.write(_answer(b"429 Too Many Requests", (
                f"connections: {self._per_client} open connections from one address is the "
                "limit (GDVIZ_CONNECTIONS_PER_CLIENT); close some and try again")))
            transport.close()
            return True
        held.add(transport)
        self._address = address
        return False

    # -- the request deadline ------------------------------------------------------

    def _arm(self) -> None:
        self._disarm()
        if self._timeout > 0:
            self._deadline = self.loop.call_later(self._timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._mid_message and (self._in_head or not self.cycle.response_started):
            self.transport.write(_answer(b"408 Request Timeout", (
                f"request: not received whole within {self._timeout:g} s "
                "(GDVIZ_REQUEST_TIMEOUT)")))
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._mid_message = self._in_head = True
        if self._deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._mid_message = False
        self._disarm()  # received whole: the app takes as long as it takes
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._arm()  # for the next request, or the rest of one answered early (413)

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # from here on the WebSocket protocol owns the connection
        super().handle_websocket_upgrade()


def _sweep() -> None:
    """Forget addresses whose connections have all closed (upgraded sockets leave no
    ``connection_lost`` here: their transports are dropped once closing)."""
    for address in list(_OPEN):
        _OPEN[address] = {t for t in _OPEN[address] if not t.is_closing()}
        if not _OPEN[address]:
            del _OPEN[address]
