"""The one place that turns failures into the error JSON of the API: `{"error": "..."}` with the right
status, never a stack trace or HTML. gRPC status codes from the services map to HTTP here too (the
service clients call `from_grpc`), and `api_error_of` is the one mapping of any other failure, shared by
the HTTP handlers and the WebSocket stream."""

from __future__ import annotations

import logging
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.OUT_OF_RANGE: 413,  # input over a configured maximum
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.DATA_LOSS: 502,  # the LLM's answer stayed malformed: the engine behind us failed
}


def from_grpc(error: grpc.aio.AioRpcError, service: str, retry_after_s: int) -> ApiError:
    code = error.code()
    if code == grpc.StatusCode.UNIMPLEMENTED:  # nothing installed for this work: the service says what
        return ApiError(503, error.details() or f"the {service} service has no model installed")
    status = GRPC_TO_HTTP.get(code, 500)
    if status == 503:
        return ApiError(
            503,
            f"the {service} service is unavailable; try again shortly",
            {"Retry-After": str(retry_after_s)},
        )
    if status == 429:
        return ApiError(
            429, error.details() or f"the {service} service is busy", {"Retry-After": str(retry_after_s)}
        )
    if status == 504:
        return ApiError(504, f"the {service} service did not answer in time")
    if status == 502:
        return ApiError(502, error.details() or f"the {service} service gave a malformed answer")
    if status == 500:
        log.error("%s service failed: %s %s", service, code.name, error.details())
        return ApiError(500, f"the {service} service failed")
    return ApiError(status, error.details() or code.name.lower())


def api_error_of(exc: BaseException, where: str, retry_after_s: int) -> ApiError:
    """The API's error for any failure on the way: itself for an `ApiError`, 503 with Retry-After for a
    store that failed (Redis: limits, leases, quota cache; or the SQL database), otherwise a logged 500
    that says no more than that `where` failed."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, RedisError | OperationalError):
        store = "the limits store (Redis)" if isinstance(exc, RedisError) else "the database"
        log.error("%s failed: %s", store, exc)
        return ApiError(
            503, f"{store} is unavailable; try again shortly", {"Retry-After": str(retry_after_s)}
        )
    log.error("unhandled error in %s", where, exc_info=exc)
    return ApiError(500, "internal server error")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


_OPENAI_PATHS = "/v1/audio/"
_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "insufficient_quota",
                 404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error"}  # fmt: skip


def openai_error_body(error: ApiError) -> dict[str, Any]:
    """OpenAI's error object, which its clients parse (in an answer's `error`, or in a stream's event)."""
    kind = _OPENAI_TYPES.get(error.status, "server_error" if error.status >= 500 else "invalid_request_error")
    return {"message": error.message, "type": kind, "param": None, "code": None}


def _shaped(request: Request, status: int, message: str, headers: dict[str, str] | None) -> JSONResponse:
    """Our `{"error": "..."}`, or on the OpenAI-compatible routes OpenAI's own error object."""
    if not request.url.path.startswith(_OPENAI_PATHS):
        return error_response(status, message, headers)
    body = {"error": openai_error_body(ApiError(status, message))}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "invalid request: " + "; ".join(problems)


def install_error_handlers(app: FastAPI, retry_after_s: int) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _shaped(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"not found: {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return _shaped(request, exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _shaped(request, 400, _validation_message(exc), None)

    @app.exception_handler(RedisError)
    @app.exception_handler(OperationalError)
    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception) -> JSONResponse:
        error = api_error_of(exc, f"{request.method} {request.url.path}", retry_after_s)
        return _shaped(request, error.status, error.message, error.headers)
