"""`POST /v1/tts`: text spoken by the built-in voice, or in a voice cloned from the `reference` clip
where a cloning model is mounted (its pitch matched otherwise); every answer says which. Metered by the
minutes of audio generated."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from gateway import tiers
from gateway.audio_files import CONTAINERS, encode_pcm
from gateway.clients.asr import AsrClient
from gateway.clients.tts import TtsClient
from gateway.credits import Credits, Hold, QuotaExhaustedError
from gateway.dependencies import (
    AsrDep,
    CreditsDep,
    LimitsDep,
    PrincipalDep,
    RequestIdDep,
    SettingsDep,
    TtsDep,
)
from gateway.disconnect import unless_disconnected
from gateway.errors import ApiError
from gateway.schemas.errors import ErrorAnswer
from gateway.uploads import form_of, multipart_schema, spool_upload
from services.common import wav
from stt.v1 import asr_pb2, tts_pb2

router = APIRouter(tags=["audio"])

_CLONE = {"auto": tts_pb2.CLONE_AUTO, "required": tts_pb2.CLONE_REQUIRED, "off": tts_pb2.CLONE_OFF}
_SPOKEN_CHARS_PER_S = 15.0
"""About how fast the voices speak: what the quota is held for before the audio's length is known."""


class TtsForm(BaseModel):
    """The form fields of `POST /v1/tts` besides `reference`."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(description="What to say (at most 5,000 characters)")
    reference_text: str = Field(
        default="", description="What the reference clip says (transcribed by the ASR service when absent)"
    )
    speed: float = Field(default=1.0, ge=0.5, le=2.0, description="1.0 is the voice's own pace")
    format: Literal["wav", "flac", "mp3", "opus"] = Field(default="wav", description="The audio format")
    clone: Literal["auto", "required", "off"] = Field(
        default="auto",
        description="`auto`: clone where a cloning model is mounted, else match the reference's pitch; "
        "`required`: clone or answer 503; `off`: the built-in voice as it is",
    )
    stream: bool = Field(
        default=False, description="WAV only: send each sentence as it is spoken (no X-Duration then)"
    )


_MULTIPART_SCHEMA = multipart_schema(
    TtsForm, "reference", "3-10 s of the voice to clone or match (optional)", file_required=False
)


def _voice_headers(start: tts_pb2.SynthesisStart) -> dict[str, str]:
    return {
        "X-Model": start.model,
        "X-Voice-Cloned": "true" if start.voice_cloned else "false",
        "X-Voice-Matching": start.voice_matching or "none",
    }


async def _reference_text(
    form: TtsForm, reference: Path, tts: TtsClient, asr: AsrClient, request_id: str
) -> str:
    """What the reference says, for a cloning model that needs it: the caller's words, or the ASR
    service's transcript (the services never call each other: the gateway asks both)."""
    if form.reference_text.strip() or form.clone == "off" or not (await tts.voices(request_id)).can_clone:
        return form.reference_text
    config = asr_pb2.TranscribeConfig(diarize=False, language="auto")
    return (await asr.transcribe(reference, config, request_id=request_id)).text


async def _spoken(
    events: AsyncIterator[tts_pb2.SynthesizeEvent], start: tts_pb2.SynthesisStart, path: Path
) -> tuple[int, tts_pb2.SynthesisEnd]:
    """Writes the speech as a WAV at `path`, its header filled in once the length is known; the
    samples written and the end event."""
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


