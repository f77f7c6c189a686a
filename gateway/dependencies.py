"""Typed dependency aliases for the routes: settings, service clients, storage, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.auth import Principal, authenticate
from gateway.clients.asr import AsrClient
from gateway.clients.embed import EmbedClient
from gateway.clients.llm import LlmClient
from gateway.credits import Credits
from gateway.errors import ApiError
from gateway.limits import Limits
from gateway.settings import GatewaySettings
from gateway.store.models import Account
from services.common.request_id import current_request_id


def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _asr(request: Request) -> AsrClient:
    return request.app.state.asr  # type: ignore[no-any-return]


def _embed(request: Request) -> EmbedClient:
    return request.app.state.embed  # type: ignore[no-any-return]


def _llm(request: Request) -> LlmClient:
    return request.app.state.llm  # type: ignore[no-any-return]


def _redis(request: Request) -> Redis:
    return request.app.state.redis  # type: ignore[no-any-return]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the route returns and rolls back when it raises."""
    async with request.app.state.sessions.begin() as session:
        yield session


def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """For work that outlives the request's own session (a streamed answer, work after the answer)."""
    return request.app.state.sessions  # type: ignore[no-any-return]


def _credits(request: Request) -> Credits:
    return request.app.state.credits  # type: ignore[no-any-return]


def _limits(request: Request) -> Limits:
    return request.app.state.limits  # type: ignore[no-any-return]


def _request_id() -> str:
    return current_request_id.get()


async def _principal(request: Request) -> Principal:
    return await authenticate(request, request.app.state.settings, request.app.state.limits)


async def _account(
    principal: Annotated[Principal, Depends(_principal)], session: Annotated[AsyncSession, Depends(_session)]
) -> Account:
    """The caller's account, loaded in the request's session, so a route that also takes that session
    changes this very object."""
    if principal.account_id is None:
        raise ApiError(401, "an API key is required: send 'Authorization: Bearer <API key>'")
    account = await session.get(Account, principal.account_id)
    if account is None:  # deleted since its key was cached
        raise ApiError(401, "invalid or revoked API key")
    return account


SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
AsrDep = Annotated[AsrClient, Depends(_asr)]
EmbedDep = Annotated[EmbedClient, Depends(_embed)]
LlmDep = Annotated[LlmClient, Depends(_llm)]
RedisDep = Annotated[Redis, Depends(_redis)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
CreditsDep = Annotated[Credits, Depends(_credits)]
LimitsDep = Annotated[Limits, Depends(_limits)]
RequestIdDep = Annotated[str, Depends(_request_id)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
AccountDep = Annotated[Account, Depends(_account)]
