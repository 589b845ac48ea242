"""JSON error bodies ``{"error": {"code", "message", …}}`` for every failure the API returns.

Library errors (:class:`docproc.errors.DocprocError`) map onto their ``http_status`` (413 with the limit, 415,
422 with the reason); the service's own errors are :class:`ApiError`.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from docproc.errors import DocprocError

log = logging.getLogger("docproc.service")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "too_large", 415: "unsupported_format", 422: "invalid_request",
               429: "too_many_requests", 500: "internal_error", 501: "not_implemented", 503: "unavailable"}


class ApiError(Exception):
    """An error the API answers with: HTTP status, machine-readable code, message, extra fields."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers
        self.extra = {k: v for k, v in extra.items() if v is not None}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident!r} not found")


def get_or_404(session, model, ident: str, what: str):
    """The row of ``model`` with primary key ``ident``, or a 404 naming ``what`` (``document``, ``job``)."""
    row = session.get(model, ident)
    if row is None:
        raise not_found(what, ident)
    return row


def error_response(status: int, code: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse(ApiError(status, code, message, **extra).body(), status_code=status, headers=headers)


def docproc_error_body(e: DocprocError) -> dict:
    return {"error": e.to_dict()}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError):
        return JSONResponse(e.body(), status_code=e.status, headers=e.headers)

    @app.exception_handler(DocprocError)
    async def _docproc_error(request: Request, e: DocprocError):
        return JSONResponse(docproc_error_body(e), status_code=e.http_status or 500)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, e: RequestValidationError):
        details = []
        for err in e.errors():
            details.append({"loc": [str(x) for x in err.get("loc", ())], "message": str(err.get("msg", "")),
                            "type": str(err.get("type", ""))})
        msg = "; ".join(f"{'.'.join(d['loc'])}: {d['message']}" for d in details[:5]) or "invalid request"
        return error_response(422, "invalid_request", msg, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException):
        code = _HTTP_CODES.get(e.status_code, f"http_{e.status_code}")
        return error_response(e.status_code, code, str(e.detail), headers=getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, e: Exception):  # pragma: no cover - a bug somewhere
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", f"internal error: {type(e).__name__}")
