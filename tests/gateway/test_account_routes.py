"""The account routes in the fast tier: what a route writes is stored before its answer leaves, so a
caller holding a 201 can use what it names at once (a key, a preference)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.app import create_app
from gateway.settings import GatewaySettings


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
