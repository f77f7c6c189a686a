"""Typed dependency aliases for the routes: settings, service clients, storage, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

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
from services.common.messages import field_names
from services.common.request_id import current_request_id

T = TypeVar("T")


def _state(request: Request) -> GatewayState:
    return state_of(request)


StateDep = Annotated[GatewayState, Depends(_state)]


def _part(name: str) -> Callable[[GatewayState], Any]:
    """A dependency handing a route the part of the gateway's state of that name."""
    if name not in field_names(GatewayState):
        raise ValueError(f"the gateway's state has no {name!r}")

    def part(state: StateDep) -> Any:
        return getattr(state, name)

    return part


async def _session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the route returns and rolls back when it raises,
    before the answer leaves (`scope="function"` on SessionDep): a 201 names only what is stored, and
    a commit that fails is the caller's error, not a lost write behind a success."""
    async with state.sessions.begin() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


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


SettingsDep = Annotated[GatewaySettings, Depends(_part("settings"))]
AsrDep = Annotated[AsrClient, Depends(_part("asr"))]
AudioDep = Annotated[AudioClient, Depends(_part("audio"))]
EmbedDep = Annotated[EmbedClient, Depends(_part("embed"))]
LlmDep = Annotated[LlmClient, Depends(_part("llm"))]
TranslateDep = Annotated[TranslateClient, Depends(_part("translate"))]
TtsDep = Annotated[TtsClient, Depends(_part("tts"))]
RedisDep = Annotated[Redis, Depends(_part("redis"))]
# For work that outlives the request's own session (a streamed answer, work after the answer).
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(_part("sessions"))]
CreditsDep = Annotated[Credits, Depends(_part("credits"))]
LimitsDep = Annotated[Limits, Depends(_part("limits"))]
RequestIdDep = Annotated[str, Depends(_request_id)]
WatchedDep = Annotated[Watched, Depends(Watched)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
MeteredDep = Annotated[Principal, Depends(_metered, scope="function")]
AccountDep = Annotated[Account, Depends(_account)]
