"""Every gRPC status a service can answer becomes one HTTP error, the same on every route: the clients
map it (`gateway/clients/service.py` with `gateway/errors.py`), the routes never do."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import pytest

from tests.gateway.conftest import new_key
from tests.gateway.recorded import Failure

# status, HTTP status, what the message says (the service's details where the caller can act on them)
MAPPED = [
    (grpc.StatusCode.INVALID_ARGUMENT, 400, "the details"),
    (grpc.StatusCode.OUT_OF_RANGE, 413, "the details"),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, 429, "the details"),
    (grpc.StatusCode.UNAVAILABLE, 503, "service is unavailable; try again shortly"),
    (grpc.StatusCode.DEADLINE_EXCEEDED, 504, "service did not answer in time"),
    (grpc.StatusCode.DATA_LOSS, 502, "the details"),
    (grpc.StatusCode.INTERNAL, 500, "service failed"),
]
RETRY_AFTER = {429, 503}


async def _call(client: httpx.AsyncClient, route: str, upload: Path) -> httpx.Response:
    if route == "/v1/transcribe":
        with upload.open("rb") as audio:
            return await client.post(route, files={"file": ("call.wav", audio, "audio/wav")})
    if route == "/v1/models":
        return await client.get(route)
    body = {"texts": ["hello"]} if route == "/v1/embed" else {"text": "hello", "type": "sentiment"}
    return await client.post(route, json=body)


@pytest.mark.parametrize(("status", "http_status", "message"), MAPPED, ids=[m[0].name for m in MAPPED])
@pytest.mark.parametrize(
    ("route", "service"),
    [("/v1/transcribe", "ASR"), ("/v1/models", "ASR"), ("/v1/analyze", "language model"),
     ("/v1/embed", "embedding")],
)  # fmt: skip
async def test_each_status_is_one_http_error_on_every_route(
    client: httpx.AsyncClient, failure: Failure, upload: Path,
    status: grpc.StatusCode, http_status: int, message: str, route: str, service: str,
) -> None:  # fmt: skip
    failure.status, failure.details = status, "the details"
    answer = await _call(client, route, upload)
    assert answer.status_code == http_status
    error = answer.json()["error"]
    assert message in error
    if message != "the details":
        assert f"the {service} service" in error  # the client names its service
    assert ("Retry-After" in answer.headers) == (http_status in RETRY_AFTER)
    if http_status == 503:
        assert answer.headers["Retry-After"] == "7"  # the gateway's setting, not a constant


async def test_a_failed_transcription_costs_nothing_and_is_kept_as_failed(
    client: httpx.AsyncClient, failure: Failure, upload: Path
) -> None:
    key = await new_key(client, "failed@example.com")
    auth = {"Authorization": f"Bearer {key}"}
    before = (await client.get("/api/v1/account/", headers=auth)).json()
    failure.status, failure.details = grpc.StatusCode.UNAVAILABLE, ""
    with upload.open("rb") as audio:
        answer = await client.post("/v1/transcribe", files={"file": ("call.wav", audio)}, headers=auth)
    assert answer.status_code == 503
    after = (await client.get("/api/v1/account/", headers=auth)).json()
    assert after["minutes_remaining"] == before["minutes_remaining"]
    listed = (await client.get("/api/v1/transcripts/", headers=auth)).json()["results"]
    assert [t["status"] for t in listed] == ["failed"]
