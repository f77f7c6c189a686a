"""Credits over a real Redis and a real SQL ledger: atomic check-and-spend, refunds, rebuilding after a
Redis restart, holds left by a crashed gateway; leases and rate limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker

from gateway.credits import Bucket, Credits, QuotaExhaustedError
from gateway.errors import ApiError
from gateway.limits import Limits
from gateway.store import ledger
from gateway.store.database import create_engine, migrate, session_factory
from gateway.store.models import utcnow
from testbed.databases import sqlite_url

BUCKET = Bucket(key="credits:account:test", capacity=0, unit="credits", account_id=None)


@pytest.fixture()
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture()
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[Any]]:
    url = sqlite_url(tmp_path)
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture()
async def credits(redis: Redis, sessions: async_sessionmaker[Any]) -> Credits:
    credits = Credits(redis, sessions, cache_ttl_s=600)
    await credits.grant(BUCKET, 5, "test grant")
    return credits


async def test_twenty_concurrent_reservations_spend_exactly_the_balance(
    credits: Credits, sessions: async_sessionmaker[Any]
) -> None:
    outcomes = await asyncio.gather(*(credits.reserve(BUCKET, 1) for _ in range(20)), return_exceptions=True)
    holds = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, QuotaExhaustedError)]
    assert len(holds) == 5 and len(refused) == 15
    for hold in holds:
        await credits.settle(hold, 1, None)
    assert await credits.balance(BUCKET) == 0
    async with sessions() as session:
        assert await ledger.snapshot(session, BUCKET.key) == (0, {})


async def test_failed_work_costs_nothing(credits: Credits) -> None:
    hold = await credits.reserve(BUCKET, 4)
    with pytest.raises(QuotaExhaustedError):
        await credits.reserve(BUCKET, 2)
    await credits.refund(hold)
    await credits.refund(hold)  # a second refund gives nothing back twice
    assert await credits.balance(BUCKET) == 5
    second = await credits.reserve(BUCKET, 5)
    await credits.settle(second, 5, None)
    assert await credits.balance(BUCKET) == 0


async def test_settling_charges_the_measured_amount_at_most_the_hold(credits: Credits) -> None:
    hold = await credits.reserve(BUCKET, 3)
    await credits.settle(hold, 2, None)
    assert await credits.balance(BUCKET) == 3
    assert (await credits.reserve(BUCKET, 3)).amount == 3  # Redis agrees: 3 left, all spendable


async def test_redis_restarting_empty_loses_no_charge(credits: Credits, redis: Redis) -> None:
    running = await credits.reserve(BUCKET, 2)  # work in progress while Redis forgets everything
    await redis.flushall()
    with pytest.raises(QuotaExhaustedError):
        await credits.reserve(BUCKET, 4)  # rebuilt from SQL: 5 granted, 2 held
    await credits.settle(running, 2, None)
    assert await credits.balance(BUCKET) == 3
    await redis.flushall()
    last = await credits.reserve(BUCKET, 3)
    await credits.settle(last, 3, None)
    with pytest.raises(QuotaExhaustedError):
        await credits.reserve(BUCKET, 1)


async def test_holds_of_a_crashed_gateway_are_refunded(
    credits: Credits, sessions: async_sessionmaker[Any]
) -> None:
    await credits.reserve(BUCKET, 5)  # the gateway "dies": neither settle nor refund comes
    with pytest.raises(QuotaExhaustedError):
        await credits.reserve(BUCKET, 1)
    assert await credits.release_stale(utcnow() + timedelta(seconds=1)) == 1
    assert await credits.balance(BUCKET) == 5
    assert (await credits.reserve(BUCKET, 5)).amount == 5


async def test_leases_cap_concurrency_and_free_their_slot(redis: Redis) -> None:
    limits = Limits(redis, lease_ttl_s=30, busy_retry_after_s=7)
    async with limits.lease("account:1", 2), limits.lease("account:1", 2):
        with pytest.raises(ApiError) as busy:
            async with limits.lease("account:1", 2):
                pass
        assert busy.value.status == 429 and busy.value.headers["Retry-After"] == "7"
        async with limits.lease("account:2", 2):  # another subject has slots of its own
            pass
    async with limits.lease("account:1", 2):
        pass


async def test_an_abandoned_lease_expires(redis: Redis) -> None:
    limits = Limits(redis, lease_ttl_s=30, busy_retry_after_s=1)
    holder = limits.lease("ip:10.0.0.1", 1)
    await holder.__aenter__()  # taken and never given back, like a gateway killed mid-request
    for task in asyncio.all_tasks():  # and no renewals from the dead process
        if task.get_coro().__qualname__.startswith("Limits._renew"):  # type: ignore[union-attr]
            task.cancel()
    with pytest.raises(ApiError):  # held while its time runs
        async with limits.lease("ip:10.0.0.1", 1):
            pass
    # Its time runs out (a lease's score is the moment it lapses): the slot is free again.
    (lease_id,) = await redis.zrange("leases:ip:10.0.0.1", 0, -1)
    await redis.zadd("leases:ip:10.0.0.1", {lease_id: time.time() - 1}, xx=True)
    async with limits.lease("ip:10.0.0.1", 1):
        pass


async def test_rate_limit_windows(redis: Redis) -> None:
    limits = Limits(redis, lease_ttl_s=30, busy_retry_after_s=1)
    for _ in range(3):
        await limits.hit("signup", "ip:1.2.3.4", 3, 60)
    with pytest.raises(ApiError) as limited:
        await limits.hit("signup", "ip:1.2.3.4", 3, 60)
    assert limited.value.status == 429 and 0 < int(limited.value.headers["Retry-After"]) <= 60
    with pytest.raises(ApiError):
        await limits.check("signup", "ip:1.2.3.4", 3)
    await limits.check("signup", "ip:5.6.7.8", 3)
