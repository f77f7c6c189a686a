"""`POST /v1/tts`: text spoken by the built-in voice, or in a voice cloned from the `reference` clip
where a cloning model is mounted (its pitch matched otherwise); every answer says which. Metered by the
minutes of audio generated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway import tiers
from gateway.audio_files import CONTAINERS
from gateway.clients.asr import AsrClient
from gateway.clients.tts import TtsClient
from gateway.credits import Credits, Hold
from gateway.dependencies import PrincipalDep, RequestIdDep, StateDep
from gateway.errors import ApiError
from gateway.schemas.errors import ErrorAnswer
from gateway.speech import first_event, hold_for_text, speak_to_file, spoken_answer
from gateway.uploads import form_of, multipart_schema, spool_upload
from services.common import wav
from stt.v1 import asr_pb2, tts_pb2

router = APIRouter(tags=["audio"])

_CLONE = {"auto": tts_pb2.CLONE_AUTO, "required": tts_pb2.CLONE_REQUIRED, "off": tts_pb2.CLONE_OFF}


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
    request: Request, state: StateDep, request_id: RequestIdDep, principal: PrincipalDep
) -> Response:
    settings = state.settings
    tier = tiers.tier(principal.tier, settings)
    # The tier's concurrent slot is held until the speech is sent: for a streamed answer, by its body.
    slot = AsyncExitStack()
    await slot.enter_async_context(state.limits.lease(principal.subject, tier.concurrency))
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
                reference_text = await _reference_text(form, upload.path, state.tts, state.asr, request_id)
        finally:
            upload.discard()
        speech = tts_pb2.SynthesizeRequest(
            text=form.text, speed=form.speed, reference_audio=reference, reference_text=reference_text,
            clone=_CLONE[form.clone],  # type: ignore[arg-type]
        )  # fmt: skip
        if form.stream:
            hold = await hold_for_text(state, principal, form.text)
            try:
                voice, events = await first_event(request, state, speech, request_id)
            except BaseException:
                await asyncio.shield(state.credits.refund(hold))
                raise
            return _streamed(voice, events, state.credits, hold, slot.pop_all())
        spoken = await speak_to_file(request, state, principal, speech, request_id)
    finally:
        await slot.aclose()
    headers = {
        **_voice_headers(spoken.start),
        "X-Duration": f"{spoken.samples / spoken.start.sample_rate:.6f}",
        "X-Generation-Time": f"{spoken.end.generation_seconds:.3f}",
        "X-Sample-Rate": str(spoken.start.sample_rate),
    }
    return spoken_answer(spoken, form.format, headers)


def _streamed(
    start: tts_pb2.SynthesisStart,
    events: AsyncIterator[tts_pb2.SynthesizeEvent],
    credits: Credits,
    hold: Hold,
    slot: AsyncExitStack,
) -> StreamingResponse:
    """The WAV sent sentence by sentence: a header of unknown length, then each sentence as it is
    spoken; charged for what was spoken once the service says it ended."""
    spoken: list[float] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield wav.header(None, start.sample_rate)
        async for event in events:
            if event.WhichOneof("payload") == "end":
                spoken.append(event.end.duration)
                return
            yield event.pcm_chunk

    body = tiers.charged_body(chunks(), lambda: spoken[0] if spoken else None, credits, hold, slot)
    headers = {**_voice_headers(start), "X-Sample-Rate": str(start.sample_rate)}
    return StreamingResponse(body, media_type="audio/wav", headers=headers)
