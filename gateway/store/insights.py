"""Summaries, analyses and generated content of stored transcripts, cached with the transcript. An
entry is served only while the transcript still has the text it was made from (the hash matches);
one made from older text is replaced when it is made again."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import Transcript, TranscriptInsight, utcnow


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def transcript_text(transcript: Transcript) -> str:
    """The text that insights are made from: its segments' text, speaker-labelled where diarized."""
    lines = [f"{s.speaker}: {s.text}" if s.speaker else s.text for s in transcript.segments]
    return "\n".join(lines) if lines else transcript.text


async def cached(session: AsyncSession, transcript: Transcript, kind: str) -> dict[str, Any] | None:
    entry = await session.scalar(
        select(TranscriptInsight).where(
            TranscriptInsight.transcript_id == transcript.id, TranscriptInsight.kind == kind
        )
    )
    if entry is None or entry.text_hash != text_hash(transcript_text(transcript)):
        return None
    return {**entry.payload, "cached": True, "created_at": entry.created_at.isoformat()}


async def keep(
    session: AsyncSession, transcript: Transcript, kind: str, made_from: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Stores `payload`, made from the text `made_from`, replacing an older entry of the kind."""
    entry = await session.scalar(
        select(TranscriptInsight).where(
            TranscriptInsight.transcript_id == transcript.id, TranscriptInsight.kind == kind
        )
    )
    if entry is None:
        entry = TranscriptInsight(transcript_id=transcript.id, kind=kind)
        session.add(entry)
    entry.text_hash = text_hash(made_from)
    entry.payload = payload
    entry.created_at = utcnow()
    await session.flush()
    return {**payload, "cached": False, "created_at": entry.created_at.isoformat()}
