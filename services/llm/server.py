"""The LLM gRPC servicer: thin; summaries in `summarizer.py`, analyses in `analysis/`, content in
`generation/`, chat answers in `chat.py`, the engine in `engine_client.py`."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import grpc
import httpx

from services.common.metrics import observed, observed_stream
from services.llm.analysis.analyzer import Analyzer
from services.llm.chat import ChatAnswerer, Turn
from services.llm.engine_client import EngineUnavailableError
from services.llm.errors import InvalidRequestError, TextTooLongError
from services.llm.generation.generator import Generator
from services.llm.settings import LlmSettings
from services.llm.structured import MalformedAnswerError
from services.llm.summarizer import Summarizer
from stt.v1 import llm_pb2, llm_pb2_grpc

SERVICE_NAME = llm_pb2.DESCRIPTOR.services_by_name["Llm"].full_name

_STATUS: dict[type[Exception], grpc.StatusCode] = {
    InvalidRequestError: grpc.StatusCode.INVALID_ARGUMENT,
    TextTooLongError: grpc.StatusCode.OUT_OF_RANGE,
    EngineUnavailableError: grpc.StatusCode.UNAVAILABLE,
    MalformedAnswerError: grpc.StatusCode.DATA_LOSS,
}


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
        try:
            summary = await self._summarizer.summarize(request.text, request.style)
        except tuple(_STATUS) as exc:
            await context.abort(_STATUS[type(exc)], str(exc))
        return llm_pb2.SummarizeResponse(
            summary=summary.text,
            style=summary.style,
            model=summary.model,
            parts=summary.parts,
            prompt_tokens=summary.prompt_tokens,
            completion_tokens=summary.completion_tokens,
        )

    @observed("Analyze")
    async def Analyze(
        self, request: llm_pb2.AnalyzeRequest, context: grpc.aio.ServicerContext
    ) -> llm_pb2.AnalyzeResponse:
        try:
            analysis = await self._analyzer.analyze(request.text, request.type)
        except tuple(_STATUS) as exc:
            await context.abort(_STATUS[type(exc)], str(exc))
        return llm_pb2.AnalyzeResponse(
            type=analysis.type,
            result_json=json.dumps(analysis.result),
            method=analysis.method,
            model=analysis.model,
            prompt_tokens=analysis.prompt_tokens,
            completion_tokens=analysis.completion_tokens,
        )

    @observed("Generate")
    async def Generate(
        self, request: llm_pb2.GenerateRequest, context: grpc.aio.ServicerContext
    ) -> llm_pb2.GenerateResponse:
        try:
            generated = await self._generator.generate(request.text, request.type, request.prompt)
        except tuple(_STATUS) as exc:
            await context.abort(_STATUS[type(exc)], str(exc))
        return llm_pb2.GenerateResponse(
            type=generated.type,
            data_json=json.dumps(generated.data),
            content=generated.content,
            model=generated.model,
            parts=generated.parts,
            prompt_tokens=generated.prompt_tokens,
            completion_tokens=generated.completion_tokens,
        )

    @observed_stream("Chat")
    async def Chat(
        self, request: llm_pb2.ChatRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[llm_pb2.ChatEvent]:
        history = [Turn(t.role, t.content) for t in request.history]
        pieces: list[str] = []
        model = ""
        try:
            async for delta, delta_model in self._chat.answer(request.question, request.passages, history):
                pieces.append(delta)
                model = delta_model
                yield llm_pb2.ChatEvent(delta=delta)
        except tuple(_STATUS) as exc:
            await context.abort(_STATUS[type(exc)], str(exc))
        answer = "".join(pieces).strip()
        yield llm_pb2.ChatEvent(done=llm_pb2.ChatDone(answer=answer, model=model))


class EngineRuntime:
    """The weights live in the engine, its own process: this service is ready once the engine answers,
    and gives up (the process exits) if it does not within `engine_start_timeout_s`."""

    def __init__(self, settings: LlmSettings) -> None:
        self._settings = settings

    def load(self) -> None:
        deadline = time.monotonic() + self._settings.engine_start_timeout_s
        while True:
            try:
                if httpx.get(f"{self._settings.engine_url}/v1/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the engine at {self._settings.engine_url} did not answer")
            time.sleep(0.5)

    def close(self) -> None:
        """Nothing is held here."""
