"""The gateway's app factory: routes, error handling, request context, and the service clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from gateway.clients.asr import AsrClient
from gateway.errors import install_error_handlers
from gateway.middleware import RequestContextMiddleware
from gateway.routes import health, models, transcribe
from gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.asr = AsrClient(
            settings.asr_address,
            chunk_bytes=settings.upload_chunk_bytes,
            info_timeout_s=settings.info_timeout_s,
        )
        app.state.redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            yield
        finally:
            await app.state.asr.close()
            await app.state.redis.aclose()

    app = FastAPI(
        title="Speech AI platform",
        version="0.1.0",
        summary="Self-hosted speech to text: transcription, models, health",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    for module in (transcribe, models, health):
        app.include_router(module.router)
    return app
