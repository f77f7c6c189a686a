"""The embedding gRPC servicer: checks the texts, encodes them on a worker thread, answers the vectors."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import grpc
from prometheus_client import Counter

from services.common.errors import UnavailableError
from services.common.metrics import observed
from services.embed.engine import EmbedEngine
from stt.v1 import embed_pb2, embed_pb2_grpc

SERVICE_NAME = embed_pb2.DESCRIPTOR.services_by_name["Embed"].full_name

TEXTS_EMBEDDED = Counter("stt_embed_texts_total", "Texts embedded")


class EmbedServicer(embed_pb2_grpc.EmbedServicer):
    def __init__(self, engine: EmbedEngine) -> None:
        self._engine = engine
        self._executor = ThreadPoolExecutor(engine.settings.workers, thread_name_prefix="embed-worker")

    @observed("Embed")
    async def Embed(
        self, request: embed_pb2.EmbedRequest, context: grpc.aio.ServicerContext
    ) -> embed_pb2.EmbedResponse:
        if not self._engine.ready:
            raise UnavailableError("the embedding model is still loading")
        texts = list(request.texts)
        self._engine.check(texts)  # at once, before the call waits for a worker
        loop = asyncio.get_running_loop()
        vectors = await loop.run_in_executor(self._executor, self._engine.embed, texts)
        TEXTS_EMBEDDED.inc(len(texts))
        return embed_pb2.EmbedResponse(
            embeddings=[embed_pb2.Vector(values=v) for v in vectors.tolist()],
            dimensions=self._engine.dimensions,
            model=self._engine.settings.model_name,
        )

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
