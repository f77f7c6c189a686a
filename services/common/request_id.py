"""The request id that travels from the gateway's `X-Request-ID` header to every service in gRPC metadata."""

from __future__ import annotations

import contextvars
import uuid

import grpc

METADATA_KEY = "x-request-id"

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def new_request_id() -> str:
    return uuid.uuid4().hex


def outgoing_metadata(request_id: str) -> tuple[tuple[str, str], ...]:
    return ((METADATA_KEY, request_id),)


def from_context(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == METADATA_KEY:
            return str(value)
    return "-"
