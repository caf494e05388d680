"""One error envelope for every service, and the one error of the command line.

    ServiceError                      base: every error a service answers on purpose
    ├── InvalidRequest        400     the caller sent something we cannot use
    ├── NotFound              404
    ├── Conflict              409     the state does not allow this (already decided, slug taken)
    ├── TooManyRequests       429     too many attempts from one address; retry later
    ├── PayloadTooLarge       413
    ├── UnsupportedMedia      415
    ├── Unauthorized          401     no or unknown token
    ├── Forbidden             403     a token without the needed scope
    └── UpstreamError         502/503 a backend (Whisper, Ollama, Kokoro, ...) failed
        └── UpstreamUnavailable 503   not configured, unreachable or too slow
            └── DatabaseUnavailable   Postgres does not answer (also what psycopg's
                                      OperationalError and the pool's timeout are answered as)

    CommandError                      a `solo-brain` command cannot do what was asked (exit 2)

Text that Postgres cannot store (a NUL character, an unpaired surrogate) is answered as an
InvalidRequest, whichever route it reached the database through (`refused_data` also counts a
value over a column's limit, for work that must tell the input's fault from an outage).

Each service keeps its own subclasses in `<service>/errors.py` (one base class per upstream).
Each answer is `{"error": {"code": ..., "message": ..., **extra}}`. `extra` carries what the
caller needs to recover, e.g. the `audio_ref` of audio that was kept although Whisper was down,
or `configured: false` on a 503 whose backend setting is unset (a choice, not an outage).
"""

from __future__ import annotations

from typing import Any

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class CommandError(Exception):
    """A `solo-brain` command cannot do what was asked; the message says why."""


class ServiceError(Exception):
    """An error answered to the caller with a stable code and a clear message."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class InvalidRequest(ServiceError):
    """The request cannot be used as sent."""

    status_code = 400
    code = "invalid_request"


class Unauthorized(ServiceError):
    """No token, or a token nobody issued."""

    status_code = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    """A valid token without the scope this call needs."""

    status_code = 403
    code = "forbidden"


class NotFound(ServiceError):
    """The thing asked for does not exist."""

    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    """The change clashes with what is stored (already decided, a slug taken, still in use)."""

    status_code = 409
    code = "conflict"


class TooManyRequests(ServiceError):
    """Too many attempts from one caller; the answer says when to try again."""

    status_code = 429
    code = "too_many_requests"


class PayloadTooLarge(ServiceError):
    """The body is over the configured limit."""

    status_code = 413
    code = "payload_too_large"


class HeadersTooLarge(ServiceError):
    """The request's headers are over the limit (RFC 6585 431)."""

    status_code = 431
    code = "headers_too_large"


class UnsupportedMedia(ServiceError):
    """The upload is not a format we accept."""

    status_code = 415
    code = "unsupported_media"


class UpstreamError(ServiceError):
    """A backend answered with an error or with something unusable."""

    status_code = 502
    code = "upstream_error"


class UpstreamUnavailable(UpstreamError):
    """A backend is not configured, not reachable, or slower than its time limit."""

    status_code = 503
    code = "upstream_unavailable"


class DatabaseUnavailable(UpstreamUnavailable):
    """Postgres is down, unreachable or out of connections; the caller may retry shortly."""

    code = "database_unavailable"


def database_error(exc: Exception) -> ServiceError | None:
    """The answer for an exception raised by psycopg or its pool, None for any other."""
    if isinstance(exc, psycopg_pool.PoolTimeout | psycopg.OperationalError):
        return DatabaseUnavailable("the database does not answer; try again shortly")
    if isinstance(exc, psycopg.DataError | UnicodeEncodeError):
        return InvalidRequest(f"the database cannot store this text (NUL character?): {exc}")
    return None


def refused_data(exc: BaseException) -> InvalidRequest | None:
    """The InvalidRequest for data the database refuses to store, the input's fault and never
    worth a retry (a NUL character, an unpaired surrogate, a value over a column's limit, an
    argument a SQL function refuses); None for anything else, an outage above all."""
    if isinstance(exc, InvalidRequest):
        return exc
    if isinstance(exc, psycopg.errors.CheckViolation):
        return InvalidRequest(f"the database refuses a value as too long or out of range: {exc}")
    if isinstance(exc, psycopg.DataError | UnicodeEncodeError):
        error = database_error(exc)
        assert isinstance(error, InvalidRequest)
        return error
    return None


class ErrorBody(BaseModel):
    """The error envelope, as OpenAPI documents it: `{"error": {"code", "message", ...}}`."""

    error: dict[str, object]


def documented_errors(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status with the error envelope and what it means."""
    return {
        status: {"model": ErrorBody, "description": text} for status, text in descriptions.items()
    }


def document_common_errors(app: FastAPI) -> None:
    """OpenAPI: the answers every route may give, whatever its own `responses=` say.

    FastAPI documents a 422 for each route with parameters or a body; the services answer those
    as 400 `invalid_request` (see `install_error_handlers`), so the 422 becomes that 400. A route
    with a body may also get the 413 of `solo_brain.limits.BodyLimit`.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorBody", ErrorBody.model_json_schema())
        envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault(
                        "400", {"description": "invalid request", "content": envelope}
                    )
                if "requestBody" in operation:
                    responses.setdefault(
                        "413", {"description": "body over the limit", "content": envelope}
                    )
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """Map ServiceError, validation errors, database errors and plain HTTP errors to the one
    envelope (and document the answers every route may give)."""
    document_common_errors(app)

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    async def _database_error(_: Request, exc: Exception) -> JSONResponse:
        error = database_error(exc)
        if error is None:  # pragma: no cover - registered for database errors only
            raise exc
        return JSONResponse(error.body(), status_code=error.status_code)

    for kind in (psycopg_pool.PoolTimeout, psycopg.OperationalError, psycopg.DataError):
        app.add_exception_handler(kind, _database_error)
    app.add_exception_handler(UnicodeEncodeError, _database_error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg')}"
            for err in exc.errors()
        ]
        body = InvalidRequest("; ".join(problems) or "invalid request").body()
        body["error"]["details"] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()
        ]
        return JSONResponse(body, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
