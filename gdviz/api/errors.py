"""Readable 4xx errors: every message names the field and the limit.

FastAPI's default 422 echoes the offending input, which may itself be NaN
(Python's json accepts the literal) and would then fail to serialise; we send
only where (``loc``) and what (``msg``), plus one summary sentence.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from gdviz.validation import describe, summary

from .json import StrictJSONResponse


async def _validation(request: Request, exc: RequestValidationError):
    errors = exc.errors()
    return StrictJSONResponse(status_code=422,
                              content={"message": summary(errors), "detail": describe(errors)})


async def _pydantic(request: Request, exc: ValidationError):
    errors = exc.errors()
    return StrictJSONResponse(status_code=422,
                              content={"message": summary(errors), "detail": describe(errors)})


async def _http(request: Request, exc: HTTPException):
    """``detail``: a sentence, or ``[{field, message}]`` (then the message joins them)."""
    detail = _unreadable_body(exc) or exc.detail
    message = ("; ".join(f"{d['field']}: {d['message']}" for d in detail)
               if isinstance(detail, list) else str(detail))
    return StrictJSONResponse(status_code=exc.status_code,
                              content={"message": message, "detail": detail},
                              headers=getattr(exc, "headers", None))


def _unreadable_body(exc: HTTPException) -> str | None:
    """FastAPI answers a body it cannot decode with a 400 "There was an error parsing the
    body", whatever the cause; say which (the cause is chained to the exception)."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return f"request body: not valid UTF-8 (byte {cause.start}); send JSON as UTF-8"
    if isinstance(cause, RecursionError):
        return ("request body: nested too deeply; JSON arrays and objects may nest a few "
                "hundred levels at most")
    return None


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(HTTPException, _http)
    _document(app)


class FieldError(BaseModel):
    field: str = Field(description="where: `runs.0.lr`, `expr`, `request body`, …")
    message: str = Field(description="what is wrong, and the limit")
    position: int | None = Field(None, description="a refused expr: first column of the "
                                                   "offending token")
    end: int | None = Field(None, description="a refused expr: the column after it")


class ErrorResponse(BaseModel):
    """Every 4xx: one sentence naming the field and the limit, and the details."""

    message: str = Field(description="`field: what is wrong`, several joined by `; `")
    detail: list[FieldError] | list[str] | str = Field(
        description="one entry per problem (a download's refused link: the parameters)")


def _document(app: FastAPI) -> None:
    """Make /openapi.json describe the errors the handlers above really send: FastAPI
    documents every 422 as its own ``HTTPValidationError`` (``detail: [{loc, msg,
    type}]``), which these handlers replace."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = build()
            schemas = spec.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                error = ErrorResponse.model_json_schema(
                    ref_template="#/components/schemas/{model}")
                schemas.update(error.pop("$defs", {}))
                schemas["HTTPValidationError"] = error
                schemas.pop("ValidationError", None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi
