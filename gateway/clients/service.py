"""What every service client of the gateway shares: one channel (it reconnects by itself when the
service comes back), standard gRPC health, and closing."""

from __future__ import annotations

from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.channel import open_channel


class ServiceClient:
    def __init__(self, address: str, service_name: str, *, info_timeout_s: float) -> None:
        self.address = address
        self._service_name = service_name
        self._channel = open_channel(address)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._info_timeout_s = info_timeout_s

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
