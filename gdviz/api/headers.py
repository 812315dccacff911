"""Headers every answer carries (ASGI middleware), static files and refusals included.

- ``X-Content-Type-Options: nosniff``: a browser takes each file for the type it is
  served as (a JSON error is never run as a script, an upload never guessed at).
- ``Referrer-Policy: same-origin``: the page's address holds the whole scenario; it is
  not sent to other sites, while the server's own pages still get it (and a same-origin
  POST keeps its ``Origin``, which ``no-referrer`` would turn into ``null``).

They go on every HTTP response, on a WebSocket's refusal sent instead of the upgrade
and on its acceptance (the 101).
"""

SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"))
_TYPES = ("http.response.start", "websocket.http.response.start", "websocket.accept")


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] in _TYPES:
                headers = list(message.get("headers") or ())
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
