"""Runs one live stream over gRPC: reads the caller's audio in the background while the stream's steps
take their turns on the shared stream workers, and answers what each step found."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

from services.asr.answers import count_transcribed, segment_proto, transcript_proto
from services.asr.live_stream import LiveStream
from services.common.errors import InvalidRequestError
from services.common.work_queue import WorkQueue
from stt.v1 import asr_pb2


async def relay_stream(
    live: LiveStream, requests: AsyncIterator[asr_pb2.StreamRequest], queue: WorkQueue, step_s: float
) -> AsyncIterator[asr_pb2.StreamEvent]:
    """Events until the final transcript; bad audio from the caller raises `InvalidRequestError`."""
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
    more = False
    try:
        while True:
            ended = reader.done()
            if ended and (failure := reader.exception()) is not None:
                raise failure
            if not (ended or more or live.new_audio_s() >= step_s):
                arrived.clear()
                await arrived.wait()
                continue
            result = await queue.run(lambda ended=ended: live.step(ended, cancelled))  # type: ignore[misc]
            decoded.set()
            more = result.more
            if result.interim is not None:
                yield asr_pb2.StreamEvent(
                    partial=asr_pb2.StreamPartial(text=result.interim.text, start=result.interim.start)
                )
            for segment in result.segments:
                yield asr_pb2.StreamEvent(segment=segment_proto(segment))
            if result.transcript is not None:
                count_transcribed(result.transcript)
                yield asr_pb2.StreamEvent(transcript=transcript_proto(result.transcript))
                return
    except asyncio.CancelledError:
        cancelled.set()  # the caller went away: a decode in progress stops at its next segment
        raise
    finally:
        reader.cancel()
