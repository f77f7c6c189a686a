"""A job's quota hold, read back from the ledger by whichever gateway needs it: the one that runs the
job (perhaps not the one that took the hold) or the one that cancels it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway import tiers
from gateway.credits import Hold
from gateway.settings import GatewaySettings
from gateway.store import ledger
from gateway.store.models import TranscriptionJob


async def job_hold(session: AsyncSession, job: TranscriptionJob, settings: GatewaySettings) -> Hold | None:
    """The job's pending hold; None when it has none (not yet priced, or refunded when it was put back)."""
    if job.hold_id is None:
        return None
    found = await ledger.held(session, job.hold_id)
    if found is None:
        return None
    key, account_id, amount = found
    return Hold(tiers.bucket_of_key(key, account_id, settings), job.hold_id, amount)
