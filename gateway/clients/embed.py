"""The gateway's client of the embedding service."""

from __future__ import annotations

from gateway.clients.service import CallLimits, ServiceClient
from stt.v1 import embed_pb2, embed_pb2_grpc

SERVICE_NAME = embed_pb2.DESCRIPTOR.services_by_name["Embed"].full_name


class EmbedClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits) -> None:
        super().__init__(address, SERVICE_NAME, "embedding", limits)
        self._stub = embed_pb2_grpc.EmbedStub(self._channel)

    async def embed(self, texts: list[str], *, request_id: str) -> embed_pb2.EmbedResponse:
        return await self.call(self._stub.Embed, embed_pb2.EmbedRequest(texts=texts), request_id)
