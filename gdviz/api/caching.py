"""Conditional GET for the pages and the JSON catalogs: a second visit gets 304s.

A page load asks for the page, the surface, optimizer and model lists and the contour's
grid. Their answers change only with the query or the server's version, so each GET
answer (HTML or JSON, status 200, sent in one piece) gets a weak ``ETag`` — a hash of its
body — and ``Cache-Control: no-cache``: the browser keeps it and asks again with
``If-None-Match``; an unchanged answer is then a 304 with no body. The work is still done
(the body must be hashed); the bytes are not sent. An answer already gzip-compressed in
a job process (a contour grid kept so, gdviz/api/offloaded.py) passes by and gets the
same from ``conditional``. Static files have their own rules (gdviz/api/assets.py);
downloads, streams and sockets pass through untouched.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_HASHED_BYTES = 8 << 20  # larger answers (exports) are not worth hashing
_TYPES = ("text/html", "application/json")


def etag_of(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'


def matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, or ``*``)."""
    value = if_none_match[:4000]
    if value.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == bare for t in value.split(","))


def conditional(request: Request, body: bytes, media_type: str, headers: dict) -> Response:
    """What ``ConditionalGet`` does, for an answer it passes by because it is already
    encoded (a gzip body made in a job process): the ETag of these bytes, ``no-cache``,
    and a 304 when the request names that ETag."""
    tag = etag_of(body)
    kept = {"ETag": tag, "Cache-Control": "no-cache",
            **{k: v for k, v in headers.items() if k.lower() == "vary"}}
    if matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=kept)
    return Response(body, media_type=media_type, headers={**headers, **kept})


class ConditionalGet:
    """ASGI middleware: ETag + ``no-cache`` on whole HTML/JSON answers to GET, 304 when
    the request's ``If-None-Match`` names the answer's ETag."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match", "")
        start: Message | None = None
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if passing or message["type"] not in ("http.response.start", "http.response.body"):
                await send(message)  # (and the test client's debug messages)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                kind = headers.get("content-type", "").partition(";")[0].strip()
                if (message["status"] != 200 or kind not in _TYPES or "etag" in headers
                        or "content-encoding" in headers):
                    passing = True
                    await send(message)
                else:
                    start = message  # held until the body says whether it is whole
                return
            body = message.get("body", b"")
            if message.get("more_body", False) or len(body) > MAX_HASHED_BYTES:
                passing = True  # a stream or a large download: as it comes
                await send(start)
                await send(message)
                return
            tag = etag_of(body)
            headers = MutableHeaders(raw=start["headers"])
            headers["ETag"] = tag
            if "cache-control" not in headers:
                headers["Cache-Control"] = "no-cache"
            if if_none_match and matches(if_none_match, tag):
                kept = [(k, v) for k, v in start["headers"]
                        if k.lower() not in (b"content-length", b"content-type")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send(message)

        await self.app(scope, receive, wrapped)
