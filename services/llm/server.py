"""The LLM gRPC servicer: thin; the prompts and map-reduce live in `summarizer.py`, the engine in
`engine_client.py`."""

from __future__ import annotations

import time

import grpc
import httpx

from services.common.metrics import observed
from services.llm.engine_client import EngineUnavailableError
from services.llm.settings import LlmSettings
from services.llm.summarizer import InvalidSummaryRequestError, Summarizer, TextTooLongError
from stt.v1 import llm_pb2, llm_pb2_grpc

SERVICE_NAME = llm_pb2.DESCRIPTOR.services_by_name["Llm"].full_name


class LlmServicer(llm_pb2_grpc.LlmServicer):
    def __init__(self, summarizer: Summarizer) -> None:
        self._summarizer = summarizer

    @observed("Summarize")
    async def Summarize(
        self, request: llm_pb2.SummarizeRequest, context: grpc.aio.ServicerContext
    ) -> llm_pb2.SummarizeResponse:
        try:
            summary = await self._summarizer.summarize(request.text, request.style)
        except InvalidSummaryRequestError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except TextTooLongError as exc:
            await context.abort(grpc.StatusCode.OUT_OF_RANGE, str(exc))
        except EngineUnavailableError as exc:
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
        return llm_pb2.SummarizeResponse(
            summary=summary.text,
            style=summary.style,
            model=summary.model,
            parts=summary.parts,
            prompt_tokens=summary.prompt_tokens,
            completion_tokens=summary.completion_tokens,
        )


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
