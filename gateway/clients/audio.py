"""The gateway's client of the audio enhancement service: a file streamed in, the enhanced WAV
streamed back after its header (and, when it was streamed as it was made, what was measured after it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from gateway.clients.service import CallLimits, ServiceClient, file_chunks
from gateway.errors import ApiError
from services.common.request_id import outgoing_metadata
from stt.v1 import audio_pb2, audio_pb2_grpc

SERVICE_NAME = audio_pb2.DESCRIPTOR.services_by_name["Audio"].full_name


@dataclass
class EnhancedAudio:
    header: audio_pb2.EnhanceHeader
    events: AsyncIterator[audio_pb2.EnhanceResponse]
    cancel: Callable[[], bool]
    end: audio_pb2.EnhanceEnd | None = None
    """A streamed answer's measurements, once its last chunk is read."""

    async def wav(self) -> AsyncIterator[bytes]:
        """The WAV's bytes (a failure while reading is the API error too). A reader that stops early
        ends the call, so the service stops its work."""
        try:
            async for event in self.events:
                if event.WhichOneof("payload") == "end":
                    self.end = event.end
                else:
                    yield event.wav_chunk
        finally:
            self.cancel()


class AudioClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits, *, chunk_bytes: int) -> None:
        super().__init__(address, SERVICE_NAME, "audio", limits)
        self._stub = audio_pb2_grpc.AudioStub(self._channel)
        self._chunk_bytes = chunk_bytes

    async def enhance(
        self, path: Path, options: audio_pb2.EnhanceOptions, *, request_id: str
    ) -> EnhancedAudio:
        """The answer's header, once the file is enhanced (or, streamed, once its work has begun), and
        the WAV to read after it."""

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
        return EnhancedAudio(first.header, events, call.cancel)
