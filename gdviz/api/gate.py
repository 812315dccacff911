"""What every HTTP request passes before FastAPI reads it (ASGI middleware).

1. **Size**: a body larger than ``max_bytes`` is a 413 — from its Content-Length when
   given, else while it streams in — so no request makes the server read an unbounded
   body.
2. **Nesting**: a JSON body nested deeper than ``nesting.MAX_DEPTH`` levels is a 400
   naming the limit, before anything parses or validates it (gdviz/scenarios/nesting.py).
3. **Expressions**: a custom f(x, y) the body (``"expr"``) or the query (``expr=``) names
   is built in a worker process first (gdviz/jobs/expressions.py), so that validating
   it on the event loop only reads a cache; when that lane is full, a 503 with
   Retry-After.

The body is then handed to the app as it came; after it, ``receive`` is the server's
own, so a route can still hear the client disconnect.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from gdviz.jobs.expressions import named_in, named_in_query, prepare
from gdviz.jobs.offload import job_pool
from gdviz.jobs.outcome import Busy
from gdviz.scenarios.nesting import too_deep

from .json import dumps


def _too_large(max_bytes: int) -> str:
    return f"request body: larger than the limit of {max_bytes} bytes"


class RequestGate:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or {}).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await _answer(send, 413, _too_large(self.max_bytes))
        try:
            body, more = await self._read(receive)
        except _TooLarge:
            return await _answer(send, 413, _too_large(self.max_bytes))
        problem = too_deep(body, "request body") if body else None
        if problem:
            return await _answer(send, 400, problem)
        try:
            await prepare(job_pool(scope["app"]), self._expressions(scope, body))
        except Busy as e:
            return await _answer(send, 503, e.message, retry_after=e.retry_after)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive) -> tuple[bytes, bool]:
        """The whole body (≤ max_bytes); ``more`` is False unless the client is gone."""
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # gone before the body ended
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False

    @staticmethod
    def _expressions(scope, body: bytes):
        found = []
        query = scope.get("query_string") or b""
        if b"expr=" in query:
            found += named_in_query(dict(parse_qsl(query.decode("latin-1"),
                                                    keep_blank_values=True)))
        if b'"expr"' in body:
            try:
                found += named_in(json.loads(body))
            except (ValueError, RecursionError):
                pass  # the route says what is wrong with it
        return found


class _TooLarge(Exception):
    pass


async def _answer(send, status: int, message: str, retry_after: int | None = None) -> None:
    """A refusal in the shape of gdviz/api/errors.py's: ``{"message", "detail"}``."""
    body = dumps({"message": message, "detail": message}).encode()
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

