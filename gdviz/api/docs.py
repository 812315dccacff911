"""GET /docs and /redoc — the API's interactive documentation, served whole from the
package (static/vendor/: Swagger UI and ReDoc, versions and licences in its README),
so it works in a lecture hall with no internet, under a Content-Security-Policy.

FastAPI's own pages load both from a CDN and start Swagger UI with an inline script;
``create_app`` turns them off (``docs_url=None, redoc_url=None``) for these.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .pages import TEMPLATES

router = APIRouter(include_in_schema=False)

# Scripts only from the server (no inline, no eval); styles inline too, because Swagger UI
# and ReDoc (styled-components) write <style> elements and style attributes; ReDoc's
# search runs in a blob: worker; the only fetch is /openapi.json (and Swagger UI's "Try
# it out" requests, to this server).
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'self'")


def _page(request: Request, template: str) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, template, {
        "title": request.app.title, "openapi_url": request.app.openapi_url})
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request):
    return _page(request, "api-docs/swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request):
    return _page(request, "api-docs/redoc.html")
