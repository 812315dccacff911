"""Request-size bound for REST bodies (ASGI middleware).

Rejects a body larger than ``max_bytes`` with 413 — from its Content-Length
when given, else while it streams in — so no request can make the server
read an unbounded body.
"""

from starlette.exceptions import HTTPException

from .json import dumps


def _too_large(max_bytes: int) -> str:
    return f"request body: larger than the limit of {max_bytes} bytes"


class BodySizeLimit:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or {}).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._reject(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send):
        message = _too_large(self.max_bytes)
        body = dumps({"message": message, "detail": message})  # as errors.py answers
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body.encode()})


class _TooLarge(HTTPException):
    """Raised while a body streams in. An HTTPException, because FastAPI turns any other
    exception from reading a body into a 400 "There was an error parsing the body"
    (it lets HTTPExceptions through, to the handler in errors.py)."""

    def __init__(self, max_bytes: int):
        super().__init__(413, _too_large(max_bytes))
