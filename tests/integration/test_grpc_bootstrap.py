"""The service bootstrap every service shares: live before ready, SERVING only once the runtime has
loaded, NOT_SERVING again while stopping; one status per kind of failure; the service's clean-up."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cli.processes import free_port
from services.common.errors import BusyError, InvalidRequestError
from services.common.grpc_server import serve
from services.common.metrics import observed, observed_stream
from services.common.runner import ServiceParts, run_parts
from services.common.settings import ServiceSettings
from stt.v1 import embed_pb2, embed_pb2_grpc, llm_pb2, llm_pb2_grpc


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


class TooManyTextsError(InvalidRequestError):
    """A service's own error: a subclass of a common one takes its status."""


class ErringServicer(embed_pb2_grpc.EmbedServicer, llm_pb2_grpc.LlmServicer):
    """Answers every call with a service error, as the services' engines raise them."""

    @observed("Embed")
    async def Embed(self, request: embed_pb2.EmbedRequest, context: grpc.aio.ServicerContext) -> None:
        raise TooManyTextsError("at most 2 texts")

    @observed_stream("Chat")
    async def Chat(
        self, request: llm_pb2.ChatRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[llm_pb2.ChatEvent]:
        yield llm_pb2.ChatEvent(delta="Hel")
        raise BusyError("every worker is busy")


def _erring_parts(closed: list[str]) -> Callable[[ServiceSettings], ServiceParts]:
    def build(settings: ServiceSettings) -> ServiceParts:
        servicer = ErringServicer()

        def register(servicer: ErringServicer, server: grpc.aio.Server) -> None:
            embed_pb2_grpc.add_EmbedServicer_to_server(servicer, server)
            llm_pb2_grpc.add_LlmServicer_to_server(servicer, server)

        async def close() -> None:
            closed.append("closed")

        runtime = GatedRuntime()
        runtime.release.set()
        return ServiceParts("stt.v1.Embed", servicer, register, runtime, close)

    return build


async def test_service_errors_are_answered_with_their_status_subclasses_and_streams_included() -> None:
    settings = ServiceSettings(port=free_port())
    closed: list[str] = []
    stop = asyncio.Event()
    server = asyncio.create_task(run_parts(settings, _erring_parts(closed), stop))
    async with grpc.aio.insecure_channel(settings.address) as channel:
        await channel.channel_ready()
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await embed_pb2_grpc.EmbedStub(channel).Embed(embed_pb2.EmbedRequest(texts=["a"] * 3), timeout=30)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert refused.value.details() == "at most 2 texts"
        deltas = []
        with pytest.raises(grpc.aio.AioRpcError) as busy:
            async for event in llm_pb2_grpc.LlmStub(channel).Chat(
                llm_pb2.ChatRequest(question="hi"), timeout=30
            ):
                deltas.append(event.delta)
        assert deltas == ["Hel"]
        assert busy.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert busy.value.details() == "every worker is busy"
    stop.set()
    await asyncio.wait_for(server, timeout=30)
    assert closed == ["closed"]  # the service's own clean-up ran after the server stopped
