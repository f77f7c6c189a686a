"""The service bootstrap every service shares: live before ready, SERVING only once the runtime has
loaded, NOT_SERVING again while stopping."""

from __future__ import annotations

import asyncio
import threading

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cli.processes import free_port
from services.common.grpc_server import serve
from services.common.settings import ServiceSettings


class GatedRuntime:
    """A runtime whose load finishes only when the test says so, to observe the states in between."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.closed = False

    def load(self) -> None:
        self.release.wait(timeout=30)

    def close(self) -> None:
        self.closed = True


async def _status(channel: grpc.aio.Channel) -> int:
    answer = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
    return int(answer.status)


async def test_service_reports_serving_only_after_its_models_are_loaded() -> None:
    settings = ServiceSettings(port=free_port())
    runtime, stop = GatedRuntime(), asyncio.Event()
    server = asyncio.create_task(serve(settings, "stt.v1.Test", lambda _: None, runtime, stop))
    async with grpc.aio.insecure_channel(settings.address) as channel:
        await channel.channel_ready()
        assert await _status(channel) == health_pb2.HealthCheckResponse.NOT_SERVING
        runtime.release.set()
        for _ in range(100):
            if await _status(channel) == health_pb2.HealthCheckResponse.SERVING:
                break
            await asyncio.sleep(0.02)
        assert await _status(channel) == health_pb2.HealthCheckResponse.SERVING
    stop.set()
    await asyncio.wait_for(server, timeout=10)
    assert runtime.closed
