"""Everything the gateway holds for its lifetime, typed, in one object: built when the app starts,
closed when it stops, and reached by routes through the dependency aliases (`dependencies.py`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import cast

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from gateway.clients.asr import AsrClient
from gateway.clients.audio import AudioClient
from gateway.clients.embed import EmbedClient
from gateway.clients.llm import LlmClient
from gateway.clients.service import CallLimits
from gateway.clients.translate import TranslateClient
from gateway.clients.tts import TtsClient
from gateway.credits import Credits
from gateway.limits import Limits
from gateway.settings import GatewaySettings
from gateway.store.database import create_engine, migrate, session_factory


@dataclass(frozen=True)
class GatewayState:
    settings: GatewaySettings
    asr: AsrClient
    audio: AudioClient
    embed: EmbedClient
    llm: LlmClient
    translate: TranslateClient
    tts: TtsClient
    redis: Redis
    database: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    credits: Credits
    limits: Limits
    jobs_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when this gateway queues a job, so its own job runner starts it without waiting to poll."""

    @classmethod
    async def open(cls, settings: GatewaySettings) -> GatewayState:
        """Clients of every service and store; the database is migrated to the current schema first."""

        def limits(timeout_s: float) -> CallLimits:
            return CallLimits(timeout_s, settings.info_timeout_s, settings.retry_after_s)

        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_s,
            socket_connect_timeout=settings.redis_timeout_s,
        )
        await asyncio.to_thread(migrate, settings.sql_url)
        database = create_engine(settings.sql_url)
        sessions = session_factory(database)
        return cls(
            settings=settings,
            asr=AsrClient(
                settings.asr_address,
                limits(settings.transcribe_timeout_s),
                chunk_bytes=settings.upload_chunk_bytes,
            ),
            audio=AudioClient(
                settings.audio_address,
                limits(settings.enhance_timeout_s),
                chunk_bytes=settings.upload_chunk_bytes,
            ),
            embed=EmbedClient(settings.embed_address, limits(settings.embed_timeout_s)),
            llm=LlmClient(settings.llm_address, limits(settings.llm_timeout_s)),
            translate=TranslateClient(settings.translate_address, limits(settings.translate_timeout_s)),
            tts=TtsClient(settings.tts_address, limits(settings.tts_timeout_s)),
            redis=redis,
            database=database,
            sessions=sessions,
            credits=Credits(redis, sessions, settings.quota_cache_ttl_s),
            limits=Limits(redis, settings.lease_ttl_s, settings.busy_retry_after_s),
        )

    async def close(self) -> None:
        for client in (self.asr, self.audio, self.embed, self.llm, self.translate, self.tts):
            await client.close()
        await self.redis.aclose()
        await self.database.dispose()


def state_of(connection: HTTPConnection) -> GatewayState:
    """The running gateway's state, from any request or WebSocket."""
    return cast(GatewayState, connection.app.state.gateway)
