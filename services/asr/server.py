"""The ASR gRPC servicer: receives a streamed upload onto disk, queues the work, answers the transcript.
Thin by design; decoding lives in `media.py`, the model in `engine.py`."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from prometheus_client import Counter, Gauge, Histogram

from services.asr import media
from services.asr.engine import AsrEngine, InvalidRequestError, TranscribeOptions, TranscriptResult
from services.asr.languages import LANGUAGE_NAMES
from services.asr.media import MediaError
from services.asr.registry import UnknownModelError
from services.asr.settings import AsrSettings
from services.asr.work_queue import QueueFullError, WorkQueue
from services.common.gpu import read_gpu_facts
from services.common.metrics import observed
from stt.v1 import asr_pb2, asr_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = asr_pb2.DESCRIPTOR.services_by_name["Asr"].full_name

AUDIO_SECONDS = Counter("stt_asr_audio_seconds_total", "Seconds of audio transcribed", ["model"])
REAL_TIME_FACTOR = Histogram(
    "stt_asr_real_time_factor",
    "Processing time divided by audio duration",
    ["model"],
    buckets=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5),
)
GPU_MEMORY_USED = Gauge("stt_gpu_memory_used_bytes", "GPU memory in use on this service's GPU")


def to_proto(result: TranscriptResult) -> asr_pb2.Transcript:
    return asr_pb2.Transcript(
        text=result.text,
        language=result.language,
        language_probability=result.language_probability,
        duration=result.duration,
        model=result.model,
        requested_model=result.requested_model,
        processing_seconds=result.processing_seconds,
        speakers=result.speakers,
        segments=[
            asr_pb2.Segment(
                id=s.id,
                start=s.start,
                end=s.end,
                text=s.text,
                confidence=s.confidence,
                avg_logprob=s.avg_logprob,
                no_speech_prob=s.no_speech_prob,
                compression_ratio=s.compression_ratio,
                speaker=s.speaker,
                words=[
                    asr_pb2.Word(
                        word=w.word, start=w.start, end=w.end, probability=w.probability, speaker=w.speaker
                    )
                    for w in s.words
                ],
            )
            for s in result.segments
        ],
    )


class AsrServicer(asr_pb2_grpc.AsrServicer):
    def __init__(self, engine: AsrEngine, queue: WorkQueue, settings: AsrSettings) -> None:
        self._engine = engine
        self._queue = queue
        self._spool_dir = settings.spool_dir
        self._spool_dir.mkdir(parents=True, exist_ok=True)

    async def _spool(
        self, requests: AsyncIterator[asr_pb2.TranscribeRequest]
    ) -> tuple[asr_pb2.TranscribeConfig, Path]:
        """Writes the streamed file to disk as it arrives; the first message must be the config."""
        first = await anext(requests, None)
        if first is None or first.WhichOneof("payload") != "config":
            raise InvalidRequestError("the first message must carry the config")
        with tempfile.NamedTemporaryFile(dir=self._spool_dir, suffix=".upload", delete=False) as spool:
            path = Path(spool.name)
            try:
                async for request in requests:
                    spool.write(request.audio_chunk)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        return first.config, path

    def _transcribe_file(
        self, path: Path, options: TranscribeOptions, cancelled: threading.Event
    ) -> TranscriptResult:
        audio = media.decode(path)
        result = self._engine.transcribe(audio, options, cancelled)
        AUDIO_SECONDS.labels(result.model).inc(result.duration)
        if result.duration > 0:
            REAL_TIME_FACTOR.labels(result.model).observe(result.processing_seconds / result.duration)
        return result

    @observed("Transcribe")
    async def Transcribe(
        self, request_iterator: AsyncIterator[asr_pb2.TranscribeRequest], context: grpc.aio.ServicerContext
    ) -> asr_pb2.Transcript:
        if not self._engine.ready:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the ASR models are still loading")
        cancelled = threading.Event()
        path: Path | None = None
        try:
            config, path = await self._spool(request_iterator)
            options = TranscribeOptions(
                model=config.model, language=config.language, diarize=config.diarize, speakers=config.speakers
            )
            result = await self._queue.run(lambda: self._transcribe_file(path, options, cancelled))
        except (MediaError, InvalidRequestError, UnknownModelError) as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except QueueFullError as exc:
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        except asyncio.CancelledError:
            cancelled.set()  # the caller left or the deadline passed: stop decoding at the next window
            log.info("the caller went away; the transcription stops at its next window")
            raise
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
        log.info(
            "transcribed %.1f s of audio with %s (asked for %s) in %.2f s",
            result.duration, result.model, result.requested_model, result.processing_seconds,
        )  # fmt: skip
        return to_proto(result)

    @observed("ListModels")
    async def ListModels(
        self, request: asr_pb2.ListModelsRequest, context: grpc.aio.ServicerContext
    ) -> asr_pb2.ListModelsResponse:
        registry = self._engine.registry
        return asr_pb2.ListModelsResponse(
            default_model=self._engine.settings.default_model,
            models=[
                asr_pb2.ModelInfo(
                    id=e.id,
                    name=e.card.name,
                    languages=e.card.languages,
                    speed=e.card.speed,
                    installed=e.installed,
                    served_by=e.served_by,
                    is_alias=e.is_alias,
                    loaded=e.loaded,
                )
                for e in registry.entries()
            ],
        )

    @observed("ListLanguages")
    async def ListLanguages(
        self, request: asr_pb2.ListLanguagesRequest, context: grpc.aio.ServicerContext
    ) -> asr_pb2.ListLanguagesResponse:
        registry = self._engine.registry
        multilingual = any(registry.is_multilingual(w) for w in registry.installed)
        codes = list(LANGUAGE_NAMES) if multilingual else ["en"] if registry.installed else []
        return asr_pb2.ListLanguagesResponse(
            languages=[asr_pb2.Language(code=c, name=LANGUAGE_NAMES[c]) for c in codes]
        )

    @observed("GetDeviceInfo")
    async def GetDeviceInfo(
        self, request: asr_pb2.GetDeviceInfoRequest, context: grpc.aio.ServicerContext
    ) -> asr_pb2.DeviceInfo:
        gpu = read_gpu_facts()
        GPU_MEMORY_USED.set(gpu.memory_used_mb * 1024 * 1024)
        device = self._engine.device
        return asr_pb2.DeviceInfo(
            device=device.name,
            compute_type=device.compute_type,
            gpu_available=gpu.available,
            gpu_name=gpu.name,
            gpu_memory_mb=gpu.memory_mb,
            gpu_memory_used_mb=gpu.memory_used_mb,
        )
