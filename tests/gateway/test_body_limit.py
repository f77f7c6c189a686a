"""Bodies that are not uploads are capped while they arrive: 413 with the API's error, never a gRPC
message that is too large for a service (which answered `429 "CLIENT: Sent message larger than max"`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.settings import GatewaySettings
from tests.gateway.conftest import gateway_client

JSON_ROUTES = ["/v1/summarize", "/v1/analyze", "/v1/generate", "/v1/embed", "/api/v1/signup/"]


async def test_the_default_cap_answers_413_not_a_grpc_error(client: httpx.AsyncClient) -> None:
    body = '{"text": "' + "word " * (9 * 1024**2 // 5) + '"}'  # 9 MB: over 8 MB
    answer = await client.post("/v1/summarize", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    expected = "the request body is over 8388608 bytes, the most a JSON request may send"
    assert answer.json() == {"error": expected}


@pytest.mark.parametrize("route", JSON_ROUTES)
async def test_a_declared_length_over_the_cap_is_refused_at_once(
    gateway_settings: GatewaySettings, route: str
) -> None:
    async with gateway_client(gateway_settings.model_copy(update={"max_json_bytes": 4096})) as client:
        answer = await client.post(route, content=b"x" * 4097, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert "4096 bytes" in answer.json()["error"]


@pytest.mark.parametrize("route", JSON_ROUTES)
async def test_a_chunked_body_is_refused_at_the_chunk_that_passes_the_cap(
    gateway_settings: GatewaySettings, route: str
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(100):
            sent.append(1024)
            yield b"a" * 1024
        yield b'"}'

    async with gateway_client(gateway_settings.model_copy(update={"max_json_bytes": 4096})) as client:
        answer = await client.post(route, content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert "content-length" not in answer.request.headers  # nothing declared: counted as it came
    assert len(sent) < 10  # refused near the cap, not after the whole body


async def test_a_body_under_the_cap_is_served(gateway_settings: GatewaySettings) -> None:
    async with gateway_client(gateway_settings.model_copy(update={"max_json_bytes": 4096})) as client:
        answer = await client.post("/v1/embed", json={"texts": ["When should the floor plans be sent?"]})
    assert answer.status_code == 200, answer.text
