"""The gateway's app factory: routes, error handling, request context, and the service clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from redis.asyncio import Redis

from gateway.clients.asr import AsrClient
from gateway.clients.embed import EmbedClient
from gateway.clients.llm import LlmClient
from gateway.credits import Credits
from gateway.errors import install_error_handlers
from gateway.limits import Limits
from gateway.middleware import RequestContextMiddleware
from gateway.routes import (
    account,
    analyze,
    embed,
    generate,
    health,
    models,
    stream,
    summarize,
    transcribe,
    transcript_intelligence,
    transcripts,
)
from gateway.settings import GatewaySettings
from gateway.store.database import create_engine, migrate, session_factory
from gateway.store.models import utcnow

log = logging.getLogger(__name__)


async def _release_stale_holds(credits: Credits, settings: GatewaySettings) -> None:
    """Refunds holds older than the longest possible request: their gateway died mid-request."""
    horizon = timedelta(seconds=settings.stale_hold_after_s or settings.transcribe_timeout_s + 600)
    while True:
        try:
            await credits.release_stale(utcnow() - horizon)
        except Exception:
            log.exception("could not release stale holds; will try again")
        await asyncio.sleep(300)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.asr = AsrClient(
            settings.asr_address,
            chunk_bytes=settings.upload_chunk_bytes,
            info_timeout_s=settings.info_timeout_s,
        )
        app.state.embed = EmbedClient(
            settings.embed_address, timeout_s=settings.embed_timeout_s, info_timeout_s=settings.info_timeout_s
        )
        app.state.llm = LlmClient(
            settings.llm_address, timeout_s=settings.llm_timeout_s, info_timeout_s=settings.info_timeout_s
        )
        app.state.redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        await asyncio.to_thread(migrate, settings.sql_url)
        engine = create_engine(settings.sql_url)
        app.state.sessions = session_factory(engine)
        app.state.credits = Credits(app.state.redis, app.state.sessions, settings.quota_cache_ttl_s)
        app.state.limits = Limits(app.state.redis, settings.lease_ttl_s, settings.busy_retry_after_s)
        sweeper = asyncio.create_task(_release_stale_holds(app.state.credits, settings))
        try:
            yield
        finally:
            sweeper.cancel()
            await app.state.asr.close()
            await app.state.embed.close()
            await app.state.llm.close()
            await app.state.redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Speech AI platform",
        version="0.1.0",
        summary="Self-hosted speech to text: transcription, models, health",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    routers = (
        transcribe, stream, summarize, analyze, generate, embed, models, health, account, transcripts,
        transcript_intelligence,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    return app
