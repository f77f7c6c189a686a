"""The gateway's app factory: routes, error handling, request context, and the service clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from gateway.body_limit import BodyLimitMiddleware
from gateway.credits import Credits
from gateway.errors import install_error_handlers
from gateway.jobs.runner import JobRunner
from gateway.middleware import RequestContextMiddleware
from gateway.routes import (
    account,
    embed,
    enhance,
    health,
    models,
    openai_audio,
    stream,
    text,
    transcribe,
    transcript_intelligence,
    transcript_jobs,
    transcripts,
    translate,
    tts,
    web,
)
from gateway.settings import GatewaySettings
from gateway.state import GatewayState
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
        await asyncio.sleep(settings.stale_hold_sweep_s)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await GatewayState.open(settings)
        app.state.gateway = state
        sweeper = asyncio.create_task(_release_stale_holds(state.credits, settings))
        runner = JobRunner(state)
        jobs = asyncio.create_task(runner.run())
        try:
            yield
        finally:
            sweeper.cancel()
            jobs.cancel()
            await runner.stop()
            await state.close()

    app = FastAPI(
        title="Speech AI platform",
        version="0.1.0",
        summary="Self-hosted speech to text: transcription, models, health",
        lifespan=lifespan,
    )
    install_error_handlers(app, settings.retry_after_s)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_json_bytes)
    app.add_middleware(RequestContextMiddleware)
    routers = (
        transcribe, openai_audio, stream, enhance, tts, text, embed, translate,
        models, health, account, transcript_jobs, transcripts, transcript_intelligence, web,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    web.mount_page(app)
    return app
