"""The ``Host`` check (ASGI middleware): every request and WebSocket must name this server.

DNS rebinding: a page on ``evil.example`` points its name at 127.0.0.1 (or at the
lecturer's laptop) and then talks to gdviz as if gdviz were its own site — same origin
in the browser's eyes, so it can read the answers and drive the sockets. Its requests
still carry ``Host: evil.example``; refusing every host name the server does not
answer to closes that door, whatever the Origin says.

Allowed by default (no setting needed on a laptop or in a lecture hall):

- loopback: ``localhost``, any 127.0.0.0/8 address, ``::1``;
- the address the client connected to, written as an IP literal
  (``http://192.168.1.23:8000/``): with ``--host 0.0.0.0`` that is any address of this
  machine, with ``--host 192.168.1.23`` just that one — the addresses ``--host`` serves;
- this machine's own name (``socket.gethostname()``, also with ``.local`` for mDNS).

``GDVIZ_ALLOWED_HOSTS`` adds names, comma-separated: ``gdviz.example.org`` (a reverse
proxy's public name), ``*.example.org`` (any subdomain), or ``*`` to turn the check off.
The port is not checked (the socket is bound to one already).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from .json import dumps

LOOPBACK_NAMES = ("localhost",)
SETTING = "GDVIZ_ALLOWED_HOSTS"


def host_name(header: str) -> str:
    """The name in a ``Host`` header: lower case, no port, no brackets, no final dot."""
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8000
        name = header[1:].split("]", 1)[0]
    elif header.count(":") == 1:  # name:port (an IPv6 literal without brackets has more)
        name = header.split(":", 1)[0]
    else:
        name = header
    return name.rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])  # fe80::1%eth0
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:192.168.1.23 on a dual-stack socket
    return mapped or ip


def machine_names() -> set[str]:
    """This machine's own name, as students may type it (``laptop``, ``laptop.local``)."""
    name = socket.gethostname().lower().rstrip(".")
    return {name, name.split(".", 1)[0] + ".local"} if name else set()


class AllowedHosts:
    """Which ``Host`` names a request may carry (see the module's docstring)."""

    def __init__(self, extra: Iterable[str] = (), own_names: Iterable[str] = ()):
        names = {n.strip().lower().rstrip(".") for n in extra if n.strip()}
        self.any = "*" in names
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))  # ".example.org"
        self.names = {n for n in names if not n.startswith("*")} | set(LOOPBACK_NAMES)
        self.names |= {n.lower() for n in own_names}

    @classmethod
    def from_setting(cls, value: str) -> AllowedHosts:
        return cls(value.split(","), machine_names())

    def allows(self, header: str | None, local_address: str | None) -> bool:
        """May a request with this ``Host`` header, arriving on ``local_address`` (the
        server's end of the connection), be answered?"""
        if self.any:
            return True
        if not header:
            return False
        name = host_name(header)
        ip = _ip(name)
        if ip is not None:
            return ip.is_loopback or (local_address is not None and ip == _ip(local_address))
        return name in self.names or name.endswith(self.suffixes)


def refusal(header: str | None) -> str:
    """The sentence a refused request gets: names the header and the setting, not the
    names that are allowed (the machine's name is none of a stranger's business)."""
    given = "missing" if not header else f"{header[:100]!r} is not a name of this server"
    return (f"Host: {given}; open gdviz by its address (e.g. http://127.0.0.1:8000/), or "
            f"ask whoever runs it to add the name to {SETTING}")


class HostCheck:
    """Refuse a request or WebSocket whose ``Host`` is not allowed: 400 with the reason
    (a WebSocket gets the same answer instead of the upgrade, where the server can send
    one; otherwise it is closed before it is accepted, which uvicorn answers with 403)."""

    def __init__(self, app, allowed: AllowedHosts):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        header = _header(scope, b"host")
        server = scope.get("server") or (None, None)
        if self.allowed.allows(header, server[0]):
            return await self.app(scope, receive, send)
        message = refusal(header)
        body = dumps({"message": message, "detail": message}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": 400,
                        "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None
