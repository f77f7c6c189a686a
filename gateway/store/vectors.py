"""Segment embeddings of transcripts (float32, little-endian), for chat retrieval."""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import SegmentVector


async def of_transcript(session: AsyncSession, transcript_id: str) -> dict[int, tuple[str, np.ndarray]]:
    """`segment order -> (hash of the text it was computed from, vector)`."""
    rows = await session.scalars(select(SegmentVector).where(SegmentVector.transcript_id == transcript_id))
    return {r.segment_order: (r.text_hash, np.frombuffer(r.vector, dtype="<f4")) for r in rows}


async def replace(
    session: AsyncSession, transcript_id: str, vectors: dict[int, tuple[str, np.ndarray]]
) -> None:
    orders = list(vectors)
    await session.execute(
        delete(SegmentVector).where(
            SegmentVector.transcript_id == transcript_id, SegmentVector.segment_order.in_(orders)
        )
    )
    for order, (digest, vector) in vectors.items():
        session.add(
            SegmentVector(
                transcript_id=transcript_id,
                segment_order=order,
                text_hash=digest,
                vector=np.asarray(vector, dtype="<f4").tobytes(),
            )
        )
    await session.flush()
