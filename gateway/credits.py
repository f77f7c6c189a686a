"""Quotas charged by audio: paid credits, free monthly minutes, anonymous daily transcriptions.

Each check-and-spend is one Redis Lua script, so concurrent requests can never spend the same unit.
The SQL ledger is the truth: a hold is written there before Redis is asked, settled when the work
succeeds and released when it fails. Redis keeps only a cache of each balance with its pending holds,
rebuilt from SQL whenever it is missing (a Redis restart, or the cache's TTL, which bounds any drift).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.store import ledger
from gateway.store.models import new_id

log = logging.getLogger(__name__)

_MISSING, _INSUFFICIENT, _OK = -2, -1, 1

SqlStep = Callable[[AsyncSession], Awaitable[object]]
"""Work that belongs in the same SQL transaction as a ledger write."""

# KEYS: balance, holds. ARGV: hold id, amount. A hold that a rebuild already counted is not spent twice.
_RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
local balance = tonumber(redis.call('GET', KEYS[1]))
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  if balance < 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
    redis.call('INCRBY', KEYS[1], ARGV[2])
    return -1
  end
  return 1
end
if balance < tonumber(ARGV[2]) then return -1 end
redis.call('DECRBY', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""

# KEYS: balance, holds. ARGV: hold id, amount kept (0 refunds the whole hold). Only once per hold.
_FINISH = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
local back = tonumber(held) - tonumber(ARGV[2])
if back > 0 and redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], back) end
return 1
"""

# KEYS: balance, holds. ARGV: balance, ttl, then hold id / amount pairs. Never overwrites a live cache.
_REBUILD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Bucket:
    """One quota: `key` names it in SQL and Redis; its balance is `capacity` plus its ledger entries."""

    key: str
    capacity: int
    unit: str
    account_id: int | None
    resets_at: datetime | None = None


@dataclass(frozen=True)
class Hold:
    bucket: Bucket
    hold_id: str
    amount: int


class QuotaExhaustedError(Exception):
    def __init__(self, bucket: Bucket, needed: int) -> None:
        super().__init__(f"not enough {bucket.unit}: this needs {needed}")
        self.bucket = bucket
        self.needed = needed


class Credits:
    def __init__(self, redis: Redis, sessions: async_sessionmaker[AsyncSession], cache_ttl_s: int) -> None:
        self._redis = redis
        self._sessions = sessions
        self._cache_ttl_s = cache_ttl_s
        self._reserve = redis.register_script(_RESERVE)
        self._finish = redis.register_script(_FINISH)
        self._rebuild_script = redis.register_script(_REBUILD)

    @staticmethod
    def _keys(bucket: Bucket) -> list[str]:
        return [f"quota:{bucket.key}", f"quota:{bucket.key}:holds"]

    async def _rebuild(self, bucket: Bucket) -> None:
        async with self._sessions() as session:
            total, holds = await ledger.snapshot(session, bucket.key)
        balance = bucket.capacity + total
        pairs: list[Any] = [item for hold in holds.items() for item in hold]
        await self._rebuild_script(keys=self._keys(bucket), args=[balance, self._cache_ttl_s, *pairs])

    async def reserve(
        self,
        bucket: Bucket,
        amount: int,
        *,
        alongside: SqlStep | None = None,
        undo: SqlStep | None = None,
        hold_id: str | None = None,
    ) -> Hold:
        """Holds `amount` or raises QuotaExhaustedError. The SQL hold is written first, so a crash or a
        Redis restart at any point leaves the ledger right. `alongside` runs in the transaction that
        writes the hold (storing the transcript as processing, say), `undo` in the one that releases it
        when the quota refuses. `hold_id` names the hold (a job keeps it to settle it later)."""
        hold = Hold(bucket, hold_id or new_id(), amount)
        async with self._sessions.begin() as session:
            await ledger.hold(session, bucket.key, bucket.account_id, hold.hold_id, amount)
            if alongside is not None:
                await alongside(session)
        try:
            outcome = await self._reserve(keys=self._keys(bucket), args=[hold.hold_id, amount])
            if outcome == _MISSING:
                await self._rebuild(bucket)
                outcome = await self._reserve(keys=self._keys(bucket), args=[hold.hold_id, amount])
        except BaseException:
            await self._release_sql(hold, undo)
            raise
        if outcome != _OK:
            await self._release_sql(hold, undo)
            raise QuotaExhaustedError(bucket, amount)
        return hold

    async def settle(
        self, hold: Hold, amount: int, transcript_id: str | None, *, alongside: SqlStep | None = None
    ) -> None:
        """The work succeeded: charge `amount` (at most the hold) and give the rest back. `alongside`
        runs in the same transaction (completing the stored transcript, say)."""
        amount = min(amount, hold.amount)
        async with self._sessions.begin() as session:
            if alongside is not None:
                await alongside(session)
            await ledger.settle(session, hold.hold_id, amount, transcript_id)
        await self._finish(keys=self._keys(hold.bucket), args=[hold.hold_id, amount])

    async def refund(self, hold: Hold, *, alongside: SqlStep | None = None) -> None:
        """The work failed: it costs nothing. `alongside` runs in the same transaction."""
        await self._release_sql(hold, alongside)
        await self._finish(keys=self._keys(hold.bucket), args=[hold.hold_id, 0])

    async def _release_sql(self, hold: Hold, alongside: SqlStep | None = None) -> None:
        async with self._sessions.begin() as session:
            await ledger.release(session, hold.hold_id)
            if alongside is not None:
                await alongside(session)

    async def balance(self, bucket: Bucket) -> int:
        """The balance from the ledger, holds of work in progress deducted."""
        async with self._sessions() as session:
            return bucket.capacity + await ledger.total(session, bucket.key)

    async def grant(self, bucket: Bucket, amount: int, note: str) -> None:
        async with self._sessions.begin() as session:
            await ledger.grant(session, bucket.key, bucket.account_id, amount, note)
        await self._redis.delete(*self._keys(bucket))  # rebuilt from the ledger on next use

    async def release_stale(self, older_than: datetime) -> int:
        """Refunds holds that a crashed gateway left behind; returns how many."""
        async with self._sessions() as session:
            stale = await ledger.stale_holds(session, older_than)
        for bucket_key, hold_id in stale:
            async with self._sessions.begin() as session:
                await ledger.release(session, hold_id)
            await self._redis.delete(f"quota:{bucket_key}", f"quota:{bucket_key}:holds")
        if stale:
            log.warning("released %d holds left by interrupted requests", len(stale))
        return len(stale)
