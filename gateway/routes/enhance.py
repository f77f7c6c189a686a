"""`POST /v1/enhance-audio`: spool the upload, hold its minutes like a transcription, stream it to the
audio service, answer the enhanced WAV with what was measured in headers; or, with `stream=true`, send
the WAV as the service makes it."""

from __future__ import annotations

import asyncio
import math
from contextlib import AsyncExitStack
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway import tiers
from gateway.clients.audio import EnhancedAudio
from gateway.credits import Credits, Hold
from gateway.dependencies import PrincipalDep, RequestIdDep, StateDep
from gateway.disconnect import unless_disconnected
from gateway.errors import ApiError
from gateway.uploads import form_of, media_upload, multipart_schema
from stt.v1 import audio_pb2

router = APIRouter(tags=["audio"])

_ENCODINGS = {"pcm_16": audio_pb2.PCM_16, "float_32": audio_pb2.FLOAT_32}


class EnhanceForm(BaseModel):
    """The form fields of `POST /v1/enhance-audio` besides `file`."""

    model_config = ConfigDict(extra="ignore")

    target_lufs: float = Field(default=-16.0, ge=-70.0, le=-5.0, description="Integrated loudness to reach")
    true_peak_db: float = Field(
        default=-1.0, ge=-20.0, le=0.0, description="Ceiling of every true peak, dBTP"
    )
    sample_rate: int = Field(default=0, ge=0, le=192_000, description="Hz of the answer; 0 = the input's")
    encoding: Literal["pcm_16", "float_32"] = Field(
        default="pcm_16", description="16-bit PCM or 32-bit float"
    )
    denoise: bool = Field(default=True, description="Remove noise (false: loudness only)")
    stream: bool = Field(
        default=False,
        description="Send the audio as it is made (a WAV of unknown length): its gain follows the "
        "loudness measured so far, and no measured loudness is sent in headers",
    )

    @field_validator("sample_rate")
    @classmethod
    def _a_real_rate(cls, rate: int) -> int:
        if 0 < rate < 8000:
            raise ValueError("a sample rate is 0 (the input's) or 8000 to 192000 Hz")
        return rate


_MULTIPART_SCHEMA = multipart_schema(EnhanceForm, "file", "Audio or video file")


def _loudness(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "-inf"


@router.post(
    "/v1/enhance-audio",
    openapi_extra=_MULTIPART_SCHEMA,
    summary="Remove noise and level loudness (EBU R128) under a true-peak ceiling",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The enhanced audio as a WAV file; what was measured is in the X- headers",
        }
    },
)
async def enhance_audio(
    request: Request, state: StateDep, request_id: RequestIdDep, principal: PrincipalDep
) -> StreamingResponse:
    credits = state.credits
    # The caller's concurrent slot is held until the audio is sent: for a streamed answer, by its body.
    slot = AsyncExitStack()
    try:
        upload = await slot.enter_async_context(media_upload(request, state, principal))
        form = form_of(EnhanceForm, upload.fields)
        if upload.size == 0:
            raise ApiError(400, "the file is empty")
        hold = await tiers.hold_audio(credits, principal, state.settings, upload.path)
        options = audio_pb2.EnhanceOptions(
            target_lufs=form.target_lufs,
            true_peak_db=form.true_peak_db,
            sample_rate=form.sample_rate,
            encoding=_ENCODINGS[form.encoding],  # type: ignore[arg-type]
            skip_denoise=not form.denoise,
            filename=upload.filename,
            stream=form.stream,
        )
        try:
            call = state.audio.enhance(upload.path, options, request_id=request_id)
            enhanced = await unless_disconnected(request, call)
        except BaseException:
            await asyncio.shield(credits.refund(hold))  # failed work costs nothing
            raise
        if form.stream:
            return _streamed(enhanced, credits, hold, slot.pop_all())
        header = enhanced.header
        await asyncio.shield(tiers.charge_decoded(credits, hold, header.duration))
    finally:
        await slot.aclose()
    headers = {
        "Content-Length": str(header.wav_bytes),
        "X-Duration": f"{header.duration:.3f}",
        "X-Processing-Time": f"{header.processing_seconds:.3f}",
        "X-Model": header.model,
        "X-Input-Loudness": _loudness(header.input_loudness),
        "X-Output-Loudness": _loudness(header.output_loudness),
        "X-Output-True-Peak": _loudness(header.output_true_peak),
        "X-Sample-Rate": str(header.sample_rate),
    }
    return StreamingResponse(enhanced.wav(), media_type="audio/wav", headers=headers)


def _streamed(
    enhanced: EnhancedAudio, credits: Credits, hold: Hold, slot: AsyncExitStack
) -> StreamingResponse:
    """The WAV as the service makes it, charged once all of it is sent."""

    def seconds_made() -> float | None:
        return enhanced.end.duration if enhanced.end is not None else None

    body = tiers.charged_body(enhanced.wav(), seconds_made, credits, hold, slot)
    headers = {"X-Model": enhanced.header.model, "X-Sample-Rate": str(enhanced.header.sample_rate)}
    return StreamingResponse(body, media_type="audio/wav", headers=headers)
