"""The gateway's client of the LLM service."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gateway.clients.service import CallLimits, ServiceClient
from services.common.request_id import outgoing_metadata
from stt.v1 import llm_pb2, llm_pb2_grpc

SERVICE_NAME = llm_pb2.DESCRIPTOR.services_by_name["Llm"].full_name


class LlmClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits) -> None:
        super().__init__(address, SERVICE_NAME, "language model", limits)
        self._stub = llm_pb2_grpc.LlmStub(self._channel)

    async def summarize(self, text: str, style: str, *, request_id: str) -> llm_pb2.SummarizeResponse:
        return await self.call(
            self._stub.Summarize, llm_pb2.SummarizeRequest(text=text, style=style), request_id
        )

    async def analyze(self, text: str, kind: str, *, request_id: str) -> llm_pb2.AnalyzeResponse:
        return await self.call(self._stub.Analyze, llm_pb2.AnalyzeRequest(text=text, type=kind), request_id)

    async def generate(
        self, text: str, kind: str, prompt: str, *, request_id: str
    ) -> llm_pb2.GenerateResponse:
        request = llm_pb2.GenerateRequest(text=text, type=kind, prompt=prompt)
        return await self.call(self._stub.Generate, request, request_id)

    def chat(
        self, question: str, passages: list[str], history: list[tuple[str, str]], *, request_id: str
    ) -> AsyncIterator[llm_pb2.ChatEvent]:
        """The answer's events: text deltas, then `done`. Cancelling the iteration cancels the call; a
        failure is the API error, before the first event or part way."""
        request = llm_pb2.ChatRequest(
            question=question,
            passages=passages,
            history=[llm_pb2.ChatTurn(role=role, content=content) for role, content in history],
        )
        call = self._stub.Chat(request, timeout=self.limits.timeout_s, metadata=outgoing_metadata(request_id))
        return self.events(call.__aiter__())
