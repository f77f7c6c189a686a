"""Text and embedding requests are metered: each tier has its requests a day and its concurrent slots,
anonymous callers the fewest; past either, 429 with Retry-After."""

from __future__ import annotations

import asyncio

import pytest

from gateway.settings import GatewaySettings
from tests.gateway.conftest import gateway_client, new_key
from tests.gateway.recorded import Failure

ROUTES = {
    "/v1/summarize": {"text": "A short meeting."},
    "/v1/analyze": {"text": "A short meeting.", "type": "sentiment"},
    "/v1/generate": {"text": "A short meeting.", "type": "key_quotes"},
    "/v1/embed": {"texts": ["When should the floor plans be sent?"]},
}


@pytest.mark.parametrize("route", list(ROUTES))
async def test_the_anonymous_days_text_requests_end_with_429(
    gateway_settings: GatewaySettings, route: str
) -> None:
    settings = gateway_settings.model_copy(update={"anonymous_daily_text_requests": 2})
    async with gateway_client(settings) as client:
        served = [(await client.post(route, json=ROUTES[route])).status_code for _ in range(2)]
        refused = await client.post(route, json=ROUTES[route])
    assert served == [200, 200]
    assert refused.status_code == 429
    assert "2 text requests a day" in refused.json()["error"]
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400  # until midnight, UTC


async def test_a_keyed_caller_counts_against_its_own_tier(gateway_settings: GatewaySettings) -> None:
    settings = gateway_settings.model_copy(
        update={"anonymous_daily_text_requests": 1, "free_daily_text_requests": 3}
    )
    async with gateway_client(settings) as client:
        auth = {"Authorization": f"Bearer {await new_key(client, 'text-quota@example.com')}"}
        codes = [(await client.post("/v1/summarize", json=ROUTES["/v1/summarize"], headers=auth)).status_code
                 for _ in range(4)]  # fmt: skip
    assert codes == [200, 200, 200, 429]


async def test_concurrent_text_requests_past_the_tiers_slots_are_429(
    gateway_settings: GatewaySettings, failure: Failure
) -> None:
    failure.release = asyncio.Event()  # the first request holds its slot while the service works
    async with gateway_client(gateway_settings) as client:  # anonymous: one at a time
        first = asyncio.create_task(client.post("/v1/summarize", json=ROUTES["/v1/summarize"]))
        await asyncio.wait_for(failure.held.wait(), timeout=60)
        second = await client.post("/v1/summarize", json=ROUTES["/v1/summarize"])
        failure.release.set()
        assert (await first).status_code == 200
    assert second.status_code == 429
    assert "at most 1 at a time" in second.json()["error"] and second.headers["Retry-After"]
