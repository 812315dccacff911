"""The route class of every router that reads a JSON body: its JSON is read with
``gdviz.client_json.loads``, so an integer too long to convert is refused at its field
(a 422 naming it) instead of failing the whole body with FastAPI's nameless 400."""

from fastapi import Request
from fastapi.routing import APIRoute

from gdviz.client_json import loads


class ClientJSONRequest(Request):
    async def json(self):
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class ClientJSONRoute(APIRoute):
    def get_route_handler(self):
        handle = super().get_route_handler()

        async def handle_client_json(request: Request):
            return await handle(ClientJSONRequest(request.scope, request.receive))

        return handle_client_json
