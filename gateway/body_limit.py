"""A cap on request bodies that are not uploads, checked while the body arrives: a declared length over
it is refused before a byte is read, and a chunked body is refused at the chunk that passes it. Uploads
(multipart, `/v1/transcribe`) have their tier's limits in `uploads.py` instead.

The cap sits far below the gRPC message limit (`services/common/grpc_server.py`), so no body that
passes it can make a call to a service too large to send."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import error_response


def _refusal(limit: int) -> JSONResponse:
    return error_response(413, f"the request body is over {limit} bytes, the most a JSON request may send")


def _is_upload(scope: Scope) -> bool:
    for key, value in scope.get("headers", ()):
        if key == b"content-type":
            return value.lower().startswith(b"multipart/form-data")
    return False


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length" and value.isdigit():
            return int(value)
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refusal(self.max_bytes)(scope, receive, send)
            return
        received = 0
        started = answered = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not answered:  # once the 413 is out, the app's own answer to the cut body is dropped
                started = True
                await send(message)

        async def counted() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not started:
                    await _refusal(self.max_bytes)(scope, receive, send)
                    answered = True
                    return {"type": "http.disconnect"}  # the app stops reading: the caller has gone
            return message

        await self.app(scope, counted, guarded_send)
