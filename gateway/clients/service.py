"""What every service client of the gateway shares: one channel (it reconnects by itself when the
service comes back), standard gRPC health, closing, and the API error of a failed call: each client
knows its service's name and how long a caller should wait before trying again, so routes call
clients and never map gRPC errors themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.errors import from_grpc
from services.common.channel import open_channel

Answer = TypeVar("Answer")


class ServiceClient:
    def __init__(
        self, address: str, service_name: str, *, display_name: str, info_timeout_s: float, retry_after_s: int
    ) -> None:
        self.address = address
        self.display_name = display_name
        """The service as error messages name it: "the {display_name} service is unavailable"."""
        self._service_name = service_name
        self._channel = open_channel(address)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._info_timeout_s = info_timeout_s
        self._retry_after_s = retry_after_s

    async def answer(self, call: Awaitable[Answer]) -> Answer:
        """The call's answer, or the API error of its failure (503 with Retry-After when it is down)."""
        try:
            return await call
        except grpc.aio.AioRpcError as exc:
            raise from_grpc(exc, self.display_name, self._retry_after_s) from exc

    async def events(self, events: AsyncIterator[Answer]) -> AsyncIterator[Answer]:
        """A streamed answer's events; a failure part way is the API error, as for `answer`."""
        try:
            async for event in events:
                yield event
        except grpc.aio.AioRpcError as exc:
            raise from_grpc(exc, self.display_name, self._retry_after_s) from exc

    async def health(self) -> str:
        """`SERVING`, `NOT_SERVING` (up, models loading) or `UNREACHABLE`."""
        try:
            answer = await self._health.Check(
                health_pb2.HealthCheckRequest(service=self._service_name), timeout=self._info_timeout_s
            )
        except Exception:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    async def close(self) -> None:
        await self._channel.close()
