"""The one way a service process starts: a service names its parts (settings, servicer, runtime) and
the runner does the rest (logging, the gRPC server with health and reflection, metrics, loading the
models before SERVING, a graceful stop on SIGINT/SIGTERM, then the service's own clean-up).

Adding a service is its settings, its engine (the runtime), its servicer and its proto."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from services.common.grpc_server import Runtime, serve
from services.common.logging_setup import configure_logging
from services.common.settings import ServiceSettings

Settings = TypeVar("Settings", bound=ServiceSettings)


def _nothing() -> None:
    """A service that holds nothing beyond its runtime."""


@dataclass(frozen=True)
class ServiceParts:
    name: str
    """The gRPC service's full name (`stt.v1.Asr`): health and reflection report it."""
    servicer: Any
    register: Callable[[Any, grpc.aio.Server], None]
    """The generated `add_<Service>Servicer_to_server`."""
    runtime: Runtime
    """Loads the models (the service is SERVING once it has) and frees them at the end."""
    close: Callable[[], Awaitable[None] | None] = _nothing
    """What else the service frees once the server has stopped (worker pools, client connections);
    a coroutine function or a plain one."""


async def run_parts(settings: ServiceSettings, build: Callable[[Any], ServiceParts],
                    stop: asyncio.Event | None = None) -> None:  # fmt: skip
    """Serves the parts `build` makes from `settings` until a signal (or `stop`)."""
    parts = build(settings)
    try:
        await serve(
            settings, parts.name, lambda server: parts.register(parts.servicer, server), parts.runtime, stop
        )
    finally:
        closing = parts.close()
        if inspect.isawaitable(closing):
            await closing


def run_service(component: str, settings: Settings, build: Callable[[Settings], ServiceParts]) -> None:
    """A service process's `main`: `component` names it in the logs."""
    configure_logging(component, settings.log_level)
    asyncio.run(run_parts(settings, build))
