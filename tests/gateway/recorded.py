"""gRPC servicers of the ASR, LLM and embedding protos that answer from answers the real services gave
(`recordings/`, made by `record.py`), served in the test's process by a real grpc.aio server. The fast
tier tests the gateway against them: its routes, auth, limits and the mapping of every gRPC status,
in seconds. The real services are tested by the integration and end-to-end tiers.

A test can make every call fail with a status (`fail_with`) to see how the gateway answers it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf import text_format
from google.protobuf.message import Message

from stt.v1 import asr_pb2, asr_pb2_grpc, embed_pb2, embed_pb2_grpc, llm_pb2, llm_pb2_grpc

RECORDINGS = Path(__file__).parent / "recordings"

Answer = TypeVar("Answer", bound=Message)


def recording(name: str, kind: type[Answer]) -> Answer:
    return text_format.Parse((RECORDINGS / f"{name}.txtpb").read_text(), kind())


def save(name: str, answer: Message) -> None:
    (RECORDINGS / f"{name}.txtpb").write_text(text_format.MessageToString(answer, as_utf8=True))


@dataclass
class Failure:
    """What the next calls answer instead of their recording (None: the recording), and whether they
    first hold on until `release` is set (to watch a call that the gateway cancels)."""

    status: grpc.StatusCode | None = None
    details: str = ""
    release: asyncio.Event | None = None
    hold_only: str = ""
    """The one method that holds on (`Chat`, ...); empty: every method."""
    held: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a call is holding on."""
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a held call was cancelled by its caller."""
    transcript_duration: float | None = None
    """The audio the ASR service says it decoded, when a test needs more than the upload's header says."""

    def reset(self) -> None:
        """Back to answering every call with its recording (the servicers keep this very object)."""
        self.__dict__.update(Failure().__dict__)


class _Recorded:
    def __init__(self, failure: Failure) -> None:
        self._failure = failure

    async def _check(self, context: grpc.aio.ServicerContext, method: str = "") -> None:
        if self._failure.release is not None and self._failure.hold_only in ("", method):
            self._failure.held.set()
            try:
                await self._failure.release.wait()
            except asyncio.CancelledError:
                self._failure.cancelled.set()
                raise
        if self._failure.status is not None:
            await context.abort(self._failure.status, self._failure.details)


def _replaying(
    kind: type[Answer], name_of: Callable[[Any], str]
) -> Callable[[_Recorded, Any, grpc.aio.ServicerContext], Awaitable[Answer]]:
    """A unary method that answers a request with the recording `name_of` names for it."""

    async def method(self: _Recorded, request: Any, context: grpc.aio.ServicerContext) -> Answer:
        await self._check(context)
        return recording(name_of(request), kind)

    return method


class RecordedAsr(_Recorded, asr_pb2_grpc.AsrServicer):
    async def Transcribe(
        self, request_iterator: AsyncIterator[asr_pb2.TranscribeRequest], context: grpc.aio.ServicerContext
    ) -> asr_pb2.Transcript:
        async for _ in request_iterator:  # the whole upload arrives, as at the real service
            pass
        await self._check(context, "Transcribe")
        transcript = recording("transcript", asr_pb2.Transcript)
        if self._failure.transcript_duration is not None:
            transcript.duration = self._failure.transcript_duration
        return transcript

    ListModels = _replaying(asr_pb2.ListModelsResponse, lambda _: "models")
    ListLanguages = _replaying(asr_pb2.ListLanguagesResponse, lambda _: "languages")
    GetDeviceInfo = _replaying(asr_pb2.DeviceInfo, lambda _: "device")


class RecordedLlm(_Recorded, llm_pb2_grpc.LlmServicer):
    Summarize = _replaying(llm_pb2.SummarizeResponse, lambda _: "summary")
    Analyze = _replaying(llm_pb2.AnalyzeResponse, lambda request: f"analysis_{request.type}")
    Generate = _replaying(llm_pb2.GenerateResponse, lambda request: f"generated_{request.type}")

    async def Chat(
        self, request: llm_pb2.ChatRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[llm_pb2.ChatEvent]:
        await self._check(context, "Chat")
        done = recording("chat_answer", llm_pb2.ChatDone)
        for word in done.answer.split(" "):
            yield llm_pb2.ChatEvent(delta=word + " ")
        yield llm_pb2.ChatEvent(done=done)


class RecordedEmbed(_Recorded, embed_pb2_grpc.EmbedServicer):
    async def Embed(
        self, request: embed_pb2.EmbedRequest, context: grpc.aio.ServicerContext
    ) -> embed_pb2.EmbedResponse:
        """The recorded vector of each text, in the order asked (the recording holds every text the
        fast tests embed: the recorded transcript's segments and their questions)."""
        await self._check(context)
        recorded = recording("embeddings", embed_pb2.EmbedResponse)
        texts = recording("embedded_texts", embed_pb2.EmbedRequest).texts
        vectors = dict(zip(texts, recorded.embeddings, strict=True))
        missing = [t for t in request.texts if t not in vectors]
        if missing:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no recorded embedding of {missing[0]!r}")
        return embed_pb2.EmbedResponse(
            embeddings=[vectors[t] for t in request.texts],
            dimensions=recorded.dimensions,
            model=recorded.model,
        )


def add_recorded_servicers(server: grpc.aio.Server, failure: Failure) -> None:
    asr_pb2_grpc.add_AsrServicer_to_server(RecordedAsr(failure), server)
    llm_pb2_grpc.add_LlmServicer_to_server(RecordedLlm(failure), server)
    embed_pb2_grpc.add_EmbedServicer_to_server(RecordedEmbed(failure), server)
