"""The gateway's client of the LLM service."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gateway.clients.service import ServiceClient
from services.common.request_id import outgoing_metadata
from stt.v1 import llm_pb2, llm_pb2_grpc

SERVICE_NAME = llm_pb2.DESCRIPTOR.services_by_name["Llm"].full_name


class LlmClient(ServiceClient):
    def __init__(self, address: str, *, timeout_s: float, info_timeout_s: float, retry_after_s: int) -> None:
        super().__init__(
            address, SERVICE_NAME, display_name="language model", info_timeout_s=info_timeout_s,
            retry_after_s=retry_after_s,
        )  # fmt: skip
        self._stub = llm_pb2_grpc.LlmStub(self._channel)
        self._timeout_s = timeout_s

    async def summarize(self, text: str, style: str, *, request_id: str) -> llm_pb2.SummarizeResponse:
        request = llm_pb2.SummarizeRequest(text=text, style=style)
        return await self.answer(
            self._stub.Summarize(request, timeout=self._timeout_s, metadata=outgoing_metadata(request_id))
        )

    async def analyze(self, text: str, kind: str, *, request_id: str) -> llm_pb2.AnalyzeResponse:
        return await self.answer(
            self._stub.Analyze(
                llm_pb2.AnalyzeRequest(text=text, type=kind),
                timeout=self._timeout_s,
                metadata=outgoing_metadata(request_id),
            )
        )

    async def generate(
        self, text: str, kind: str, prompt: str, *, request_id: str
    ) -> llm_pb2.GenerateResponse:
        return await self.answer(
            self._stub.Generate(
                llm_pb2.GenerateRequest(text=text, type=kind, prompt=prompt),
                timeout=self._timeout_s,
                metadata=outgoing_metadata(request_id),
            )
        )

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
        call = self._stub.Chat(request, timeout=self._timeout_s, metadata=outgoing_metadata(request_id))
        return self.events(call.__aiter__())
