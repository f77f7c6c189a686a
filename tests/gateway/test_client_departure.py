"""A caller who goes away stops the work done for it: the gateway cancels the service's call, so an
engine never keeps summarizing (for up to its 600 s deadline) for nobody."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.recorded import Failure

BODIES = {
    "/v1/summarize": {"text": "A long meeting."},
    "/v1/analyze": {"text": "A long meeting.", "type": "action_items"},
    "/v1/generate": {"text": "A long meeting.", "type": "key_quotes"},
    "/v1/embed": {"texts": ["When should the floor plans be sent?"]},
}


@pytest.mark.parametrize("route", list(BODIES))
async def test_the_services_call_is_cancelled_when_the_caller_leaves(
    gateway_settings: GatewaySettings, failure: Failure, route: str
) -> None:
    failure.release = asyncio.Event()  # the service holds its answer until the test says
    body = json.dumps(BODIES[route]).encode()
    arriving = [{"type": "http.request", "body": body, "more_body": False}]
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if arriving:
            return arriving.pop(0)
        await gone.wait()
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": route, "raw_path": route.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("10.7.0.1", 40_000), "server": ("gateway", 80),
    }  # fmt: skip
    app = create_app(gateway_settings)
    async with app.router.lifespan_context(app):
        request = asyncio.create_task(app(scope, receive, send))
        await asyncio.wait_for(failure.held.wait(), timeout=60)  # the service is working on it
        gone.set()  # the caller leaves
        await asyncio.wait_for(failure.cancelled.wait(), timeout=60)
        await asyncio.wait_for(request, timeout=60)
    assert failure.cancelled.is_set()
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
