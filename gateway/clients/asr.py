"""The gateway's client of the ASR service: streams a spooled file in chunks, opens live streams, with
deadlines and the request id in metadata."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from gateway.clients.service import CallLimits, ServiceClient, file_chunks
from services.common.request_id import outgoing_metadata
from stt.v1 import asr_pb2, asr_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = asr_pb2.DESCRIPTOR.services_by_name["Asr"].full_name

ATTEMPTS = 3
"""Replicas a spooled file is offered to when the one that took it goes away before answering."""
_PAUSE_BEFORE_RETRY_S = 0.1

Audio = Path | AsyncIterator[bytes]
"""A spooled file, which can be sent again, or audio that arrives as it is produced, which cannot."""


class AsrStream:
    """A live stream with the service: write the config, then audio, `done_writing` when the audio ends,
    and `read` events until the transcript (None once the service has ended the stream). A failure is
    the API error, as for every call of a client."""

    def __init__(self, call: grpc.aio.StreamStreamCall[asr_pb2.StreamRequest, asr_pb2.StreamEvent],
                 client: AsrClient) -> None:  # fmt: skip
        self._call = call
        self._client = client

    async def write(self, request: asr_pb2.StreamRequest) -> None:
        await self._client.answer(self._call.write(request))

    async def done_writing(self) -> None:
        await self._client.answer(self._call.done_writing())

    async def read(self) -> asr_pb2.StreamEvent | None:
        event = await self._client.answer(self._call.read())
        return None if event is grpc.aio.EOF else event  # type: ignore[return-value]

    def cancel(self) -> None:
        self._call.cancel()


async def _requests(
    config: asr_pb2.TranscribeConfig, chunks: AsyncIterator[bytes]
) -> AsyncIterator[asr_pb2.TranscribeRequest]:
    yield asr_pb2.TranscribeRequest(config=config)
    async for chunk in chunks:
        yield asr_pb2.TranscribeRequest(audio_chunk=chunk)


class _Attempts:
    """A file transcription's tries. A replica that goes away before its first answer (UNAVAILABLE:
    killed, or stopping and refusing new work) costs the caller nothing when the audio is a spooled
    file: it is sent again, and the channel's balancer, which has seen the replica go, gives it to
    another. One deadline covers every try."""

    def __init__(self, audio: Audio, client: AsrClient) -> None:
        self._audio = audio
        self._client = client
        self._left = ATTEMPTS if isinstance(audio, Path) else 1
        self._deadline = time.monotonic() + client.limits.timeout_s

    def chunks(self) -> AsyncIterator[bytes]:
        self._left -= 1
        return self._client.file_chunks(self._audio) if isinstance(self._audio, Path) else self._audio

    def timeout_s(self) -> float:
        return max(self._deadline - time.monotonic(), 0.0)

    async def failed(self, exc: grpc.aio.AioRpcError, answered: bool) -> None:
        """Returns when the file should be sent again, else raises the call's API error."""
        if answered or exc.code() != grpc.StatusCode.UNAVAILABLE or self._left == 0:
            raise self._client.api_error(exc) from exc
        log.warning("an ASR replica went away before answering (%s); sending the file again", exc.details())
        await asyncio.sleep(_PAUSE_BEFORE_RETRY_S)


class AsrClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits, *, chunk_bytes: int) -> None:
        super().__init__(address, SERVICE_NAME, "ASR", limits)
        self._stub = asr_pb2_grpc.AsrStub(self._channel)
        self._chunk_bytes = chunk_bytes

    async def transcribe(
        self, audio: Audio, config: asr_pb2.TranscribeConfig, *, request_id: str
    ) -> asr_pb2.Transcript:
        attempts = _Attempts(audio, self)
        while True:
            try:
                return await self._stub.Transcribe(  # type: ignore[no-any-return]
                    _requests(config, attempts.chunks()),
                    timeout=attempts.timeout_s(),
                    metadata=outgoing_metadata(request_id),
                )
            except grpc.aio.AioRpcError as exc:
                await attempts.failed(exc, answered=False)

    async def transcribe_with_progress(
        self, audio: Audio, config: asr_pb2.TranscribeConfig, *, request_id: str
    ) -> AsyncIterator[asr_pb2.TranscribeEvent]:
        """Transcribes a file, telling progress and each decoded segment before the transcript."""
        attempts = _Attempts(audio, self)
        while True:
            answered = False
            try:
                async for event in self._stub.TranscribeWithProgress(
                    _requests(config, attempts.chunks()),
                    timeout=attempts.timeout_s(),
                    metadata=outgoing_metadata(request_id),
                ):
                    answered = True
                    yield event
                return
            except grpc.aio.AioRpcError as exc:
                await attempts.failed(exc, answered)

    def file_chunks(self, path: Path) -> AsyncIterator[bytes]:
        return file_chunks(path, self._chunk_bytes)

    def open_stream(self, *, request_id: str, timeout_s: float) -> AsrStream:
        return AsrStream(self._stub.Stream(timeout=timeout_s, metadata=outgoing_metadata(request_id)), self)

    async def list_models(self, request_id: str) -> asr_pb2.ListModelsResponse:
        return await self.call(self._stub.ListModels, asr_pb2.ListModelsRequest(), request_id, small=True)

    async def list_languages(self, request_id: str) -> asr_pb2.ListLanguagesResponse:
        return await self.call(
            self._stub.ListLanguages, asr_pb2.ListLanguagesRequest(), request_id, small=True
        )

    async def device_info(self, request_id: str) -> asr_pb2.DeviceInfo:
        return await self.call(
            self._stub.GetDeviceInfo, asr_pb2.GetDeviceInfoRequest(), request_id, small=True
        )
