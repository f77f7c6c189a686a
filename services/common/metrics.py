"""Prometheus metrics every gRPC service exports, and the decorator that records them per call and
answers a `ServiceError` with its status."""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import grpc
from prometheus_client import Counter, Histogram

from services.common.errors import ServiceError
from services.common.request_id import current_request_id, from_context

GRPC_REQUESTS = Counter(
    "stt_grpc_requests_total", "gRPC calls handled, by method and status code", ["method", "code"]
)
GRPC_LATENCY = Histogram(
    "stt_grpc_request_seconds",
    "Time to handle a gRPC call",
    ["method"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])
StreamHandler = TypeVar("StreamHandler", bound=Callable[..., AsyncIterator[Any]])


@contextmanager
def _recorded(method: str, context: grpc.aio.ServicerContext) -> Iterator[None]:
    """Binds the caller's request id to the logs, then counts and times the call by its status code."""
    current_request_id.set(from_context(context))
    started = time.perf_counter()
    code = "OK"
    try:
        yield
    except BaseException:
        status = context.code()
        code = status.name if isinstance(status, grpc.StatusCode) else "UNKNOWN"
        raise
    finally:
        GRPC_REQUESTS.labels(method, code).inc()
        GRPC_LATENCY.labels(method).observe(time.perf_counter() - started)


def observed(method: str) -> Callable[[Handler], Handler]:
    """Wraps a servicer method: request id in the logs, calls counted and timed, and a `ServiceError`
    answered with its own status."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            with _recorded(method, context):
                try:
                    return await handler(self, request, context)
                except ServiceError as exc:
                    await context.abort(exc.status, str(exc))

        return wrapper  # type: ignore[return-value]

    return decorate


def observed_stream(method: str) -> Callable[[StreamHandler], StreamHandler]:
    """`observed` for a method that answers with a stream: the time is the stream's whole life."""

    def decorate(handler: StreamHandler) -> StreamHandler:
        @functools.wraps(handler)
        async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            with _recorded(method, context):
                try:
                    async for answer in handler(self, request, context):
                        yield answer
                except ServiceError as exc:
                    await context.abort(exc.status, str(exc))

        return wrapper  # type: ignore[return-value]

    return decorate
