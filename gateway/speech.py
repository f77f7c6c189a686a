"""Speech made whole, as `/v1/tts` and `/v1/audio/speech` answer it: the caller's quota held from the
text's length, the sentences written into a WAV as they arrive, the minutes spoken charged (nothing
when it fails), and the file answered in the format asked."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.requests import Request

from gateway import tiers
from gateway.audio_files import CONTAINERS, encode_pcm, raw_pcm
from gateway.auth import Principal
from gateway.credits import Hold
from gateway.disconnect import unless_disconnected
from gateway.errors import ApiError
from gateway.state import GatewayState
from services.common import wav
from stt.v1 import tts_pb2

_SPOKEN_CHARS_PER_S = 15.0
"""About how fast the voices speak: what the quota is held for before the audio's length is known."""


@dataclass(frozen=True)
class Spoken:
    start: tts_pb2.SynthesisStart
    end: tts_pb2.SynthesisEnd
    samples: int
    wav: Path
    """The speech as a WAV, alone in a folder of its own (deleted once answered)."""


async def hold_for_text(state: GatewayState, principal: Principal, text: str) -> Hold:
    seconds = len(text) / _SPOKEN_CHARS_PER_S
    return await tiers.hold_seconds(state.credits, principal, state.settings, seconds, "this text")


async def first_event(
    request: Request, state: GatewayState, speech: tts_pb2.SynthesizeRequest, request_id: str
) -> tuple[tts_pb2.SynthesisStart, AsyncIterator[tts_pb2.SynthesizeEvent]]:
    """The synthesis started: which voice speaks, and the events of the sentences to come."""
    events = state.tts.synthesize(speech, request_id=request_id)
    first = await unless_disconnected(request, anext(events))
    if first.WhichOneof("payload") != "start":
        raise ApiError(502, "the speech synthesis service answered without its start")
    return first.start, events


async def _written(
    events: AsyncIterator[tts_pb2.SynthesizeEvent], start: tts_pb2.SynthesisStart, path: Path
) -> tuple[int, tts_pb2.SynthesisEnd]:
    """Writes the speech as a WAV at `path`, its header filled in once the length is known."""
    samples = 0
    with path.open("wb") as sink:
        sink.write(wav.header(0, start.sample_rate))
        async for event in events:
            if event.WhichOneof("payload") == "end":
                sink.seek(0)
                sink.write(wav.header(samples, start.sample_rate))
                return samples, event.end
            samples += len(event.pcm_chunk) // 2
            await asyncio.to_thread(sink.write, event.pcm_chunk)
    raise ApiError(502, "the speech synthesis service ended without finishing")


async def speak_to_file(
    request: Request,
    state: GatewayState,
    principal: Principal,
    speech: tts_pb2.SynthesizeRequest,
    request_id: str,
) -> Spoken:
    """The whole speech in a WAV on disk, charged by its minutes; refused or failed work costs nothing."""
    hold = await hold_for_text(state, principal, speech.text)
    folder = Path(tempfile.mkdtemp(dir=state.settings.spool_dir))
    try:
        start, events = await first_event(request, state, speech, request_id)
        path = folder / "speech.wav"
        samples, end = await unless_disconnected(request, _written(events, start, path))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        await asyncio.shield(state.credits.refund(hold))
        raise
    await asyncio.shield(tiers.charge_decoded(state.credits, hold, end.duration))
    return Spoken(start, end, samples, path)


def spoken_answer(spoken: Spoken, audio_format: str, headers: dict[str, str]) -> FileResponse:
    """The speech as a file in `audio_format` (`wav`, or one of `CONTAINERS`), its folder deleted once
    it is sent."""
    cleanup = BackgroundTask(shutil.rmtree, spoken.wav.parent, ignore_errors=True)
    if audio_format == "wav":
        return FileResponse(spoken.wav, media_type="audio/wav", headers=headers, background=cleanup)
    if audio_format == "pcm":
        raw = spoken.wav.with_suffix(".pcm")
        raw_pcm(spoken.wav, spoken.start.sample_rate, raw)
        return FileResponse(raw, media_type="audio/pcm", headers=headers, background=cleanup)
    out = spoken.wav.with_suffix(f".{audio_format}")
    encode_pcm(spoken.wav, spoken.start.sample_rate, audio_format, out)
    return FileResponse(out, media_type=CONTAINERS[audio_format][2], headers=headers, background=cleanup)
