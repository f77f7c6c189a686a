"""Per-request context as plain ASGI middleware: the `X-Request-ID` (taken from the caller when it is
sane, made otherwise, always sent back), an access log line, and the HTTP metrics."""

from __future__ import annotations

import logging
import re
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.request_id import current_request_id, new_request_id

log = logging.getLogger("gateway.access")

HTTP_REQUESTS = Counter("stt_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "stt_http_request_seconds",
    "Time from request to the end of the answer",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _incoming_request_id(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_REQUEST_ID.match(candidate):
                return candidate
    return new_request_id()


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        answered = False

        def record() -> None:
            """Once, when the answer has been sent: work that runs after it (a response's background
            task, such as embedding a finished transcript) is not the caller's wait."""
            nonlocal answered
            if answered:
                return
            answered = True
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            method = scope.get("method", "WS")
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            log.info("%s %s %s %.1f ms", method, scope.get("path"), status, elapsed * 1000)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif message["type"] == "websocket.accept":
                status = 101
            await send(message)
            if message["type"] == "websocket.close" or (
                message["type"] == "http.response.body" and not message.get("more_body", False)
            ):
                record()

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            record()
