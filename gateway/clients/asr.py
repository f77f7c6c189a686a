"""The gateway's client of the ASR service: streams a spooled file in chunks, opens live streams, with
deadlines and the request id in metadata."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from gateway.clients.service import CallLimits, ServiceClient, file_chunks
from services.common.request_id import outgoing_metadata
from stt.v1 import asr_pb2, asr_pb2_grpc

SERVICE_NAME = asr_pb2.DESCRIPTOR.services_by_name["Asr"].full_name


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


class AsrClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits, *, chunk_bytes: int) -> None:
        super().__init__(address, SERVICE_NAME, "ASR", limits)
        self._stub = asr_pb2_grpc.AsrStub(self._channel)
        self._chunk_bytes = chunk_bytes

    async def transcribe(
        self, path: Path, config: asr_pb2.TranscribeConfig, *, request_id: str
    ) -> asr_pb2.Transcript:
        return await self.transcribe_chunks(self.file_chunks(path), config, request_id=request_id)

    async def transcribe_chunks(
        self, chunks: AsyncIterator[bytes], config: asr_pb2.TranscribeConfig, *, request_id: str
    ) -> asr_pb2.Transcript:
        """Transcribes a file that arrives as it is produced (the audio service's answer, say)."""
        return await self.call(self._stub.Transcribe, _requests(config, chunks), request_id)

    def transcribe_with_progress(
        self, chunks: AsyncIterator[bytes], config: asr_pb2.TranscribeConfig, *, request_id: str
    ) -> AsyncIterator[asr_pb2.TranscribeEvent]:
        """Transcribes a file, telling progress and each decoded segment before the transcript."""
        call = self._stub.TranscribeWithProgress(
            _requests(config, chunks), timeout=self.limits.timeout_s, metadata=outgoing_metadata(request_id)
        )
        return self.events(call.__aiter__())

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
