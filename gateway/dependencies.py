"""Typed dependency aliases for the routes: settings, service clients, the request id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from gateway.clients.asr import AsrClient
from gateway.settings import GatewaySettings
from services.common.request_id import current_request_id


def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _asr(request: Request) -> AsrClient:
    return request.app.state.asr  # type: ignore[no-any-return]


def _redis(request: Request) -> Redis:
    return request.app.state.redis  # type: ignore[no-any-return]


def _request_id() -> str:
    return current_request_id.get()


SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
AsrDep = Annotated[AsrClient, Depends(_asr)]
RedisDep = Annotated[Redis, Depends(_redis)]
RequestIdDep = Annotated[str, Depends(_request_id)]
