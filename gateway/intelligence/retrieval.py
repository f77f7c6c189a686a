"""Retrieval over a transcript's segments for chat: each segment's sentence embedding is computed by
the embedding service and stored once (when the transcript completes, or at the first question if the
service was down then, or again for a segment whose text changed); a question's embedding is compared
with them in process (cosine similarity of normalised vectors: one matrix product)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.clients.embed import EmbedClient
from gateway.store import vectors
from gateway.store.insights import text_hash
from gateway.store.models import Transcript, TranscriptSegment

log = logging.getLogger(__name__)
_BATCH = 256  # texts per embedding request: well under the service's limit and gRPC's message size


@dataclass(frozen=True)
class Passage:
    segment: TranscriptSegment
    score: float


async def _embedded(embed: EmbedClient, texts: list[str], request_id: str) -> np.ndarray:
    batches = []
    for start in range(0, len(texts), _BATCH):
        answer = await embed.embed(texts[start : start + _BATCH], request_id=request_id)
        batches.append(np.asarray([v.values for v in answer.embeddings], dtype=np.float32))
    return np.concatenate(batches)


def _window(segments: list[TranscriptSegment], index: int) -> str:
    return " ".join(s.text for s in segments[max(index - 1, 0) : index + 2])


async def segment_vectors(
    session: AsyncSession, transcript: Transcript, embed: EmbedClient, request_id: str
) -> dict[int, np.ndarray]:
    """Every segment's vector, computing those that are missing or out of date. A segment's vector is
    the mean of its own embedding and that of it with its neighbours, so a question's similarity to it
    is the mean of both: a short segment ("over her.") says little alone, and a sentence cut across
    two segments is found from either (bench/README.md: 12 of 14 questions right first against 11)."""
    segments = list(transcript.segments)
    known = await vectors.of_transcript(session, transcript.id)
    digests = {s.order: text_hash(f"{s.text}\n{_window(segments, i)}") for i, s in enumerate(segments)}
    stale = [i for i, s in enumerate(segments) if known.get(s.order, ("", None))[0] != digests[s.order]]
    if stale:
        texts = [segments[i].text for i in stale] + [_window(segments, i) for i in stale]
        embedded = await _embedded(embed, texts, request_id)
        alone, in_context = embedded[: len(stale)], embedded[len(stale) :]
        update = {
            segments[i].order: (digests[segments[i].order], (a + c) / 2)
            for i, a, c in zip(stale, alone, in_context, strict=True)
        }
        await vectors.replace(session, transcript.id, update)
        known.update(update)
    return {s.order: known[s.order][1] for s in segments}


async def search(
    question: str,
    transcript: Transcript,
    index: dict[int, np.ndarray],
    embed: EmbedClient,
    request_id: str,
    count: int,
) -> list[Passage]:
    """The `count` segments nearest the question, most similar first."""
    if not index:
        return []
    query = (await _embedded(embed, [question], request_id))[0]
    orders = list(index)
    scores = np.stack([index[o] for o in orders]) @ query
    best = np.argsort(-scores)[:count]
    by_order = {s.order: s for s in transcript.segments}
    return [Passage(by_order[orders[i]], float(scores[i])) for i in best]


async def index_completed(
    sessions: async_sessionmaker[AsyncSession], transcript_id: str, embed: EmbedClient, request_id: str
) -> None:
    """Embeds a transcript that just completed (run after the answer was sent). A failure here costs
    nothing: the first chat question embeds what is missing."""
    try:
        async with sessions.begin() as session:
            transcript = await session.get(Transcript, transcript_id)
            if transcript is not None and transcript.status == "completed":
                await session.refresh(transcript, ["segments"])
                await segment_vectors(session, transcript, embed, request_id)
    except Exception:
        log.warning("could not embed transcript %s now; chat will embed it", transcript_id, exc_info=True)
