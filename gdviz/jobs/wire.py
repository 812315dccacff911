"""Messages between the server and its worker processes: length-prefixed pickles.

Each message is an 8-byte big-endian length, then ``pickle.dumps(message)``. The server
side reads with asyncio streams (never blocking the loop, however large a result); the
worker side uses the plain blocking socket. Only the server and its own children ever
hold these sockets (a socketpair), so unpickling is safe.
"""

from __future__ import annotations

import asyncio
import pickle
import select
import socket
import struct

_HEADER = struct.Struct(">Q")


def pack(message) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


async def read(reader: asyncio.StreamReader):
    """The next message; ``asyncio.IncompleteReadError`` at the end of the stream."""
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return pickle.loads(await reader.readexactly(size))


def _recv_exactly(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            return None
        got += k
    return bytes(buf)


def recv(sock: socket.socket):
    """The next message (blocking); None once the other side has closed."""
    head = _recv_exactly(sock, _HEADER.size)
    if head is None:
        return None
    body = _recv_exactly(sock, _HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def waiting(sock: socket.socket) -> bool:
    """Whether a message (or the end of the stream) is waiting, without blocking."""
    return bool(select.select([sock], [], [], 0)[0])


def send(sock: socket.socket, message) -> None:
    """One message; the header and the body are sent apart (a result can be tens of MB:
    no copy joins them)."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(body)))
    sock.sendall(body)
