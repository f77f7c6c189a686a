"""The gateway's client of the ASR service: streams a spooled file in chunks, with deadlines and the
request id in metadata. The channel reconnects by itself when the service comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.channel import open_channel
from services.common.request_id import outgoing_metadata
from stt.v1 import asr_pb2, asr_pb2_grpc

SERVICE_NAME = asr_pb2.DESCRIPTOR.services_by_name["Asr"].full_name


async def _file_requests(
    path: Path, config: asr_pb2.TranscribeConfig, chunk_bytes: int
) -> AsyncIterator[asr_pb2.TranscribeRequest]:
    yield asr_pb2.TranscribeRequest(config=config)
    with path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, chunk_bytes):
            yield asr_pb2.TranscribeRequest(audio_chunk=chunk)


class AsrClient:
    def __init__(self, address: str, *, chunk_bytes: int, info_timeout_s: float) -> None:
        self.address = address
        self._channel = open_channel(address)
        self._stub = asr_pb2_grpc.AsrStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._chunk_bytes = chunk_bytes
        self._info_timeout_s = info_timeout_s

    async def transcribe(
        self, path: Path, config: asr_pb2.TranscribeConfig, *, request_id: str, timeout_s: float
    ) -> asr_pb2.Transcript:
        return await self._stub.Transcribe(
            _file_requests(path, config, self._chunk_bytes),
            timeout=timeout_s,
            metadata=outgoing_metadata(request_id),
        )

    def open_stream(
        self, *, request_id: str, timeout_s: float
    ) -> grpc.aio.StreamStreamCall[asr_pb2.StreamRequest, asr_pb2.StreamEvent]:
        """A live stream: the caller writes the config, then audio, half-closes when the audio ends,
        and reads events until the transcript."""
        call = self._stub.Stream(timeout=timeout_s, metadata=outgoing_metadata(request_id))
        return call  # type: ignore[no-any-return]

    async def list_models(self, request_id: str) -> asr_pb2.ListModelsResponse:
        return await self._stub.ListModels(
            asr_pb2.ListModelsRequest(), timeout=self._info_timeout_s, metadata=outgoing_metadata(request_id)
        )

    async def list_languages(self, request_id: str) -> asr_pb2.ListLanguagesResponse:
        return await self._stub.ListLanguages(
            asr_pb2.ListLanguagesRequest(),
            timeout=self._info_timeout_s,
            metadata=outgoing_metadata(request_id),
        )

    async def device_info(self, request_id: str) -> asr_pb2.DeviceInfo:
        return await self._stub.GetDeviceInfo(
            asr_pb2.GetDeviceInfoRequest(),
            timeout=self._info_timeout_s,
            metadata=outgoing_metadata(request_id),
        )

    async def health(self) -> str:
        """`SERVING`, `NOT_SERVING` (up, models loading) or `UNREACHABLE`."""
        try:
            answer = await self._health.Check(
                health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=self._info_timeout_s
            )
        except Exception:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    async def close(self) -> None:
        await self._channel.close()
