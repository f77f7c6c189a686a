"""Typed dependency aliases for the routes: settings, service clients, storage, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway import tiers
from gateway.auth import Principal, authenticate
from gateway.clients.asr import AsrClient
from gateway.clients.audio import AudioClient
from gateway.clients.embed import EmbedClient
from gateway.clients.llm import LlmClient
from gateway.clients.translate import TranslateClient
from gateway.clients.tts import TtsClient
from gateway.credits import Credits
from gateway.disconnect import unless_disconnected
from gateway.errors import ApiError
from gateway.limits import Limits
from gateway.settings import GatewaySettings
from gateway.state import GatewayState, state_of
from gateway.store.models import Account
from services.common.request_id import current_request_id

T = TypeVar("T")


def _state(request: Request) -> GatewayState:
    return state_of(request)


StateDep = Annotated[GatewayState, Depends(_state)]


def _settings(state: StateDep) -> GatewaySettings:
    return state.settings


def _asr(state: StateDep) -> AsrClient:
    return state.asr


def _audio(state: StateDep) -> AudioClient:
    return state.audio


def _embed(state: StateDep) -> EmbedClient:
    return state.embed


def _translate(state: StateDep) -> TranslateClient:
    return state.translate


def _tts(state: StateDep) -> TtsClient:
    return state.tts


def _llm(state: StateDep) -> LlmClient:
    return state.llm


def _redis(state: StateDep) -> Redis:
    return state.redis


async def _session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the route returns and rolls back when it raises,
    before the answer leaves (`scope="function"` on SessionDep): a 201 names only what is stored, and
    a commit that fails is the caller's error, not a lost write behind a success."""
    async with state.sessions.begin() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def _sessions(state: StateDep) -> async_sessionmaker[AsyncSession]:
    """For work that outlives the request's own session (a streamed answer, work after the answer)."""
    return state.sessions


def _credits(state: StateDep) -> Credits:
    return state.credits


def _limits(state: StateDep) -> Limits:
    return state.limits


class Watched:
    """Awaits a service's work for this request, cancelling the call if the client goes away first: an
    engine never keeps working for a caller who left (`disconnect.py`)."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def __call__(self, work: Awaitable[T]) -> T:
        return await unless_disconnected(self._request, work)


def _request_id() -> str:
    return current_request_id.get()


async def _principal(request: Request, state: StateDep) -> Principal:
    return await authenticate(request, state)


@asynccontextmanager
async def text_request(principal: Principal, state: GatewayState) -> AsyncIterator[None]:
    """The caller's share of the text, embedding and translation engines: one of its tier's requests
    of the day (UTC), and one of its tier's concurrent slots while the work runs; 429 with Retry-After
    past either. A route whose work is only sometimes needed (a translated export) takes it then."""
    tier = tiers.tier(principal.tier, state.settings)
    now = datetime.now(UTC)
    refusal = f"the {tier.name} tier's {tier.daily_text_requests} text requests a day are used up"
    if principal.account_id is None:
        refusal += "; sign up for an API key"
    until_midnight = max(1, int((tiers.next_midnight(now) - now).total_seconds()))
    day = f"{principal.subject}:{now:%Y-%m-%d}"
    await state.limits.hit("text", day, tier.daily_text_requests, until_midnight, refusal)
    async with state.limits.lease(principal.subject, tier.concurrency):
        yield


async def _metered(
    principal: Annotated[Principal, Depends(_principal)], state: StateDep
) -> AsyncIterator[Principal]:
    async with text_request(principal, state):
        yield principal


async def _account(principal: Annotated[Principal, Depends(_principal)], session: SessionDep) -> Account:
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
AudioDep = Annotated[AudioClient, Depends(_audio)]
EmbedDep = Annotated[EmbedClient, Depends(_embed)]
LlmDep = Annotated[LlmClient, Depends(_llm)]
TranslateDep = Annotated[TranslateClient, Depends(_translate)]
TtsDep = Annotated[TtsClient, Depends(_tts)]
RedisDep = Annotated[Redis, Depends(_redis)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
CreditsDep = Annotated[Credits, Depends(_credits)]
LimitsDep = Annotated[Limits, Depends(_limits)]
RequestIdDep = Annotated[str, Depends(_request_id)]
WatchedDep = Annotated[Watched, Depends(Watched)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
MeteredDep = Annotated[Principal, Depends(_metered, scope="function")]
AccountDep = Annotated[Account, Depends(_account)]
