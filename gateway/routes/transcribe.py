"""`POST /v1/transcribe`: spool the upload, check the form, stream the file to the ASR service,
shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.background import BackgroundTask

from gateway.dependencies import EmbedDep, PrincipalDep, RequestIdDep, SessionsDep, StateDep
from gateway.errors import ApiError
from gateway.exports.plain_text import to_text
from gateway.exports.subtitles import to_srt, to_vtt
from gateway.exports.transcript_json import transcript_json
from gateway.intelligence.retrieval import index_completed
from gateway.schemas.transcribe_form import ResponseFormat, TranscribeForm
from gateway.schemas.transcripts import TranscriptAnswer
from gateway.transcription import transcribe_upload
from gateway.uploads import form_of, media_upload, multipart_schema
from stt.v1 import asr_pb2

router = APIRouter(tags=["transcription"])


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
    state: StateDep,
    request_id: RequestIdDep,
    principal: PrincipalDep,
    sessions: SessionsDep,
    embed: EmbedDep,
) -> Response:
    async with media_upload(request, state, principal) as upload:
        form = form_of(TranscribeForm, upload.fields)
        if upload.size == 0:
            raise ApiError(400, "the file is empty")
        config = form.config(upload.filename)
        done = await transcribe_upload(
            request, state, principal, upload, config, request_id, enhance=form.enhance
        )
    response = _render(done.transcript, form.response_format, done.transcript_id)
    if done.enhanced_by:
        response.headers["X-Enhanced-By"] = done.enhanced_by
    if done.transcript_id is not None:  # embedded for chat once the answer is sent
        response.background = BackgroundTask(index_completed, sessions, done.transcript_id, embed, request_id)
    return response
