"""One JSON error shape for every 4xx and 5xx; no stack trace ever reaches a client."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import OperationalError
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("shopassist.server")

_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "payload_too_large", 422: "validation_error", 429: "rate_limited", 503: "unavailable",
          504: "timeout"}


def error_response(status: int, message: str, fields: list[dict] | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": {"type": _TYPES.get(status, "error"), "message": message}}
    if fields is not None:
        body["error"]["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "problem": err.get("msg", "")}
        for err in exc.errors()
    ]
    return error_response(422, "the request is not valid", fields)


async def _state_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The PostgreSQL holding sessions (database_url) is unreachable: a short outage, not a bug."""
    log.error("the state database is unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_response(503, "the service is briefly unavailable; please try again shortly",
                          headers={"Retry-After": "5"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "something went wrong on our side; please try again")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _state_unavailable)
    app.add_exception_handler(PoolTimeout, _state_unavailable)
    app.add_exception_handler(Exception, _unexpected)
