"""A stored transcript in another language, segment by segment (times and speakers kept), cached with
the transcript like its summaries: kept until the transcript's text changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients.translate import TranslateClient
from gateway.errors import ApiError
from gateway.store import insights
from gateway.store.models import Transcript
from stt.v1 import asr_pb2

_BATCH_SEGMENTS = 200  # segments a call: well under the service's limits of texts and characters
_BATCH_CHARS = 50_000


def cache_kind(target: str) -> str:
    return f"translation:{target.strip().lower()[:16]}"


def _batches(texts: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for text in texts:
        if batches[-1] and (len(batches[-1]) >= _BATCH_SEGMENTS or size + len(text) > _BATCH_CHARS):
            batches.append([])
            size = 0
        batches[-1].append(text)
        size += len(text)
    return batches


async def cached(session: AsyncSession, transcript: Transcript, target: str) -> dict[str, Any] | None:
    return await insights.cached(session, transcript, cache_kind(target))


async def translate(
    session: AsyncSession, transcript: Transcript, target: str, client: TranslateClient, request_id: str
) -> dict[str, Any]:
    """Translates every segment with text (in batches, one engine for all) and keeps the result."""
    source = transcript.language or "en"
    spoken = [segment for segment in transcript.segments if segment.text.strip()]
    if not spoken:
        raise ApiError(409, "the transcript holds no speech to translate")
    translated: dict[int, str] = {}
    done = 0
    for batch in _batches([segment.text for segment in spoken]):
        answer = await client.translate(batch, source, target, request_id=request_id)
        for segment, text in zip(spoken[done : done + len(batch)], answer.translations, strict=True):
            translated[segment.order] = text
        done += len(batch)
    segments: list[dict[str, Any]] = [
        {
            "id": segment.order,
            "start": segment.start,
            "end": segment.end,
            "speaker": segment.speaker or None,
            "text": translated.get(segment.order, ""),
        }
        for segment in transcript.segments
    ]
    payload = {
        "transcript_id": transcript.id,
        "source_language": answer.source,
        "target_language": answer.target,
        "model": answer.model,
        "engine": answer.engine,
        "text": " ".join(s["text"] for s in segments if s["text"]),
        "segments": segments,
    }
    return await insights.keep(
        session, transcript, cache_kind(target), insights.transcript_text(transcript), payload
    )


def translated_document(document: asr_pb2.Transcript, translation: dict[str, Any]) -> asr_pb2.Transcript:
    """The exporters' transcript with the translation's text in every segment (word timings belong to
    the spoken words, so a translated document has none)."""
    translated = asr_pb2.Transcript()
    translated.CopyFrom(document)
    texts = {segment["id"]: segment["text"] for segment in translation["segments"]}
    for segment in translated.segments:
        segment.text = texts.get(segment.id, "")
        del segment.words[:]
    translated.text = translation["text"]
    translated.language = translation["target_language"]
    return translated
