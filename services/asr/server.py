"""The ASR gRPC servicer: receives a streamed upload onto disk, queues the work, answers the transcript.
Thin by design: decoding lives in `services/common/media.py`, the model in `engine.py`, a live stream's
loop in `stream_relay.py`, the answer protos in `answers.py`."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from prometheus_client import Gauge

from services.asr.answers import count_transcribed, segment_proto, transcript_proto
from services.asr.engine import AsrEngine
from services.asr.languages import LANGUAGE_NAMES
from services.asr.live_stream import LiveStream
from services.asr.results import ProgressReport, SegmentResult, TranscribeOptions, TranscriptResult
from services.asr.settings import AsrSettings
from services.asr.stream_relay import relay_stream
from services.common import media
from services.common.errors import BusyError, InvalidRequestError, UnavailableError
from services.common.gpu import read_gpu_facts
from services.common.messages import filled
from services.common.metrics import observed, observed_stream
from services.common.queued import queued_while
from services.common.uploads import spool_upload, sweep_orphaned_spools
from services.common.work_queue import WorkQueue
from stt.v1 import asr_pb2, asr_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = asr_pb2.DESCRIPTOR.services_by_name["Asr"].full_name

LIVE_STREAMS = Gauge("stt_asr_live_streams", "Live streams being transcribed")
GPU_MEMORY_USED = Gauge("stt_gpu_memory_used_bytes", "GPU memory in use on this service's GPU")


_MAX_PROMPT_CHARS = 2000  # Whisper reads at most 224 prompt tokens; far more is a mistake


def _check_steering(options: TranscribeOptions) -> None:
    if options.task not in ("transcribe", "translate"):
        raise InvalidRequestError(f"unknown task {options.task!r}: use transcribe or translate")
    if len(options.prompt) > _MAX_PROMPT_CHARS:
        raise InvalidRequestError(
            f"the prompt has {len(options.prompt)} characters; at most {_MAX_PROMPT_CHARS}"
        )
    if not 0.0 <= options.temperature <= 1.0:
        raise InvalidRequestError(f"temperature {options.temperature} is out of range (0 to 1)")


class AsrServicer(asr_pb2_grpc.AsrServicer):
    def __init__(
        self, engine: AsrEngine, queue: WorkQueue, stream_queue: WorkQueue, settings: AsrSettings
    ) -> None:
        self._engine = engine
        self._queue = queue
        self._stream_queue = stream_queue
        self._settings = settings
        self._streams = 0
        self._spool_dir = settings.spool_dir
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        sweep_orphaned_spools(self._spool_dir)

    def _check_ready(self) -> None:
        if not self._engine.ready:
            raise UnavailableError("the ASR models are still loading")

    def _transcribe_file(
        self,
        path: Path,
        options: TranscribeOptions,
        cancelled: threading.Event,
        report: ProgressReport | None,
    ) -> TranscriptResult:
        decoded = path.with_suffix(".pcm")
        try:
            audio = media.decode_to_disk(path, decoded)
            log.info("decoding %.1f s of audio", len(audio) / media.SAMPLE_RATE)  # a worker has it now
            result = self._engine.transcribe(audio, options, cancelled, report)
        finally:
            decoded.unlink(missing_ok=True)
        return result

    async def _transcribe_upload(
        self, request_iterator: AsyncIterator[asr_pb2.TranscribeRequest], report: ProgressReport | None
    ) -> TranscriptResult:
        """The streamed upload spooled, queued and transcribed; the transcript proto of both calls."""
        self._check_ready()
        cancelled = threading.Event()
        path: Path | None = None
        try:
            config, path = await spool_upload(
                request_iterator, "config", self._spool_dir, self._settings.max_upload_bytes
            )
            options = filled(TranscribeOptions, config, task=config.task or "transcribe")
            _check_steering(options)
            result = await self._queue.run(lambda: self._transcribe_file(path, options, cancelled, report))
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
        count_transcribed(result)
        return result

    @observed("Transcribe")
    async def Transcribe(
        self, request_iterator: AsyncIterator[asr_pb2.TranscribeRequest], context: grpc.aio.ServicerContext
    ) -> asr_pb2.Transcript:
        return transcript_proto(await self._transcribe_upload(request_iterator, None))

    @observed_stream("TranscribeWithProgress")
    async def TranscribeWithProgress(
        self, request_iterator: AsyncIterator[asr_pb2.TranscribeRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[asr_pb2.TranscribeEvent]:
        loop = asyncio.get_running_loop()
        reports: asyncio.Queue[asr_pb2.TranscribeEvent] = asyncio.Queue()

        def report(
            segments: list[SegmentResult], fraction: float, decoded_seconds: float, duration: float
        ) -> None:
            # From the worker thread: the events are handed to this call's loop, in order.
            events = [asr_pb2.TranscribeEvent(segment=segment_proto(s)) for s in segments]
            progress = asr_pb2.TranscribeProgress(
                fraction=fraction, decoded_seconds=decoded_seconds, duration=duration
            )
            events.append(asr_pb2.TranscribeEvent(progress=progress))
            for event in events:
                loop.call_soon_threadsafe(reports.put_nowait, event)

        work = asyncio.ensure_future(self._transcribe_upload(request_iterator, report))
        try:
            async for event in queued_while(work, reports):
                yield event
            result = work.result()
        finally:
            work.cancel()  # the caller left: the transcription stops at its next window
        yield asr_pb2.TranscribeEvent(transcript=transcript_proto(result))

    @observed_stream("Stream")
    async def Stream(
        self, request_iterator: AsyncIterator[asr_pb2.StreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[asr_pb2.StreamEvent]:
        self._check_ready()
        if self._streams >= self._settings.max_streams:
            raise BusyError(f"this ASR process serves {self._settings.max_streams} live streams already")
        first = await anext(request_iterator, None)
        if first is None or first.WhichOneof("payload") != "config":
            raise InvalidRequestError("the first message must carry the config")
        resolution, language = self._engine.resolve(first.config.model, first.config.language)
        live = LiveStream(self._engine, resolution, language, diarize=first.config.diarize)
        self._streams += 1
        LIVE_STREAMS.inc()
        try:
            yield asr_pb2.StreamEvent(
                ready=asr_pb2.StreamReady(model=resolution.weights_id, requested_model=resolution.requested)
            )
            relay = relay_stream(live, request_iterator, self._stream_queue, self._settings.stream_step_s)
            async for event in relay:
                yield event
        finally:
            self._streams -= 1
            LIVE_STREAMS.dec()

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