@router.post(
    "/v1/tts",
    openapi_extra=_MULTIPART_SCHEMA,
    summary="Speak text in a cloned voice (a 3-10 s reference clip) or the built-in one",
    response_class=Response,
    responses={
        200: {
            "content": {media: {"schema": {"type": "string", "format": "binary"}}
                        for media in ("audio/wav", *(c[2] for c in CONTAINERS.values()))},
            "description": "The speech; X-Duration, X-Generation-Time, X-Model, X-Voice-Cloned headers",
        },
        503: {
            "model": ErrorAnswer,
            "description": "`clone=required` on a deployment that cannot clone (the message says why), or "
            "the speech synthesis service down (with Retry-After)",
        },
    },
)  # fmt: skip
async def text_to_speech(
    request: Request,
    settings: SettingsDep,
    tts: TtsDep,
    asr: AsrDep,
    request_id: RequestIdDep,
    principal: PrincipalDep,
    credits: CreditsDep,
    limits: LimitsDep,
) -> Response:
    tier = tiers.tier(principal.tier, settings)
    # The tier's concurrent slot is held until the speech is sent: for a streamed answer, by its body.
    slot = AsyncExitStack()
    await slot.enter_async_context(limits.lease(principal.subject, tier.concurrency))
    try:
        upload = await spool_upload(
            request,
            file_field="reference",
            spool_dir=settings.spool_dir,
            max_file_bytes=min(tier.max_bytes, settings.max_reference_bytes),
            max_field_bytes=settings.max_form_field_bytes,
            file_optional=True,
        )
        try:
            form = form_of(TtsForm, upload.fields)
            if not form.text.strip():
                raise ApiError(400, "the text is empty")
            if form.stream and form.format != "wav":
                raise ApiError(400, "stream=true sends WAV only")
            reference = await asyncio.to_thread(upload.path.read_bytes) if upload.size else b""
            reference_text = ""
            if reference:
                reference_text = await _reference_text(form, upload.path, tts, asr, request_id)
        finally:
            upload.discard()
        bucket = tiers.bucket_for(principal, settings)
        try:
            hold = await credits.reserve(bucket, tiers.cost(bucket, len(form.text) / _SPOKEN_CHARS_PER_S))
        except QuotaExhaustedError as exc:
            raise await tiers.quota_error(exc, credits, "this text") from exc
        speech = tts_pb2.SynthesizeRequest(
            text=form.text, speed=form.speed, reference_audio=reference, reference_text=reference_text,
            clone=_CLONE[form.clone],  # type: ignore[arg-type]
        )  # fmt: skip
        try:
            events = tts.synthesize(speech, request_id=request_id)
            first = await unless_disconnected(request, anext(events))
            if first.WhichOneof("payload") != "start":
                raise ApiError(502, "the speech synthesis service answered without its start")
            if form.stream:
                return _streamed(first.start, events, credits, hold, slot.pop_all())
            folder = Path(tempfile.mkdtemp(dir=settings.spool_dir))
            speech_wav = folder / "speech.wav"
            try:
                samples, end = await unless_disconnected(request, _spoken(events, first.start, speech_wav))
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        except BaseException:
            await asyncio.shield(credits.refund(hold))
            raise
    finally:
        await slot.aclose()
    await asyncio.shield(tiers.charge_decoded(credits, hold, end.duration))
    return _file_answer(first.start, end, samples, speech_wav, form.format)


def _file_answer(
    start: tts_pb2.SynthesisStart,
    end: tts_pb2.SynthesisEnd,
    samples: int,
    speech_wav: Path,
    audio_format: str,
) -> FileResponse:
    """The whole speech as a file; X-Duration is its exact length (of the PCM it was encoded from, for
    a compressed format)."""
    headers = {
        **_voice_headers(start),
        "X-Duration": f"{samples / start.sample_rate:.6f}",
        "X-Generation-Time": f"{end.generation_seconds:.3f}",
        "X-Sample-Rate": str(start.sample_rate),
    }
    cleanup = BackgroundTask(shutil.rmtree, speech_wav.parent, ignore_errors=True)
    if audio_format == "wav":
        return FileResponse(speech_wav, media_type="audio/wav", headers=headers, background=cleanup)
    out = speech_wav.with_suffix(f".{audio_format}")
    encode_pcm(speech_wav, start.sample_rate, audio_format, out)
    return FileResponse(out, media_type=CONTAINERS[audio_format][2], headers=headers, background=cleanup)


def _streamed(
    start: tts_pb2.SynthesisStart,
    events: AsyncIterator[tts_pb2.SynthesizeEvent],
    credits: Credits,
    hold: Hold,
    slot: AsyncExitStack,
) -> StreamingResponse:
    """The WAV sent sentence by sentence: a header of unknown length, then each sentence as it is
    spoken. Charged for what was spoken once it ends; a stream cut short costs nothing. The caller's
    concurrent slot is given back when the body ends."""

    async def body() -> AsyncIterator[bytes]:
        async with slot:
            yield wav.header(None, start.sample_rate)
            try:
                async for event in events:
                    if event.WhichOneof("payload") == "end":
                        await asyncio.shield(tiers.charge_decoded(credits, hold, event.end.duration))
                        return
                    yield event.pcm_chunk
            except BaseException:
                await asyncio.shield(credits.refund(hold))
                raise
            await asyncio.shield(credits.refund(hold))

    headers = {**_voice_headers(start), "X-Sample-Rate": str(start.sample_rate)}
    return StreamingResponse(body(), media_type="audio/wav", headers=headers)
