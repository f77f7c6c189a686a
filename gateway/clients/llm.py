"""The gateway's client of the LLM service."""

from __future__ import annotations

from gateway.clients.service import ServiceClient
from services.common.request_id import outgoing_metadata
from stt.v1 import llm_pb2, llm_pb2_grpc

SERVICE_NAME = llm_pb2.DESCRIPTOR.services_by_name["Llm"].full_name


class LlmClient(ServiceClient):
    def __init__(self, address: str, *, timeout_s: float, info_timeout_s: float) -> None:
        super().__init__(address, SERVICE_NAME, info_timeout_s=info_timeout_s)
        self._stub = llm_pb2_grpc.LlmStub(self._channel)
        self._timeout_s = timeout_s

    async def summarize(self, text: str, style: str, *, request_id: str) -> llm_pb2.SummarizeResponse:
        request = llm_pb2.SummarizeRequest(text=text, style=style)
        return await self._stub.Summarize(
            request, timeout=self._timeout_s, metadata=outgoing_metadata(request_id)
        )
