"""Every error becomes a JSON body that says what is wrong and where; nothing becomes a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from airwarn.api.headers import SECURITY_HEADERS
from airwarn.errors import AirwarnError, RateLimited
from airwarn.redact import mask_secrets

#: How long a client is asked to wait when a dependency (database, bus) is down.
UNAVAILABLE_RETRY_S = 5

log = logging.getLogger("airwarn.api")


def _loc(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(AirwarnError)
    async def _airwarn(_request: Request, exc: AirwarnError) -> JSONResponse:
        if exc.status_code >= 500:
            log.error("operational error: %s", mask_secrets(exc.message))
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
        if exc.status_code == 503:
            headers = {"Retry-After": str(UNAVAILABLE_RETRY_S)}
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _loc(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return JSONResponse(
            {"error": "invalid_input", "message": f"{first['field']}: {first['message']}",
             "field": first["field"], "errors": errors},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def _database(_request: Request, exc: Exception) -> JSONResponse:
        """A database that is down, full or read-only: 503 with a reason, never a bare 500."""
        if isinstance(exc, DBAPIError) and not _is_unavailable(exc):
            log.exception("database error: %s", mask_secrets(str(exc).splitlines()[0] if str(exc) else ""))
            return internal_error()
        log.error("database unavailable: %s", mask_secrets(str(getattr(exc, "orig", exc)).splitlines()[0]))
        return JSONResponse({"error": "unavailable", "message": "the database is unavailable; try again shortly"},
                            status_code=503, headers={"Retry-After": str(UNAVAILABLE_RETRY_S)})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        """Last resort (runs in the outermost middleware): a JSON 500 that leaks nothing, logged in full."""
        log.error("unhandled error: %s", mask_secrets(repr(exc)), exc_info=exc)
        return internal_error()


def internal_error() -> JSONResponse:
    return JSONResponse({"error": "internal", "message": "internal error; it has been logged"}, status_code=500,
                        headers=dict(SECURITY_HEADERS))


def _is_unavailable(exc: DBAPIError) -> bool:
    """Connection lost or refused, disk full, read-only or locked: conditions that pass by themselves."""
    if exc.connection_invalidated:
        return True
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError):
        return True
    text = str(exc.orig).lower()
    return any(w in text for w in ("disk", "full", "readonly", "read-only", "locked", "connection"))
