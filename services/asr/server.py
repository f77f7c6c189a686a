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
from services.asr.engine import (
    AsrEngine,
    InvalidRequestError,
    SegmentResult,
    TranscribeOptions,
    TranscriptResult,
)
from services.asr.languages import LANGUAGE_NAMES
from services.asr.live_stream import LiveStream
from services.asr.media import MediaError
from services.asr.registry import UnknownModelError
from services.asr.settings import AsrSettings
from services.asr.work_queue import QueueFullError, WorkQueue
from services.common.gpu import read_gpu_facts
from services.common.metrics import observed, observed_stream
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
LIVE_STREAMS = Gauge("stt_asr_live_streams", "Live streams being transcribed")
GPU_MEMORY_USED = Gauge("stt_gpu_memory_used_bytes", "GPU memory in use on this service's GPU")


def segment_proto(s: SegmentResult) -> asr_pb2.Segment:
    return asr_pb2.Segment(
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
            asr_pb2.Word(word=w.word, start=w.start, end=w.end, probability=w.probability, speaker=w.speaker)
            for w in s.words
        ],
    )


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
        segments=[segment_proto(s) for s in result.segments],
        speaker_turns=[
            asr_pb2.SpeakerTurn(start=t.start, end=t.end, speaker=t.speaker) for t in result.speaker_turns
        ],
    )


def _observe(result: TranscriptResult) -> None:
    AUDIO_SECONDS.labels(result.model).inc(result.duration)
    if result.duration > 0:
        REAL_TIME_FACTOR.labels(result.model).observe(result.processing_seconds / result.duration)


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
        decoded = path.with_suffix(".pcm")
        try:
            audio = media.decode_to_disk(path, decoded)
            result = self._engine.transcribe(audio, options, cancelled)
        finally:
            decoded.unlink(missing_ok=True)
        _observe(result)
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
                model=config.model,
                language=config.language,
                diarize=config.diarize,
                speakers=config.speakers,
                min_speakers=config.min_speakers,
                max_speakers=config.max_speakers,
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

    @observed_stream("Stream")
    async def Stream(
        self, request_iterator: AsyncIterator[asr_pb2.StreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[asr_pb2.StreamEvent]:
        if not self._engine.ready:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the ASR models are still loading")
        if self._streams >= self._settings.max_streams:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"this ASR process serves {self._settings.max_streams} live streams already",
            )
        first = await anext(request_iterator, None)
        if first is None or first.WhichOneof("payload") != "config":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the first message must carry the config")
        assert first is not None  # abort raised otherwise
        try:
            resolution, language = self._engine.resolve(first.config.model, first.config.language)
            live = LiveStream(self._engine, resolution, language, diarize=first.config.diarize)
        except (InvalidRequestError, UnknownModelError) as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        self._streams += 1
        LIVE_STREAMS.inc()
        try:
            yield asr_pb2.StreamEvent(
                ready=asr_pb2.StreamReady(model=resolution.weights_id, requested_model=resolution.requested)
            )
            async for event in self._run_stream(live, request_iterator, context):
                yield event
        finally:
            self._streams -= 1
            LIVE_STREAMS.dec()

    async def _run_stream(
        self,
        live: LiveStream,
        requests: AsyncIterator[asr_pb2.StreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[asr_pb2.StreamEvent]:
        """Reads audio in the background while steps of this stream take their turns on the shared
        stream workers, and answers what each step found."""
        arrived = asyncio.Event()  # new audio, or the end of it
        decoded = asyncio.Event()  # a step consumed audio: a held-back reader may go on

        async def read_audio() -> None:
            try:
                async for request in requests:
                    if request.WhichOneof("payload") != "audio":
                        raise InvalidRequestError("only audio may follow the config")
                    if len(request.audio) % 2:
                        raise InvalidRequestError("audio must be 16-bit samples: an even number of bytes")
                    live.append(request.audio)
                    arrived.set()
                    while live.backlogged:
                        decoded.clear()
                        await decoded.wait()
            finally:
                arrived.set()

        reader = asyncio.create_task(read_audio())
        cancelled = threading.Event()
        step_s = self._settings.stream_step_s
        more = False
        try:
            while True:
                ended = reader.done()
                if ended and reader.exception() is not None:
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(reader.exception()))
                if not (ended or more or live.new_audio_s() >= step_s):
                    arrived.clear()
                    await arrived.wait()
                    continue
                result = await self._stream_queue.run(lambda ended=ended: live.step(ended, cancelled))  # type: ignore[misc]
                decoded.set()
                more = result.more
                if result.interim is not None:
                    yield asr_pb2.StreamEvent(
                        partial=asr_pb2.StreamPartial(text=result.interim.text, start=result.interim.start)
                    )
                for segment in result.segments:
                    yield asr_pb2.StreamEvent(segment=segment_proto(segment))
                if result.transcript is not None:
                    _observe(result.transcript)
                    yield asr_pb2.StreamEvent(transcript=to_proto(result.transcript))
                    return
        except asyncio.CancelledError:
            cancelled.set()  # the caller went away: a decode in progress stops at its next segment
            raise
        finally:
            reader.cancel()

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
