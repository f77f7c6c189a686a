"""The durable job queue in SQL: rows of `transcription_jobs`, each due at `due_at` and free while no
live lease holds it. Claiming is a compare-and-set on the lease, so two gateways never run the same
job, on SQLite and PostgreSQL alike; a gateway that dies leaves its lease to lapse, and the job is
claimed again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.store.models import Transcript, TranscriptionJob, WebhookDelivery, utcnow

TRANSCRIBE, NOTIFY = "transcribe", "notify"
_CLAIM_TRIES = 5


def _free(now: datetime) -> Any:
    return or_(TranscriptionJob.lease_until.is_(None), TranscriptionJob.lease_until < now)


async def enqueue(session: AsyncSession, job: TranscriptionJob) -> None:
    session.add(job)
    await session.flush()


async def open_count(session: AsyncSession, account_id: int) -> int:
    """The account's jobs not yet transcribed (queued or running)."""
    count = await session.scalar(
        select(func.count()).where(
            TranscriptionJob.account_id == account_id, TranscriptionJob.phase == TRANSCRIBE
        )
    )
    return int(count or 0)


async def claim(
    sessions: async_sessionmaker[AsyncSession], owner: str, lease_s: float
) -> TranscriptionJob | None:
    """The oldest due job that no live lease holds, now leased to `owner` (its `attempts` counted), or
    None. A job another gateway claims between the read and the write is passed over."""
    for _ in range(_CLAIM_TRIES):
        now = utcnow()
        async with sessions.begin() as session:
            candidate = await session.scalar(
                select(TranscriptionJob.transcript_id)
                .where(TranscriptionJob.due_at <= now, _free(now))
                .order_by(TranscriptionJob.due_at)
                .limit(1)
            )
            if candidate is None:
                return None
            taken = await session.execute(
                update(TranscriptionJob)
                .where(TranscriptionJob.transcript_id == candidate, _free(now))
                .values(
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=TranscriptionJob.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return await session.get(TranscriptionJob, candidate)
    return None


async def renew(
    sessions: async_sessionmaker[AsyncSession], transcript_id: str, owner: str, lease_s: float
) -> bool:
    """Extends `owner`'s lease; False when the job is gone (cancelled) or another gateway holds it."""
    async with sessions.begin() as session:
        renewed = await session.execute(
            update(TranscriptionJob)
            .where(TranscriptionJob.transcript_id == transcript_id, TranscriptionJob.lease_owner == owner)
            .values(lease_until=utcnow() + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
    return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]


async def put_back(session: AsyncSession, transcript_id: str, owner: str, **changes: Any) -> None:
    """Gives `owner`'s lease up, with `changes` (a new `due_at`, the hold forgotten, a new phase...)."""
    await session.execute(
        update(TranscriptionJob)
        .where(TranscriptionJob.transcript_id == transcript_id, TranscriptionJob.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, **changes)
        .execution_options(synchronize_session=False)
    )


async def keep_hold(session: AsyncSession, transcript_id: str, hold_id: str) -> None:
    await session.execute(
        update(TranscriptionJob)
        .where(TranscriptionJob.transcript_id == transcript_id)
        .values(hold_id=hold_id)
        .execution_options(synchronize_session=False)
    )


async def remove(session: AsyncSession, transcript_id: str) -> None:
    await session.execute(
        delete(TranscriptionJob)
        .where(TranscriptionJob.transcript_id == transcript_id)
        .execution_options(synchronize_session=False)
    )


async def of_transcript(session: AsyncSession, transcript_id: str) -> TranscriptionJob | None:
    return await session.get(TranscriptionJob, transcript_id)


async def update_transcript(session: AsyncSession, transcript_id: str, **values: Any) -> None:
    """Sets a job's transcript's `status` or `progress` (nothing when it was deleted meanwhile)."""
    await session.execute(
        update(Transcript)
        .where(Transcript.id == transcript_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def record_delivery(session: AsyncSession, delivery: WebhookDelivery) -> None:
    session.add(delivery)


async def deliveries(session: AsyncSession, transcript_id: str) -> list[WebhookDelivery]:
    rows = await session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.transcript_id == transcript_id)
        .order_by(WebhookDelivery.id)
    )
    return list(rows)


async def first_delivery_at(session: AsyncSession, transcript_id: str) -> datetime | None:
    value: datetime | None = await session.scalar(
        select(func.min(WebhookDelivery.created_at)).where(WebhookDelivery.transcript_id == transcript_id)
    )
    return value
