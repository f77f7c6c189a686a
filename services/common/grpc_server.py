"""Bootstrap shared by every service: a grpc.aio server with standard health checking and reflection,
Prometheus metrics, a runtime that loads its models before the service reports SERVING, and a clean
stop on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Protocol

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import start_http_server

from services.common.settings import ServiceSettings

log = logging.getLogger(__name__)

# Audio arrives in chunks well under this; the margin covers a large transcript in one answer.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class Runtime(Protocol):
    """What a service's model runtime implements: live is not ready; ready only once loaded."""

    def load(self) -> None:
        """Loads every model this process serves (blocking; runs in a worker thread)."""

    def close(self) -> None:
        """Frees what `load` took."""


def build_server(
    service_name: str, add_servicer: Callable[[grpc.aio.Server], None]
) -> tuple[grpc.aio.Server, health.aio.HealthServicer]:
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # Clients ping every 30 s (services/common/channel.py) while a long transcription sends
            # nothing back; by default the server calls that "too many pings" and drops the call.
            ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
            ("grpc.http2.max_ping_strikes", 0),
            ("grpc.keepalive_permit_without_calls", 1),
        ]
    )
    add_servicer(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((service_name, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    return server, health_servicer


async def set_serving(health_servicer: health.aio.HealthServicer, service_name: str, serving: bool) -> None:
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", service_name):
        await health_servicer.set(name, status)


async def serve(
    settings: ServiceSettings,
    service_name: str,
    add_servicer: Callable[[grpc.aio.Server], None],
    runtime: Runtime,
    stop: asyncio.Event | None = None,
) -> None:
    """Runs a service until SIGINT/SIGTERM (or `stop` is set). The port opens at once (live), SERVING
    follows the load (ready)."""
    server, health_servicer = build_server(service_name, add_servicer)
    await set_serving(health_servicer, service_name, serving=False)
    server.add_insecure_port(settings.address)
    await server.start()
    if settings.metrics_port:
        start_http_server(settings.metrics_port, addr=settings.host)
    log.info("%s listening on %s, loading models", service_name, settings.address)

    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

    load = asyncio.create_task(asyncio.to_thread(runtime.load))
    done, _ = await asyncio.wait(
        {load, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
    )
    if load in done:
        load.result()
        await set_serving(health_servicer, service_name, serving=True)
        log.info("%s ready", service_name)
        await stop.wait()

    log.info("%s stopping", service_name)
    await set_serving(health_servicer, service_name, serving=False)
    await server.stop(settings.grace_seconds)
    runtime.close()
