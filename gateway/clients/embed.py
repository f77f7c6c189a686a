"""The gateway's client of the embedding service."""

from __future__ import annotations

from gateway.clients.service import ServiceClient
from services.common.request_id import outgoing_metadata
from stt.v1 import embed_pb2, embed_pb2_grpc

SERVICE_NAME = embed_pb2.DESCRIPTOR.services_by_name["Embed"].full_name


class EmbedClient(ServiceClient):
    def __init__(self, address: str, *, timeout_s: float, info_timeout_s: float, retry_after_s: int) -> None:
        super().__init__(
            address, SERVICE_NAME, display_name="embedding", info_timeout_s=info_timeout_s,
            retry_after_s=retry_after_s,
        )  # fmt: skip
        self._stub = embed_pb2_grpc.EmbedStub(self._channel)
        self._timeout_s = timeout_s

    async def embed(self, texts: list[str], *, request_id: str) -> embed_pb2.EmbedResponse:
        return await self.answer(
            self._stub.Embed(
                embed_pb2.EmbedRequest(texts=texts),
                timeout=self._timeout_s,
                metadata=outgoing_metadata(request_id),
            )
        )
