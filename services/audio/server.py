"""The audio gRPC servicer: the upload streamed onto disk, enhanced on a worker of the bounded queue,
the WAV streamed back after a header with what was measured, or (streamed) each block as it is made
and what was measured at the end."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from prometheus_client import Counter

from services.audio.enhancer import EnhanceOptions, Enhancer, Measured, RunningEnhancement
from services.audio.settings import AudioSettings
from services.common import wav
from services.common.errors import UnavailableError
from services.common.messages import filled
from services.common.metrics import observed_stream
from services.common.uploads import spool_prefix, spool_upload, sweep_orphaned_spools
from services.common.work_queue import WorkQueue
from stt.v1 import audio_pb2, audio_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = audio_pb2.DESCRIPTOR.services_by_name["Audio"].full_name
_CHUNK_BYTES = 256 * 1024

SECONDS_ENHANCED = Counter("stt_audio_seconds_total", "Seconds of audio enhanced")


class AudioServicer(audio_pb2_grpc.AudioServicer):
    def __init__(self, enhancer: Enhancer, queue: WorkQueue, settings: AudioSettings) -> None:
        self._enhancer = enhancer
        self._queue = queue
        self._settings = settings
        settings.spool_dir.mkdir(parents=True, exist_ok=True)
        sweep_orphaned_spools(settings.spool_dir)

    @observed_stream("Enhance")
    async def Enhance(
        self, request_iterator: AsyncIterator[audio_pb2.EnhanceRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[audio_pb2.EnhanceResponse]:
        if not self._enhancer.ready:
            raise UnavailableError("the noise model is still loading")
        settings = self._settings
        work = Path(tempfile.mkdtemp(dir=settings.spool_dir, prefix=spool_prefix()))
        cancelled = threading.Event()
        try:
            asked, upload = await spool_upload(request_iterator, "options", work, settings.max_upload_bytes)
            options = self._enhancer.options_of(asked)
            if asked.stream:
                async for response in self._streamed(upload, options, cancelled):
                    yield response
                return
            enhanced = await self._queue.run(lambda: self._enhancer.enhance(upload, work, options, cancelled))
            _measured(enhanced)
            yield audio_pb2.EnhanceResponse(
                header=filled(audio_pb2.EnhanceHeader, enhanced, wav_bytes=enhanced.path.stat().st_size)
            )
            with enhanced.path.open("rb") as source:
                while chunk := source.read(_CHUNK_BYTES):
                    yield audio_pb2.EnhanceResponse(wav_chunk=chunk)
        except asyncio.CancelledError:
            cancelled.set()  # the caller left or the deadline passed: stop at the next block
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _streamed(
        self, upload: Path, options: EnhanceOptions, cancelled: threading.Event
    ) -> AsyncIterator[audio_pb2.EnhanceResponse]:
        running = RunningEnhancement(self._enhancer, upload, options, cancelled)
        floats = options.encoding == audio_pb2.FLOAT_32
        yield audio_pb2.EnhanceResponse(
            header=audio_pb2.EnhanceHeader(
                sample_rate=running.sample_rate,
                encoding=options.encoding,  # type: ignore[arg-type]
                model=running.model,
            )
        )
        yield audio_pb2.EnhanceResponse(wav_chunk=wav.header(None, running.sample_rate, floats))
        async for block in self._queue.stream(running.blocks):
            yield audio_pb2.EnhanceResponse(wav_chunk=wav.block_bytes(block, floats))
        figures = running.figures
        assert figures is not None  # the blocks are all made
        _measured(figures)
        yield audio_pb2.EnhanceResponse(end=filled(audio_pb2.EnhanceEnd, figures))

    def shutdown(self) -> None:
        self._queue.shutdown()


def _measured(figures: Measured) -> None:
    SECONDS_ENHANCED.inc(figures.duration)
    log.info(
        "enhanced %.1f s (%.1f -> %.1f LUFS) in %.2f s", figures.duration, figures.input_loudness,
        figures.output_loudness, figures.processing_seconds,
    )  # fmt: skip
