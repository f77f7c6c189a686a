"""The credit ledger in SQL: the truth behind every quota. A bucket's balance is its capacity plus the
sum of its entries; holds are work in progress, charges are holds that succeeded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import LedgerEntry, TranscriptionJob


async def grant(
    session: AsyncSession, bucket: str, account_id: int | None, amount: int, note: str = ""
) -> None:
    session.add(
        LedgerEntry(bucket=bucket, account_id=account_id, delta=amount, kind="grant", note=note[:200])
    )


async def hold(session: AsyncSession, bucket: str, account_id: int | None, hold_id: str, amount: int) -> None:
    session.add(
        LedgerEntry(bucket=bucket, account_id=account_id, delta=-amount, kind="hold", hold_id=hold_id)
    )


async def settle(session: AsyncSession, hold_id: str, amount: int, transcript_id: str | None) -> None:
    """The hold becomes a charge of `amount` (at most what was held)."""
    await session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.hold_id == hold_id, LedgerEntry.kind == "hold")
        .values(kind="charge", delta=-amount, transcript_id=transcript_id)
        # No ORM object of the ledger is held in the session: nothing to synchronise (and it costs).
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, hold_id: str) -> None:
    await session.execute(
        delete(LedgerEntry)
        .where(LedgerEntry.hold_id == hold_id, LedgerEntry.kind == "hold")
        .execution_options(synchronize_session=False)
    )


async def held(session: AsyncSession, hold_id: str) -> tuple[str, int | None, int] | None:
    """A pending hold's bucket key, account and amount; None once it is settled or released."""
    row = (
        await session.execute(
            select(LedgerEntry.bucket, LedgerEntry.account_id, LedgerEntry.delta).where(
                LedgerEntry.hold_id == hold_id, LedgerEntry.kind == "hold"
            )
        )
    ).first()
    return None if row is None else (str(row[0]), row[1], -int(row[2]))


async def total(session: AsyncSession, bucket: str) -> int:
    value = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.bucket == bucket)
    )
    return int(value or 0)


async def snapshot(session: AsyncSession, bucket: str) -> tuple[int, dict[str, int]]:
    """The bucket's total and its pending holds, read in one query so both describe the same moment
    (two queries would let a hold committed in between be counted in one and not the other)."""
    rows = (
        await session.execute(
            select(LedgerEntry.delta, LedgerEntry.kind, LedgerEntry.hold_id).where(
                LedgerEntry.bucket == bucket
            )
        )
    ).all()
    holds = {str(hold_id): -int(delta) for delta, kind, hold_id in rows if kind == "hold"}
    return sum(int(delta) for delta, _, _ in rows), holds


async def stale_holds(session: AsyncSession, older_than: datetime) -> list[tuple[str, str]]:
    """Holds left by a gateway that died mid-request: (bucket, hold_id). A queued job's hold is not one:
    it waits, however long, for the gateway that runs the job."""
    of_jobs = select(TranscriptionJob.hold_id).where(TranscriptionJob.hold_id.is_not(None))
    rows = await session.execute(
        select(LedgerEntry.bucket, LedgerEntry.hold_id).where(
            LedgerEntry.kind == "hold",
            LedgerEntry.created_at < older_than,
            LedgerEntry.hold_id.not_in(of_jobs),
        )
    )
    return [(str(bucket), str(hold_id)) for bucket, hold_id in rows]


async def charges_by_day(session: AsyncSession, account_id: int, since: datetime) -> list[dict[str, Any]]:
    day = func.date(LedgerEntry.created_at)
    rows = await session.execute(
        select(day, func.count(), func.coalesce(func.sum(-LedgerEntry.delta), 0))
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.kind == "charge",
            LedgerEntry.created_at >= since,
        )
        .group_by(day)
    )
    return [{"date": str(d), "transcriptions": int(n), "minutes": int(m)} for d, n, m in rows]
