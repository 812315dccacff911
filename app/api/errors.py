"""Readable 4xx errors: every message names the field and the limit.

FastAPI's default 422 echoes the offending input, which may itself be NaN
(Python's json accepts the literal) and would then fail to serialise; we send
only where (``loc``) and what (``msg``), plus one summary sentence.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from app.validation import describe, summary

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
    return StrictJSONResponse(status_code=exc.status_code,
                              content={"message": str(exc.detail), "detail": exc.detail},
                              headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(HTTPException, _http)
