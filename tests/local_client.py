"""The test client every API test uses: requests from http://127.0.0.1/ (a module of its
own so tests import it by a name no conftest.py shadows)."""
from urllib.parse import urljoin

from fastapi.testclient import TestClient

from gdviz.main import create_app

# What a browser on this machine sends: Host 127.0.0.1, which the Host check allows
# (TestClient's default "testserver" is a name the server does not answer to: 400)
LOCAL = "127.0.0.1"


class LocalClient(TestClient):
    """A TestClient whose requests and sockets go to http://127.0.0.1/, as a page opened
    there would (Starlette's ``websocket_connect`` always says ws://testserver)."""

    def __init__(self, app, **kwargs):
        super().__init__(app, base_url=f"http://{LOCAL}", **kwargs)

    def websocket_connect(self, url: str, *args, **kwargs):
        return super().websocket_connect(urljoin(f"ws://{LOCAL}", url), *args, **kwargs)


def local_client(app=None) -> LocalClient:
    """A client of ``app`` (default: a new ``create_app()``) at http://127.0.0.1/."""
    return LocalClient(app or create_app())
