"""What every service client of the gateway shares: one channel (it reconnects by itself when the
service comes back), standard gRPC health, closing, and the API error of a failed call: each client
knows its service's name and how long a caller should wait before trying again, so routes call
clients and never map gRPC errors themselves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.errors import ApiError, from_grpc
from services.common.channel import open_channel
from services.common.request_id import outgoing_metadata

Answer = TypeVar("Answer")


async def file_chunks(path: Path, chunk_bytes: int) -> AsyncIterator[bytes]:
    """A spooled upload read a chunk at a time, off the event loop."""
    with path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, chunk_bytes):
            yield chunk


@dataclass(frozen=True)
class CallLimits:
    timeout_s: float
    """The deadline of the service's work (a transcription, a summary, an embedding batch)."""
    info_timeout_s: float
    """The deadline of small calls: health, models, languages, device facts."""
    retry_after_s: int
    """`Retry-After` of a 503 or 429 from the service."""


class ServiceClient:
    def __init__(self, address: str, service_name: str, display_name: str, limits: CallLimits) -> None:
        self.address = address
        self.display_name = display_name
        """The service as error messages name it: "the {display_name} service is unavailable"."""
        self.limits = limits
        self._service_name = service_name
        self._channel = open_channel(address)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    async def answer(self, call: Awaitable[Answer]) -> Answer:
        """The call's answer, or the API error of its failure (503 with Retry-After when it is down)."""
        try:
            return await call
        except grpc.aio.AioRpcError as exc:
            raise self.api_error(exc) from exc

    async def call(
        self, method: Callable[..., Awaitable[Answer]], request: Any, request_id: str, *, small: bool = False
    ) -> Answer:
        """A unary call with the request id in its metadata and the deadline of work (of a small call
        with `small`), answered or the API error."""
        timeout_s = self.limits.info_timeout_s if small else self.limits.timeout_s
        return await self.answer(method(request, timeout=timeout_s, metadata=outgoing_metadata(request_id)))

    async def events(self, events: AsyncIterator[Answer]) -> AsyncIterator[Answer]:
        """A streamed answer's events; a failure part way is the API error, as for `answer`."""
        try:
            async for event in events:
                yield event
        except grpc.aio.AioRpcError as exc:
            raise self.api_error(exc) from exc

    def api_error(self, exc: grpc.aio.AioRpcError) -> ApiError:
        return from_grpc(exc, self.display_name, self.limits.retry_after_s)

    async def health(self) -> str:
        """`SERVING`, `NOT_SERVING` (up, models loading) or `UNREACHABLE`."""
        try:
            answer = await self._health.Check(
                health_pb2.HealthCheckRequest(service=self._service_name), timeout=self.limits.info_timeout_s
            )
        except Exception:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    async def close(self) -> None:
        await self._channel.close()
