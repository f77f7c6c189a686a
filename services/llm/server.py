"""The LLM gRPC servicer: thin; summaries in `summarizer.py`, analyses in `analysis/`, content in
`generation/`, chat answers in `chat.py`, the engine in `engine_client.py` (and its readiness in
`engine_runtime.py`). Failures are answered by `observed` with their own status."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import grpc

from services.common.messages import filled
from services.common.metrics import observed, observed_stream
from services.llm.analysis.analyzer import Analyzer
from services.llm.chat import ChatAnswerer, Turn
from services.llm.generation.generator import Generator
from services.llm.summarizer import Summarizer
from stt.v1 import llm_pb2, llm_pb2_grpc

SERVICE_NAME = llm_pb2.DESCRIPTOR.services_by_name["Llm"].full_name


class LlmServicer(llm_pb2_grpc.LlmServicer):
    def __init__(
        self, summarizer: Summarizer, analyzer: Analyzer, generator: Generator, chat: ChatAnswerer
    ) -> None:
        self._summarizer = summarizer
        self._analyzer = analyzer
        self._generator = generator
        self._chat = chat

    @observed("Summarize")
    async def Summarize(
        self, request: llm_pb2.SummarizeRequest, context: grpc.aio.ServicerContext
    ) -> llm_pb2.SummarizeResponse:
        summary = await self._summarizer.summarize(request.text, request.style)
        return filled(llm_pb2.SummarizeResponse, summary, summary=summary.text)

    @observed("Analyze")
    async def Analyze(
        self, request: llm_pb2.AnalyzeRequest, context: grpc.aio.ServicerContext
    ) -> llm_pb2.AnalyzeResponse:
        analysis = await self._analyzer.analyze(request.text, request.type)
        return filled(llm_pb2.AnalyzeResponse, analysis, result_json=json.dumps(analysis.result))

    @observed("Generate")
    async def Generate(
        self, request: llm_pb2.GenerateRequest, context: grpc.aio.ServicerContext
    ) -> llm_pb2.GenerateResponse:
        generated = await self._generator.generate(request.text, request.type, request.prompt)
        return filled(llm_pb2.GenerateResponse, generated, data_json=json.dumps(generated.data))

    @observed_stream("Chat")
    async def Chat(
        self, request: llm_pb2.ChatRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[llm_pb2.ChatEvent]:
        history = [Turn(t.role, t.content) for t in request.history]
        pieces: list[str] = []
        model = ""
        async for delta, delta_model in self._chat.answer(request.question, request.passages, history):
            pieces.append(delta)
            model = delta_model
            yield llm_pb2.ChatEvent(delta=delta)
        answer = "".join(pieces).strip()
        yield llm_pb2.ChatEvent(done=llm_pb2.ChatDone(answer=answer, model=model))
