"""Stored transcripts: created `processing`, then `completed` with segments and words, or `failed`
with the error. Every query is scoped to one account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from gateway.store.models import Transcript, TranscriptSegment, new_id, utcnow
from stt.v1 import asr_pb2


async def start(
    session: AsyncSession,
    account_id: int,
    filename: str,
    requested_model: str,
    transcript_id: str | None = None,
    *,
    queued: bool = False,
) -> Transcript:
    """A transcript being made now (`processing`), or a job's waiting its turn (`queued`, progress 0)."""
    transcript = Transcript(
        id=transcript_id or new_id(),
        account_id=account_id,
        filename=filename[:255],
        requested_model=requested_model,
        status="queued" if queued else "processing",
        progress=0.0 if queued else None,
    )
    session.add(transcript)
    await session.flush()
    return transcript


async def discard(session: AsyncSession, transcript_id: str) -> None:
    """Removes a transcript that never ran (its quota refused it)."""
    await session.execute(sa_delete(Transcript).where(Transcript.id == transcript_id))


async def complete(session: AsyncSession, transcript_id: str, result: asr_pb2.Transcript) -> None:
    transcript = await session.get(Transcript, transcript_id)
    if transcript is None:  # deleted by its owner while it ran
        return
    transcript.status = "completed"
    transcript.progress = 1.0 if transcript.progress is not None else None
    transcript.model = result.model
    transcript.language = result.language or None
    transcript.duration = result.duration
    transcript.text = result.text
    transcript.speakers = list(result.speakers)
    transcript.speaker_turns = [
        {"start": t.start, "end": t.end, "speaker": t.speaker} for t in result.speaker_turns
    ]
    transcript.completed_at = utcnow()
    for order, segment in enumerate(result.segments):
        session.add(
            TranscriptSegment(
                transcript_id=transcript_id,
                order=order,
                start=segment.start,
                end=segment.end,
                text=segment.text,
                speaker=segment.speaker or None,
                confidence=segment.confidence,
                words=[
                    {
                        "word": w.word,
                        "start": w.start,
                        "end": w.end,
                        **({"speaker": w.speaker} if w.speaker else {}),
                    }
                    for w in segment.words
                ],
            )
        )


async def fail(session: AsyncSession, transcript_id: str, error: str) -> None:
    transcript = await session.get(Transcript, transcript_id)
    if transcript is not None:
        transcript.status = "failed"
        transcript.error = error[:2000]
        transcript.completed_at = utcnow()


def _filtered(
    account_id: int,
    status: str | None,
    language: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
) -> Select[Any]:
    query = select(Transcript).where(Transcript.account_id == account_id)
    if status:
        query = query.where(Transcript.status == status)
    if language:
        query = query.where(Transcript.language == language)
    if created_after:
        query = query.where(Transcript.created_at >= created_after)
    if created_before:
        query = query.where(Transcript.created_at < created_before)
    return query


async def page(
    session: AsyncSession,
    account_id: int,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
    language: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> tuple[list[Transcript], int]:
    query = _filtered(account_id, status, language, created_after, created_before)
    count = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Transcript.created_at.desc(), Transcript.id).limit(limit).offset(offset)
    )
    return list(rows), int(count or 0)


async def get(session: AsyncSession, account_id: int, transcript_id: str) -> Transcript | None:
    """The transcript with its segments, or None when it is not this account's (no hint it exists)."""
    found = await session.scalars(
        select(Transcript)
        .where(Transcript.id == transcript_id, Transcript.account_id == account_id)
        .options(selectinload(Transcript.segments))
    )
    return found.first()


async def delete(session: AsyncSession, account_id: int, transcript_id: str) -> bool:
    transcript = await get(session, account_id, transcript_id)
    if transcript is None:
        return False
    await session.delete(transcript)
    return True


def to_proto(transcript: Transcript) -> asr_pb2.Transcript:
    """A stored transcript in the shape the exporters read, the same as a fresh one."""
    return asr_pb2.Transcript(
        text=transcript.text,
        language=transcript.language or "",
        duration=transcript.duration or 0.0,
        model=transcript.model,
        requested_model=transcript.requested_model,
        speakers=list(transcript.speakers or []),
        speaker_turns=[asr_pb2.SpeakerTurn(**t) for t in transcript.speaker_turns or []],
        segments=[
            asr_pb2.Segment(
                id=s.order,
                start=s.start,
                end=s.end,
                text=s.text,
                speaker=s.speaker or "",
                confidence=s.confidence,
                words=[
                    asr_pb2.Word(word=w["word"], start=w["start"], end=w["end"], speaker=w.get("speaker", ""))
                    for w in s.words
                ],
            )
            for s in transcript.segments
        ],
    )


def summary_json(transcript: Transcript) -> dict[str, Any]:
    return {
        "id": transcript.id,
        "status": transcript.status,
        "filename": transcript.filename,
        "model": transcript.model or None,
        "requested_model": transcript.requested_model or None,
        "language": transcript.language,
        "duration": transcript.duration,
        "error": transcript.error,
        "progress": transcript.progress,
        "created_at": transcript.created_at.isoformat(),
        "completed_at": transcript.completed_at.isoformat() if transcript.completed_at else None,
    }
