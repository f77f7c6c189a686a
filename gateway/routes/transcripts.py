"""Stored transcripts of the caller's account: list, detail, delete, export. Another account's
transcript is 404 for every verb, never 403: its existence is not revealed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import Principal
from gateway.dependencies import (
    AccountDep,
    PrincipalDep,
    RequestIdDep,
    SessionDep,
    StateDep,
    Watched,
    WatchedDep,
    text_request,
)
from gateway.errors import ApiError
from gateway.exports.attachment import attachment
from gateway.exports.documents import to_docx, to_pdf
from gateway.exports.plain_text import to_text
from gateway.exports.subtitles import to_srt, to_vtt
from gateway.exports.table import to_csv
from gateway.exports.transcript_json import transcript_json
from gateway.intelligence import translation
from gateway.jobs.holds import job_hold
from gateway.schemas.transcripts import StoredTranscript, TranscriptList
from gateway.state import GatewayState
from gateway.store import jobs
from gateway.store import transcripts as stored
from gateway.store.models import Transcript
from stt.v1 import asr_pb2

router = APIRouter(prefix="/api/v1/transcripts", tags=["transcripts"])

EXPORT_FORMATS = ("txt", "srt", "vtt", "json", "csv", "docx", "pdf")
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_FILE_TYPES = ("text/plain", "application/x-subrip", "text/vtt", "text/csv", _DOCX, "application/pdf")
_NOT_FOUND = "no such transcript"


def _utc(moment: datetime | None, name: str) -> datetime | None:
    """The moment in UTC (naive means UTC); 400 for one that UTC cannot hold (year 1 at +14:00, say)."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ApiError(400, f"{name} is out of range") from exc


async def owned(session: SessionDep, account: AccountDep, transcript_id: str) -> Transcript:
    transcript = await stored.get(session, account.id, transcript_id)
    if transcript is None:
        raise ApiError(404, _NOT_FOUND)
    return transcript


@router.get("/", response_model=TranscriptList, summary="The caller's transcripts, newest first")
async def list_transcripts(
    account: AccountDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    status: Literal["queued", "processing", "completed", "failed"] | None = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> dict[str, Any]:
    rows, count = await stored.page(
        session,
        account.id,
        limit=limit,
        offset=offset,
        status=status,
        language=language,
        created_after=_utc(created_after, "created_after"),
        created_before=_utc(created_before, "created_before"),
    )
    return {"results": [stored.summary_json(t) for t in rows], "count": count}


@router.get(
    "/{transcript_id}/",
    response_model=None,  # the answer is built by the JSON export; this documents it
    responses={200: {"model": StoredTranscript}},
    summary="One transcript with its segments and words",
)
async def get_transcript(transcript_id: str, account: AccountDep, session: SessionDep) -> dict[str, Any]:
    transcript = await owned(session, account, transcript_id)
    return {**stored.summary_json(transcript), **transcript_json(stored.to_proto(transcript))}


@router.delete(
    "/{transcript_id}/",
    status_code=204,
    summary="Delete a transcript; a queued or running job is cancelled and its hold refunded",
)
async def delete_transcript(
    transcript_id: str, account: AccountDep, session: SessionDep, state: StateDep
) -> Response:
    transcript = await owned(session, account, transcript_id)
    job = await jobs.of_transcript(session, transcript_id)
    hold = await job_hold(session, job, state.settings) if job is not None else None
    if hold is None:
        await session.delete(transcript)
    else:  # the hold is released in the transaction that deletes the job with its transcript

        async def cancel(own: AsyncSession) -> None:
            await stored.delete(own, account.id, transcript_id)

        await session.commit()
        await state.credits.refund(hold, alongside=cancel)
    shutil.rmtree(state.settings.jobs_dir / transcript_id, ignore_errors=True)
    return Response(status_code=204)


async def _in_language(
    transcript: Transcript,
    document: asr_pb2.Transcript,
    lang: str,
    principal: Principal,
    state: GatewayState,
    session: AsyncSession,
    request_id: str,
    watched: Watched,
) -> asr_pb2.Transcript:
    """The document in `lang`: from the cached translation, or translated now, which counts as one of
    the caller's text requests, like `POST .../translate/`."""
    if transcript.status != "completed":
        raise ApiError(409, f"the transcript is {transcript.status}: it has no text to translate yet")
    found = await translation.cached(session, transcript, lang)
    if found is None:
        async with text_request(principal, state):
            found = await watched(
                translation.translate(session, transcript, lang, state.translate, request_id)
            )
    return translation.translated_document(document, found)


@router.get(
    "/{transcript_id}/export/{export_format}/",
    summary="Export as txt, srt, vtt, json, csv, docx or pdf",
    responses={
        200: {
            "description": "The transcript as a file to save (`Content-Disposition: attachment`)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/StoredTranscript"}},
                **{media: {} for media in _FILE_TYPES},
            },
        }
    },
)
async def export_transcript(
    transcript_id: str,
    export_format: str,
    account: AccountDep,
    principal: PrincipalDep,
    state: StateDep,
    session: SessionDep,
    request_id: RequestIdDep,
    watched: WatchedDep,
    lang: Annotated[
        str | None,
        Query(max_length=32, description="Export in this language (ISO 639-1): the transcript is "
              "translated segment by segment, or its cached translation is used"),
    ] = None,
) -> Response:  # fmt: skip
    if export_format not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        raise ApiError(400, f"unknown export format '{export_format}'; use one of: {known}")
    transcript = await owned(session, account, transcript_id)
    document = stored.to_proto(transcript)
    if lang:
        document = await _in_language(
            transcript, document, lang, principal, state, session, request_id, watched
        )
    disposition = {"Content-Disposition": attachment(transcript.filename, export_format)}
    title = transcript.filename or f"Transcript {transcript.id}"
    if export_format == "json":
        return JSONResponse(
            {**stored.summary_json(transcript), **transcript_json(document)}, headers=disposition
        )
    if export_format == "txt":
        return PlainTextResponse(to_text(document), headers=disposition)
    if export_format == "srt":
        return Response(to_srt(document), media_type="application/x-subrip", headers=disposition)
    if export_format == "vtt":
        return Response(to_vtt(document), media_type="text/vtt", headers=disposition)
    if export_format == "csv":
        return Response(to_csv(document), media_type="text/csv; charset=utf-8", headers=disposition)
    if export_format == "docx":
        return Response(to_docx(document, title), media_type=_DOCX, headers=disposition)
    return Response(to_pdf(document, title), media_type="application/pdf", headers=disposition)
