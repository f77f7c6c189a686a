"""Concurrency leases and fixed-window rate limits in Redis, each check one Lua script.

A lease has a TTL and is renewed while its request runs, so a crashed gateway leaks no slot: its
leases simply expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from gateway.errors import ApiError
from gateway.store.models import new_id

# KEYS: lease set. ARGV: now, ttl, limit, lease id. Returns 1, or 0 when every slot is taken.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return 1
"""

# KEYS: counter. ARGV: limit, window. Returns 0 when allowed, else seconds until the window ends.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return ttl
end
return 0
"""

# KEYS: counter. ARGV: limit. Returns seconds until the window ends when the limit is reached, else 0.
_PEEK = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return ttl
end
return 0
"""


def _limit_reached(retry_after: int, refusal: str = "") -> ApiError:
    message = refusal or f"rate limit reached: try again in {retry_after} s"
    return ApiError(429, message, {"Retry-After": str(retry_after)})


class Limits:
    def __init__(self, redis: Redis, lease_ttl_s: float, busy_retry_after_s: int) -> None:
        self._redis = redis
        self._lease_ttl_s = lease_ttl_s
        self._busy_retry_after_s = busy_retry_after_s
        self._acquire = redis.register_script(_ACQUIRE)
        self._hit = redis.register_script(_HIT)
        self._peek = redis.register_script(_PEEK)

    @contextlib.asynccontextmanager
    async def lease(self, subject: str, limit: int) -> AsyncIterator[None]:
        """One of `limit` concurrent slots of `subject` for the duration of the block, or 429."""
        key, lease_id = f"leases:{subject}", new_id()
        taken = await self._acquire(keys=[key], args=[time.time(), self._lease_ttl_s, limit, lease_id])
        if not taken:
            raise ApiError(
                429,
                f"too many concurrent requests: at most {limit} at a time",
                {"Retry-After": str(self._busy_retry_after_s)},
            )
        renewer = asyncio.create_task(self._renew(key, lease_id))
        try:
            yield
        finally:
            renewer.cancel()
            await self._redis.zrem(key, lease_id)

    async def _renew(self, key: str, lease_id: str) -> None:
        while True:
            await asyncio.sleep(self._lease_ttl_s / 3)
            await self._redis.zadd(key, {lease_id: time.time() + self._lease_ttl_s}, xx=True)

    async def hit(self, name: str, subject: str, limit: int, window_s: int, refusal: str = "") -> None:
        """Counts one event in a fixed window; 429 with Retry-After past `limit` (saying `refusal`, or
        when to try again)."""
        retry_after = int(await self._hit(keys=[f"rate:{name}:{subject}"], args=[limit, window_s]))
        if retry_after:
            raise _limit_reached(retry_after, refusal)

    async def check(self, name: str, subject: str, limit: int) -> None:
        """429 if `limit` events were already counted in the current window, without counting one."""
        retry_after = int(await self._peek(keys=[f"rate:{name}:{subject}"], args=[limit]))
        if retry_after:
            raise _limit_reached(retry_after)
