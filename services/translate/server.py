"""The translation gRPC servicer: checks the request at once, translates on a worker from the bounded
queue, answers the translations with the engine and model that made them."""

from __future__ import annotations

import grpc
from prometheus_client import Counter

from services.common.errors import UnavailableError
from services.common.metrics import observed
from services.common.work_queue import WorkQueue
from services.translate.translator import Translator
from stt.v1 import translate_pb2, translate_pb2_grpc

SERVICE_NAME = translate_pb2.DESCRIPTOR.services_by_name["Translate"].full_name

TEXTS_TRANSLATED = Counter("stt_translate_texts_total", "Texts translated", ["engine"])


class TranslateServicer(translate_pb2_grpc.TranslateServicer):
    def __init__(self, translator: Translator, queue: WorkQueue) -> None:
        self._translator = translator
        self._queue = queue

    @observed("Translate")
    async def Translate(
        self, request: translate_pb2.TranslateRequest, context: grpc.aio.ServicerContext
    ) -> translate_pb2.TranslateResponse:
        if not self._translator.ready:
            raise UnavailableError("the translation engines are still loading")
        texts = list(request.texts)
        engine, route, source, target = self._translator.check(texts, request.source, request.target)
        translations = await self._queue.run(
            lambda: self._translator.translate(engine, route, texts, source, target)
        )
        TEXTS_TRANSLATED.labels(route.engine).inc(len(texts))
        return translate_pb2.TranslateResponse(
            translations=translations, source=source, target=target, engine=route.engine, model=route.model
        )

    @observed("ListLanguagePairs")
    async def ListLanguagePairs(
        self, request: translate_pb2.ListLanguagePairsRequest, context: grpc.aio.ServicerContext
    ) -> translate_pb2.ListLanguagePairsResponse:
        if not self._translator.ready:
            raise UnavailableError("the translation engines are still loading")
        return translate_pb2.ListLanguagePairsResponse(
            routes=[
                translate_pb2.LanguageRoute(
                    engine=route.engine, model=route.model, sources=route.sources, targets=route.targets
                )
                for route in self._translator.routes()
            ]
        )

    def shutdown(self) -> None:
        self._queue.shutdown()
