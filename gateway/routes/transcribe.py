"""`POST /v1/transcribe`: spool the upload, check the form, stream the file to the ASR service,
shape the answer."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.background import BackgroundTask

from gateway import tiers
from gateway.credits import Credits, Hold, QuotaExhaustedError
from gateway.dependencies import (
    AsrDep,
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
from gateway.media_probe import probe_duration
from gateway.schemas.transcripts import TranscriptAnswer
from gateway.transcript_record import TranscriptRecord
from gateway.uploads import spool_upload
from stt.v1 import asr_pb2

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

    @model_validator(mode="after")
    def _bounds_allow_a_count(self) -> TranscribeForm:
        if 0 < self.max_speakers < self.min_speakers:
            raise ValueError(
                f"min_speakers ({self.min_speakers}) is more than max_speakers ({self.max_speakers})"
            )
        return self


def _form(fields: dict[str, str]) -> TranscribeForm:
    try:
        return TranscribeForm.model_validate({k: v.strip() for k, v in fields.items()})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
            if e["loc"]
            else e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise ApiError(400, f"invalid form field: {problems}") from exc


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


_MULTIPART_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "Audio or video file"},
                        **TranscribeForm.model_json_schema()["properties"],
                    },
                }
            }
        },
    }
}


async def _charge(
    credits: Credits, hold: Hold, transcript: asr_pb2.Transcript, record: TranscriptRecord
) -> None:
    """Charges the audio decoded, which the hold (priced from the container before the work) may
    under-state: a header that counts only part of the stream. The rest is reserved before the answer;
    a quota that cannot pay it refuses the answer with 402, and then nothing is charged."""
    charge = tiers.cost(hold.bucket, transcript.duration)
    if charge > hold.amount:
        try:
            rest = await credits.reserve(hold.bucket, charge - hold.amount)
        except QuotaExhaustedError as exc:
            decoded = f"the {transcript.duration:.0f} s of audio decoded"
            error = await tiers.quota_error(exc, credits, decoded)
            await credits.refund(hold, alongside=record.fail(error))
            raise error from exc
        except BaseException as exc:
            await credits.refund(hold, alongside=record.fail(exc))
            raise
        await credits.settle(rest, rest.amount, record.id)
    await credits.settle(hold, charge, record.id, alongside=record.complete(transcript))


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
            form = _form(upload.fields)
            if upload.size == 0:
                raise ApiError(400, "the file is empty")
            duration = await asyncio.to_thread(probe_duration, upload.path)
            bucket = tiers.bucket_for(principal, settings)
            record = TranscriptRecord(principal.account_id, upload.filename, form.model)
            try:
                hold = await credits.reserve(
                    bucket, tiers.cost(bucket, duration), alongside=record.start, undo=record.discard
                )
            except QuotaExhaustedError as exc:
                raise await tiers.quota_error(exc, credits) from exc
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
                call = asr.transcribe(upload.path, config, request_id=request_id)
                transcript = await unless_disconnected(request, call)
            except BaseException as exc:
                # A failed transcription costs nothing and is kept with its error.
                await asyncio.shield(credits.refund(hold, alongside=record.fail(exc)))
                raise
            await asyncio.shield(_charge(credits, hold, transcript, record))
        finally:
            upload.discard()
    response = _render(transcript, form.response_format, record.id)
    if record.id is not None:  # embedded for chat once the answer is sent
        response.background = BackgroundTask(index_completed, sessions, record.id, embed, request_id)
    return response
