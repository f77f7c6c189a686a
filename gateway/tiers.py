"""The tiers of SPEC.md: what each caller may send, how many at once, and which quota pays."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.auth import Principal
from gateway.credits import Bucket, Credits, Hold, QuotaExhaustedError, SqlStep
from gateway.errors import ApiError
from gateway.media_probe import probe_duration
from gateway.settings import GatewaySettings


@dataclass(frozen=True)
class Tier:
    name: str
    max_bytes: int
    concurrency: int
    daily_text_requests: int


def tier(name: str, settings: GatewaySettings) -> Tier:
    """The tier's limits, from its settings (`<tier>_max_bytes`, `<tier>_concurrency`, ...)."""

    def limit(field: str) -> int:
        return int(getattr(settings, f"{name}_{field}"))

    max_bytes = min(limit("max_bytes"), settings.max_upload_bytes)
    return Tier(name, max_bytes, limit("concurrency"), limit("daily_text_requests"))


def next_midnight(now: datetime) -> datetime:
    """When a day's limits (UTC) start again."""
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def _next_month(now: datetime) -> datetime:
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def anonymous_bucket(client_ip: str, settings: GatewaySettings, now: datetime | None = None) -> Bucket:
    now = now or datetime.now(UTC)
    return Bucket(
        key=f"transcriptions:ip:{client_ip}:{now:%Y-%m-%d}",
        capacity=settings.anonymous_daily_transcriptions,
        unit="transcriptions",
        account_id=None,
        resets_at=next_midnight(now),
    )


def free_bucket(account_id: int, settings: GatewaySettings, now: datetime | None = None) -> Bucket:
    now = now or datetime.now(UTC)
    return Bucket(
        key=f"minutes:account:{account_id}:{now:%Y-%m}",
        capacity=settings.free_monthly_minutes,
        unit="minutes",
        account_id=account_id,
        resets_at=_next_month(now),
    )


def credits_bucket(account_id: int) -> Bucket:
    return Bucket(
        key=f"credits:account:{account_id}",
        capacity=0,
        unit="credits",
        account_id=account_id,
    )


def cost(bucket: Bucket, duration_s: float) -> int:
    """1 per transcription for anonymous callers; otherwise 1 per started minute of audio (61 s costs 2)."""
    if bucket.unit == "transcriptions":
        return 1
    return max(1, math.ceil(duration_s / 60))


def bucket_for(principal: Principal, settings: GatewaySettings) -> Bucket:
    """The quota that pays for this caller's audio."""
    if principal.account_id is None:
        return anonymous_bucket(principal.client_ip, settings)
    if principal.tier == "paid":
        return credits_bucket(principal.account_id)
    return free_bucket(principal.account_id, settings)


async def quota_error(error: QuotaExhaustedError, credits: Credits, what: str = "this file") -> ApiError:
    """The API error for a refused quota: 429 until tomorrow for anonymous callers, else 402."""
    bucket = error.bucket
    if bucket.unit == "transcriptions":
        assert bucket.resets_at is not None
        retry_after = max(1, int((bucket.resets_at - datetime.now(UTC)).total_seconds()))
        return ApiError(
            429,
            f"anonymous limit reached: {bucket.capacity} transcriptions a day per IP; sign up for an API key",
            {"Retry-After": str(retry_after)},
        )
    left = max(await credits.balance(bucket), 0)
    if bucket.unit == "minutes":
        return ApiError(402, f"free minutes used up this month: {what} needs {error.needed}, {left} remain")
    return ApiError(402, f"not enough credits: {what} needs {error.needed}, the balance is {left}")


def bucket_of_key(key: str, account_id: int | None, settings: GatewaySettings) -> Bucket:
    """The bucket a ledger key names (a job's hold, read back from the ledger by another gateway)."""
    if key.startswith("credits:"):
        return Bucket(key=key, capacity=0, unit="credits", account_id=account_id)
    if key.startswith("minutes:"):
        return Bucket(key=key, capacity=settings.free_monthly_minutes, unit="minutes", account_id=account_id)
    return Bucket(key=key, capacity=settings.anonymous_daily_transcriptions, unit="transcriptions",
                  account_id=account_id)  # fmt: skip


async def hold_seconds(
    credits: Credits,
    principal: Principal,
    settings: GatewaySettings,
    seconds: float,
    what: str = "this file",
    *,
    alongside: SqlStep | None = None,
    undo: SqlStep | None = None,
    hold_id: str | None = None,
) -> Hold:
    """Holds the price of `seconds` of audio in the caller's quota before any work: 402, or 429 for
    anonymous callers, when it cannot pay (the message names `what` needs it)."""
    bucket = bucket_for(principal, settings)
    try:
        amount = cost(bucket, seconds)
        return await credits.reserve(bucket, amount, alongside=alongside, undo=undo, hold_id=hold_id)
    except QuotaExhaustedError as exc:
        raise await quota_error(exc, credits, what) from exc


async def hold_audio(
    credits: Credits,
    principal: Principal,
    settings: GatewaySettings,
    path: Path,
    *,
    alongside: SqlStep | None = None,
    undo: SqlStep | None = None,
    hold_id: str | None = None,
) -> Hold:
    """Prices an upload from its container's duration (no decoding) and holds that much."""
    duration = await asyncio.to_thread(probe_duration, path)
    return await hold_seconds(
        credits, principal, settings, duration, alongside=alongside, undo=undo, hold_id=hold_id
    )


async def charge_decoded(
    credits: Credits,
    hold: Hold,
    seconds: float,
    transcript_id: str | None = None,
    *,
    complete: SqlStep | None = None,
    fail: Callable[[BaseException], SqlStep | None] | None = None,
) -> None:
    """Charges the audio decoded, which the hold (priced from the container before the work) may
    under-state: a header that counts only part of the stream. The rest is reserved before the answer;
    a quota that cannot pay it refuses the answer with 402, and then nothing is charged. `complete` runs
    with the charge, `fail` with a refund (storing the transcript's outcome, say)."""
    charge = cost(hold.bucket, seconds)
    if charge > hold.amount:
        try:
            rest = await credits.reserve(hold.bucket, charge - hold.amount)
        except QuotaExhaustedError as exc:
            error = await quota_error(exc, credits, f"the {seconds:.0f} s of audio decoded")
            await credits.refund(hold, alongside=fail(error) if fail else None)
            raise error from exc
        except BaseException as exc:
            await credits.refund(hold, alongside=fail(exc) if fail else None)
            raise
        await credits.settle(rest, rest.amount, transcript_id)
    await credits.settle(hold, charge, transcript_id, alongside=complete)


async def charged_body(
    chunks: AsyncIterator[bytes],
    seconds_made: Callable[[], float | None],
    credits: Credits,
    hold: Hold,
    slot: AsyncExitStack,
) -> AsyncIterator[bytes]:
    """A streamed answer's body: `chunks` as they come, then the audio charged by `seconds_made` (read
    once the chunks end; None when the service never said it finished). An answer that fails or is cut
    short costs nothing. The caller's concurrent `slot` is given back when the body ends."""
    async with slot:
        try:
            async for chunk in chunks:
                yield chunk
        except BaseException:
            await asyncio.shield(credits.refund(hold))
            raise
        seconds = seconds_made()
        if seconds is None:
            await asyncio.shield(credits.refund(hold))
            return
        await asyncio.shield(charge_decoded(credits, hold, seconds))
