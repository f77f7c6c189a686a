"""The account routes in the fast tier: what a route writes is stored before its answer leaves, so a
caller holding a 201 can use what it names at once; what an account can grow is bounded."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.conftest import gateway_client, new_key


@asynccontextmanager
async def _watched(settings: GatewaySettings, seen: list[set[str]]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app that notes, the moment each answer starts to leave, which accounts another
    connection to the database can see: what is committed then, and nothing still in flight."""
    app = create_app(settings)
    database = settings.data_dir / "stt.db"

    async def watching(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                with sqlite3.connect(database) as other:
                    seen.append({row[0] for row in other.execute("SELECT email FROM accounts")})
            await send(message)

        await app(scope, receive, watched_send)

    transport = httpx.ASGITransport(app=watching, client=("10.9.0.1", 40_000))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=transport, base_url="http://gateway"
    ) as client:  # fmt: skip
        yield client


async def test_a_signup_is_stored_before_it_is_answered(gateway_settings: GatewaySettings) -> None:
    seen: list[set[str]] = []
    async with _watched(gateway_settings, seen) as client:
        answer = await client.post("/api/v1/signup/", json={"email": "committed@example.com"})
        assert answer.status_code == 201, answer.text
        assert "committed@example.com" in seen[-1]
        key = answer.json()["api_key"]
        account = await client.get("/api/v1/account/", headers={"Authorization": f"Bearer {key}"})
        assert account.status_code == 200


async def test_an_account_holds_a_bounded_number_of_keys(gateway_settings: GatewaySettings) -> None:
    async with gateway_client(gateway_settings.model_copy(update={"max_live_keys": 3})) as client:
        auth = {"Authorization": f"Bearer {await new_key(client, 'many-keys@example.com')}"}
        made = [await client.post("/api/v1/keys/", headers=auth) for _ in range(2)]
        assert [k.status_code for k in made] == [201, 201]
        refused = await client.post("/api/v1/keys/", headers=auth)
        assert refused.status_code == 409 and "revoke one first" in refused.json()["error"]
        revoked = await client.delete(f"/api/v1/keys/{made[0].json()['key']['id']}/", headers=auth)
        assert revoked.status_code == 204
        assert (
            await client.post("/api/v1/keys/", headers=auth)
        ).status_code == 201  # revoked keys do not count


async def test_email_preferences_are_bounded(client: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {await new_key(client, 'prefs@example.com')}"}
    many = {f"topic_{n}": True for n in range(21)}
    too_many = await client.put("/api/v1/account/", json={"email_preferences": many}, headers=auth)
    assert too_many.status_code == 413
    long_name = await client.put(
        "/api/v1/account/", json={"email_preferences": {"x" * 65: True}}, headers=auth
    )
    assert long_name.status_code == 413
    fine = await client.put(
        "/api/v1/account/", json={"email_preferences": {"usage_alerts": False}}, headers=auth
    )
    assert fine.status_code == 200 and fine.json()["email_preferences"]["usage_alerts"] is False
