"""The gateway's client of the audio enhancement service: a file streamed in, the enhanced WAV
streamed back after its header."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from gateway.clients.service import CallLimits, ServiceClient, file_chunks
from gateway.errors import ApiError
from services.common.request_id import outgoing_metadata
from stt.v1 import audio_pb2, audio_pb2_grpc

SERVICE_NAME = audio_pb2.DESCRIPTOR.services_by_name["Audio"].full_name


class AudioClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits, *, chunk_bytes: int) -> None:
        super().__init__(address, SERVICE_NAME, "audio", limits)
        self._stub = audio_pb2_grpc.AudioStub(self._channel)
        self._chunk_bytes = chunk_bytes

    async def enhance(
        self, path: Path, options: audio_pb2.EnhanceOptions, *, request_id: str
    ) -> tuple[audio_pb2.EnhanceHeader, AsyncIterator[bytes]]:
        """What the service measured, once the file is enhanced, and the WAV's bytes to read after it
        (a failure while reading is the API error too)."""

        async def requests() -> AsyncIterator[audio_pb2.EnhanceRequest]:
            yield audio_pb2.EnhanceRequest(options=options)
            async for chunk in file_chunks(path, self._chunk_bytes):
                yield audio_pb2.EnhanceRequest(audio_chunk=chunk)

        call = self._stub.Enhance(
            requests(), timeout=self.limits.timeout_s, metadata=outgoing_metadata(request_id)
        )
        events = self.events(call.__aiter__())
        first = await anext(events, None)
        if first is None or first.WhichOneof("payload") != "header":
            call.cancel()
            raise ApiError(502, "the audio service answered without a header")

        async def wav() -> AsyncIterator[bytes]:
            async for event in events:
                yield event.wav_chunk

        return first.header, wav()
