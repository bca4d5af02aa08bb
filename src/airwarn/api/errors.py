"""Every error becomes a JSON body that says what is wrong and where; nothing becomes a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from airwarn.errors import AirwarnError

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
            log.error("operational error: %s", exc.message)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

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
