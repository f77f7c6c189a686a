"""The gateway's client of the speech synthesis service."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gateway.clients.service import CallLimits, ServiceClient
from services.common.request_id import outgoing_metadata
from stt.v1 import tts_pb2, tts_pb2_grpc

SERVICE_NAME = tts_pb2.DESCRIPTOR.services_by_name["Tts"].full_name


class TtsClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits) -> None:
        super().__init__(address, SERVICE_NAME, "speech synthesis", limits)
        self._stub = tts_pb2_grpc.TtsStub(self._channel)

    def synthesize(
        self, request: tts_pb2.SynthesizeRequest, *, request_id: str
    ) -> AsyncIterator[tts_pb2.SynthesizeEvent]:
        """The start, a PCM chunk a sentence, then the end; a failure is the API error."""
        call = self._stub.Synthesize(
            request, timeout=self.limits.timeout_s, metadata=outgoing_metadata(request_id)
        )
        return self.events(call.__aiter__())

    async def voices(self, request_id: str) -> tts_pb2.Voices:
        return await self.call(self._stub.GetVoices, tts_pb2.GetVoicesRequest(), request_id, small=True)
