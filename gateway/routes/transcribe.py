"""`POST /v1/transcribe`: spool the upload, check the form, stream the file to the ASR service,
shape the answer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.background import BackgroundTask

from gateway import tiers
from gateway.clients.asr import AsrClient
from gateway.clients.audio import AudioClient
from gateway.dependencies import (
    AsrDep,
    AudioDep,
    CreditsDep,
    EmbedDep,
    LimitsDep,
    PrincipalDep,
    RequestIdDep,
    SessionsDep,
    SettingsDep,
)
from gateway.disconnect import unless_disconnected
from gateway.errors import ApiError
from gateway.exports.plain_text import to_text
from gateway.exports.subtitles import to_srt, to_vtt
from gateway.exports.transcript_json import transcript_json
from gateway.intelligence.retrieval import index_completed
from gateway.schemas.transcripts import TranscriptAnswer
from gateway.transcript_record import TranscriptRecord
from gateway.uploads import form_of, multipart_schema, spool_upload
from stt.v1 import asr_pb2, audio_pb2

router = APIRouter(tags=["transcription"])

ResponseFormat = Literal["json", "verbose_json", "txt", "text", "srt", "vtt"]


class TranscribeForm(BaseModel):
    """The form fields of `POST /v1/transcribe` besides `file`."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(
        default="", max_length=100, description="Model id; empty means the deployment's default"
    )
    language: str = Field(default="auto", max_length=10, description="ISO 639-1 code, or `auto` to detect")
    diarize: bool = Field(default=True, description="Speaker diarization")
    speakers: int = Field(default=0, ge=0, le=32, description="Expected number of speakers, 0 = detect")
    min_speakers: int = Field(
        default=0, ge=0, le=32, description="With `speakers` 0: the fewest speakers to find, 0 = no bound"
    )
    max_speakers: int = Field(
        default=0, ge=0, le=32, description="With `speakers` 0: the most speakers to find, 0 = no bound"
    )
    response_format: ResponseFormat = "json"
    enhance: bool = Field(
        default=False, description="Remove noise first (the audio service, DeepFilterNet3), then transcribe"
    )

    @model_validator(mode="after")
    def _bounds_allow_a_count(self) -> TranscribeForm:
        if 0 < self.max_speakers < self.min_speakers:
            raise ValueError(
                f"min_speakers ({self.min_speakers}) is more than max_speakers ({self.max_speakers})"
            )
        return self


_FOR_SPEECH_MODELS = audio_pb2.EnhanceOptions(sample_rate=16_000)
"""What the ASR reads: 16 kHz; the loudness the service levels to by default."""


async def _enhanced_then_transcribed(
    audio: AudioClient, asr: AsrClient, path: Path, config: asr_pb2.TranscribeConfig, request_id: str
) -> tuple[asr_pb2.Transcript, str]:
    """The upload through the audio service, its answer streamed on into the ASR service as it arrives
    (the gateway holds no second copy); the transcript and the noise model that ran."""
    header, wav = await audio.enhance(path, _FOR_SPEECH_MODELS, request_id=request_id)
    return await asr.transcribe_chunks(wav, config, request_id=request_id), header.model


async def _transcribed(
    asr: AsrClient, path: Path, config: asr_pb2.TranscribeConfig, request_id: str
) -> tuple[asr_pb2.Transcript, str]:
    return await asr.transcribe(path, config, request_id=request_id), ""


def _render(
    transcript: asr_pb2.Transcript, response_format: ResponseFormat, transcript_id: str | None
) -> Response:
    headers = {"X-Model": transcript.model}
    if transcript_id is not None:
        headers["X-Transcript-ID"] = transcript_id
    if response_format in ("json", "verbose_json"):
        body = transcript_json(transcript, verbose=response_format == "verbose_json")
        if transcript_id is not None:
            body = {"id": transcript_id, **body}
        return JSONResponse(body, headers=headers)
    if response_format == "srt":
        return Response(to_srt(transcript), media_type="application/x-subrip", headers=headers)
    if response_format == "vtt":
        return Response(to_vtt(transcript), media_type="text/vtt", headers=headers)
    return PlainTextResponse(to_text(transcript), headers=headers)


_MULTIPART_SCHEMA = multipart_schema(TranscribeForm, "file", "Audio or video file")


@router.post(
    "/v1/transcribe",
    openapi_extra=_MULTIPART_SCHEMA,
    summary="Transcribe an audio or video file",
    responses={
        200: {
            "model": TranscriptAnswer,
            "description": "`json` and `verbose_json`; `srt`, `vtt` and `txt` answer the document as text",
        }
    },
)
async def transcribe(
    request: Request,
    settings: SettingsDep,
    asr: AsrDep,
    audio: AudioDep,
    request_id: RequestIdDep,
    principal: PrincipalDep,
    credits: CreditsDep,
    limits: LimitsDep,
    sessions: SessionsDep,
    embed: EmbedDep,
) -> Response:
    tier = tiers.tier(principal.tier, settings)
    async with limits.lease(principal.subject, tier.concurrency):
        upload = await spool_upload(
            request,
            file_field="file",
            spool_dir=settings.spool_dir,
            max_file_bytes=tier.max_bytes,
            max_field_bytes=settings.max_form_field_bytes,
        )
        try:
            form = form_of(TranscribeForm, upload.fields)
            if upload.size == 0:
                raise ApiError(400, "the file is empty")
            record = TranscriptRecord(principal.account_id, upload.filename, form.model)
            hold = await tiers.hold_audio(
                credits, principal, settings, upload.path, alongside=record.start, undo=record.discard
            )
            config = asr_pb2.TranscribeConfig(
                model=form.model,
                language=form.language,
                diarize=form.diarize,
                speakers=form.speakers,
                min_speakers=form.min_speakers,
                max_speakers=form.max_speakers,
                filename=upload.filename,
            )
            try:
                if form.enhance:
                    call = _enhanced_then_transcribed(audio, asr, upload.path, config, request_id)
                else:
                    call = _transcribed(asr, upload.path, config, request_id)
                transcript, enhanced_by = await unless_disconnected(request, call)
            except BaseException as exc:
                # A failed transcription costs nothing and is kept with its error.
                await asyncio.shield(credits.refund(hold, alongside=record.fail(exc)))
                raise
            charge = tiers.charge_decoded(
                credits, hold, transcript.duration, record.id,
                complete=record.complete(transcript), fail=record.fail,
            )  # fmt: skip
            await asyncio.shield(charge)
        finally:
            upload.discard()
    response = _render(transcript, form.response_format, record.id)
    if enhanced_by:
        response.headers["X-Enhanced-By"] = enhanced_by
    if record.id is not None:  # embedded for chat once the answer is sent
        response.background = BackgroundTask(index_completed, sessions, record.id, embed, request_id)
    return response
