"""The tiers of SPEC.md: what each caller may send, how many at once, and which quota pays."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.credits import Bucket
from gateway.settings import GatewaySettings


@dataclass(frozen=True)
class Tier:
    name: str
    max_bytes: int
    concurrency: int


def tier(name: str, settings: GatewaySettings) -> Tier:
    limits = {
        "anonymous": (settings.anonymous_max_bytes, settings.anonymous_concurrency),
        "free": (settings.free_max_bytes, settings.free_concurrency),
        "paid": (settings.paid_max_bytes, settings.paid_concurrency),
    }[name]
    return Tier(name, min(limits[0], settings.max_upload_bytes), limits[1])


def _next_month(now: datetime) -> datetime:
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def anonymous_bucket(client_ip: str, settings: GatewaySettings, now: datetime | None = None) -> Bucket:
    now = now or datetime.now(UTC)
    return Bucket(
        key=f"transcriptions:ip:{client_ip}:{now:%Y-%m-%d}",
        capacity=settings.anonymous_daily_transcriptions,
        unit="transcriptions",
        account_id=None,
        resets_at=datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1),
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
