"""The gateway's client of the translation service."""

from __future__ import annotations

from gateway.clients.service import CallLimits, ServiceClient
from stt.v1 import translate_pb2, translate_pb2_grpc

SERVICE_NAME = translate_pb2.DESCRIPTOR.services_by_name["Translate"].full_name


class TranslateClient(ServiceClient):
    def __init__(self, address: str, limits: CallLimits) -> None:
        super().__init__(address, SERVICE_NAME, "translation", limits)
        self._stub = translate_pb2_grpc.TranslateStub(self._channel)

    async def translate(
        self, texts: list[str], source: str, target: str, *, request_id: str
    ) -> translate_pb2.TranslateResponse:
        request = translate_pb2.TranslateRequest(texts=texts, source=source, target=target)
        return await self.call(self._stub.Translate, request, request_id)

    async def language_pairs(self, request_id: str) -> translate_pb2.ListLanguagePairsResponse:
        request = translate_pb2.ListLanguagePairsRequest()
        return await self.call(self._stub.ListLanguagePairs, request, request_id, small=True)
