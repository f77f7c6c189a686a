"""The speech synthesis gRPC servicer: the request checked and its voice chosen on a worker, then each
sentence spoken on a worker of the bounded queue and sent as soon as it is ready."""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import AsyncIterator

import grpc
from prometheus_client import Counter

from services.common.errors import UnavailableError
from services.common.metrics import observed, observed_stream
from services.common.work_queue import WorkQueue
from services.tts.synthesizer import Synthesizer
from stt.v1 import tts_pb2, tts_pb2_grpc

SERVICE_NAME = tts_pb2.DESCRIPTOR.services_by_name["Tts"].full_name

SECONDS_SPOKEN = Counter("stt_tts_seconds_total", "Seconds of speech generated", ["model"])


class TtsServicer(tts_pb2_grpc.TtsServicer):
    def __init__(self, synthesizer: Synthesizer, queue: WorkQueue) -> None:
        self._synthesizer = synthesizer
        self._queue = queue

    def _check_ready(self) -> None:
        if not self._synthesizer.ready:
            raise UnavailableError("the voices are still loading")

    @observed_stream("Synthesize")
    async def Synthesize(
        self, request: tts_pb2.SynthesizeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[tts_pb2.SynthesizeEvent]:
        self._check_ready()
        started = time.perf_counter()
        synthesizer = self._synthesizer
        work = synthesizer.work_folder()
        try:
            plan = await self._queue.run(lambda: synthesizer.plan(request, work))
            yield tts_pb2.SynthesizeEvent(
                start=tts_pb2.SynthesisStart(
                    model=plan.model,
                    sample_rate=plan.rate,
                    voice_cloned=plan.cloned,
                    voice_matching=plan.matching,
                )
            )
            samples = 0
            for sentence in plan.sentences:
                pcm = await self._queue.run(functools.partial(synthesizer.speak, plan, sentence))
                samples += len(pcm) // 2
                yield tts_pb2.SynthesizeEvent(pcm_chunk=pcm)
            duration = samples / plan.rate
            SECONDS_SPOKEN.labels(plan.model).inc(duration)
            yield tts_pb2.SynthesizeEvent(
                end=tts_pb2.SynthesisEnd(
                    duration=duration,
                    generation_seconds=time.perf_counter() - started,
                    sentences=len(plan.sentences),
                )
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @observed("GetVoices")
    async def GetVoices(
        self, request: tts_pb2.GetVoicesRequest, context: grpc.aio.ServicerContext
    ) -> tts_pb2.Voices:
        self._check_ready()
        return self._synthesizer.voices()

    def shutdown(self) -> None:
        self._queue.shutdown()
