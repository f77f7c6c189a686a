"""A caller who goes away stops the work done for it: the gateway cancels the service's call, so an
engine never keeps summarizing (for up to its 600 s deadline) for nobody."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.conftest import gateway_client, new_key
from tests.gateway.recorded import Failure
from tests.gateway.texts import CHAT_QUESTION

BODIES = {
    "/v1/summarize": {"text": "A long meeting."},
    "/v1/analyze": {"text": "A long meeting.", "type": "action_items"},
    "/v1/generate": {"text": "A long meeting.", "type": "key_quotes"},
    "/v1/embed": {"texts": ["When should the floor plans be sent?"]},
}


async def _leave_while_served(
    settings: GatewaySettings,
    failure: Failure,
    route: str,
    body: dict[str, Any] | httpx.Request,
    key: str | None = None,
) -> list[int]:
    """Sends the request (a JSON body, or the body and content type of a prepared request) straight to
    the app, leaves once the service is working on it, and waits for the service to see its call
    cancelled. The statuses the app then answered."""
    failure.release = asyncio.Event()  # the service holds its answer until the test says
    if isinstance(body, httpx.Request):
        payload, content_type = body.read(), body.headers["content-type"].encode()
    else:
        payload, content_type = json.dumps(body).encode(), b"application/json"
    arriving = [{"type": "http.request", "body": payload, "more_body": False}]
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if arriving:
            return arriving.pop(0)
        await gone.wait()
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", content_type), (b"content-length", str(len(payload)).encode())]
    if key is not None:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": route, "raw_path": route.encode(), "root_path": "", "query_string": b"", "headers": headers,
        "client": ("10.7.0.1", 40_000), "server": ("gateway", 80),
    }  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        request = asyncio.create_task(app(scope, receive, send))
        await asyncio.wait_for(failure.held.wait(), timeout=60)  # the service is working on it
        gone.set()  # the caller leaves
        await asyncio.wait_for(failure.cancelled.wait(), timeout=60)
        await asyncio.wait_for(request, timeout=60)
    return [m["status"] for m in sent if m["type"] == "http.response.start"]


@pytest.mark.parametrize("route", list(BODIES))
async def test_the_services_call_is_cancelled_when_the_caller_leaves(
    gateway_settings: GatewaySettings, failure: Failure, route: str
) -> None:
    assert await _leave_while_served(gateway_settings, failure, route, BODIES[route]) == [499]
    assert failure.cancelled.is_set()


async def test_a_chat_answer_nobody_waits_for_is_cancelled(
    gateway_settings: GatewaySettings, failure: Failure, upload: Path
) -> None:
    async with gateway_client(gateway_settings) as client:
        key = await new_key(client, "leaving-chat@example.com")
        with upload.open("rb") as audio:
            made = await client.post(
                "/v1/transcribe",
                files={"file": ("call.wav", audio)},
                headers={"Authorization": f"Bearer {key}"},
            )
    route = f"/api/v1/transcripts/{made.json()['id']}/chat/"
    failure.hold_only = "Chat"  # the question's embedding is answered; the answer is held
    statuses = await _leave_while_served(gateway_settings, failure, route, {"question": CHAT_QUESTION}, key)
    assert statuses == [499] and failure.cancelled.is_set()


async def test_a_transcription_the_caller_left_is_stored_as_cancelled_and_costs_nothing(
    gateway_settings: GatewaySettings, failure: Failure, upload: Path
) -> None:
    async with gateway_client(gateway_settings) as client:
        key = await new_key(client, "leaving-upload@example.com")
        auth = {"Authorization": f"Bearer {key}"}
        before = (await client.get("/api/v1/account/", headers=auth)).json()["minutes_remaining"]
    form = httpx.Request(
        "POST", "http://gateway/v1/transcribe", files={"file": ("call.wav", upload.read_bytes())}
    )
    failure.hold_only = "Transcribe"
    statuses = await _leave_while_served(gateway_settings, failure, "/v1/transcribe", form, key)
    assert statuses == [499] and failure.cancelled.is_set()

    failure.reset()
    async with gateway_client(gateway_settings) as client:
        listed = (await client.get("/api/v1/transcripts/", headers=auth)).json()
        (entry,) = listed["results"]
        stored = (await client.get(f"/api/v1/transcripts/{entry['id']}/", headers=auth)).json()
        after = (await client.get("/api/v1/account/", headers=auth)).json()["minutes_remaining"]
    assert stored["status"] == "failed"
    assert stored["error"] == "the transcription was cancelled before it finished"
    assert after == before
