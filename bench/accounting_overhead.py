"""What auth, limits and credits cost a request, and how many requests a second the gateway serves.

1. In one process, against a real Redis and the real SQLite store: a keyed transcription's gateway-side
   work with accounting (key lookup, concurrency lease, credit hold written with the stored transcript's
   start and settled with its completion) against the same work switched off (storing the transcript
   alone), alternating (goal: under 2 ms added at p99).
2. A running gateway under a concurrent client: requests per second on a trivial keyed endpoint
   (`GET /api/v1/cloud/`, which authenticates) and on an unauthenticated one (`GET /openapi.json`).

Usage: python bench/accounting_overhead.py [--requests 2000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from redis.asyncio import Redis
from starlette.requests import Request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_results
from cli.processes import start_redis, stop
from gateway import tiers
from gateway.auth import authenticate
from gateway.credits import Credits
from gateway.limits import Limits
from gateway.settings import GatewaySettings
from gateway.store import accounts
from gateway.store import transcripts as stored
from gateway.store.database import create_engine, migrate, session_factory
from gateway.store.models import new_id
from stt.v1 import asr_pb2
from testbed.platform import gateway_process


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def accounting_steps(data_dir: Path, redis_url: str, requests: int) -> dict[str, object]:
    """A keyed transcription's gateway-side SQL and Redis work, with accounting and without it.

    With: key lookup, lease, the hold written with the transcript's start, the charge settled with its
    completion. Without (switched off): the same start and completion of the stored transcript alone.
    Runs alternate, so both see the same machine."""
    settings = GatewaySettings(data_dir=data_dir, redis_url=redis_url)
    await asyncio.to_thread(migrate, settings.sql_url)
    engine = create_engine(settings.sql_url)
    sessions = session_factory(engine)
    redis = Redis.from_url(redis_url)
    credits = Credits(redis, sessions, settings.quota_cache_ttl_s)
    limits = Limits(redis, settings.lease_ttl_s, settings.busy_retry_after_s)
    async with sessions.begin() as session:
        account = await accounts.create_account(session, "bench@example.com", plan="paid")
        key = await accounts.create_key(session, account)
    bucket = tiers.credits_bucket(account.id)
    await credits.grant(bucket, requests + 10, "bench")
    # What authentication reads of the gateway's state.
    state: Any = SimpleNamespace(settings=settings, redis=redis, sessions=sessions, limits=limits)
    scope = {
        "type": "http",
        "headers": [(b"authorization", f"Bearer {key.raw}".encode())],
        "client": ("127.0.0.1", 1),
    }
    result = asr_pb2.Transcript(text="hello world", language="en", duration=3.0, model="base")
    with_accounting: list[float] = []
    without: list[float] = []
    for _ in range(requests):
        transcript_id = new_id()
        started = time.perf_counter()
        principal = await authenticate(Request(scope), state)
        async with limits.lease(principal.subject, 5):
            hold = await credits.reserve(
                bucket,
                1,
                alongside=lambda s, t=transcript_id: stored.start(s, account.id, "a.wav", "base", t),
            )
            await credits.settle(
                hold, 1, transcript_id, alongside=lambda s, t=transcript_id: stored.complete(s, t, result)
            )
        with_accounting.append((time.perf_counter() - started) * 1000)

        transcript_id = new_id()
        started = time.perf_counter()
        async with sessions.begin() as session:
            await stored.start(session, account.id, "a", "base", transcript_id)
        async with sessions.begin() as session:
            await stored.complete(session, transcript_id, result)
        without.append((time.perf_counter() - started) * 1000)
    await redis.aclose()
    await engine.dispose()

    def summary(samples: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(statistics.median(samples), 3),
            "p99_ms": round(_percentile(samples, 0.99), 3),
        }

    on, off = summary(with_accounting), summary(without)
    return {
        "requests": requests,
        "with_accounting": on,
        "switched_off": off,
        "added_p50_ms": round(on["p50_ms"] - off["p50_ms"], 3),
        "added_p99_ms": round(on["p99_ms"] - off["p99_ms"], 3),
    }


async def requests_per_second(
    url: str, headers: dict[str, str], seconds: float, concurrency: int = 32
) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(
        headers=headers, timeout=10, limits=httpx.Limits(max_connections=concurrency)
    ) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                answer = await client.get(url)
                answer.raise_for_status()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp)
        redis, redis_url = start_redis(data_dir)
        try:
            results["accounting_per_request"] = asyncio.run(
                accounting_steps(data_dir / "inproc", redis_url, args.requests)
            )
            gateway = gateway_process(data_dir / "gw", data_dir / "gateway.log", "127.0.0.1:1", redis_url)
            (data_dir / "gw").mkdir()
            gateway.start()
            try:
                signup = httpx.post(f"{gateway.url}/api/v1/signup/", json={"email": "rps@example.com"}).json()
                keyed = {"Authorization": f"Bearer {signup['api_key']}"}
                results["rps_keyed_cloud"] = round(
                    asyncio.run(requests_per_second(f"{gateway.url}/api/v1/cloud/", keyed, args.seconds)), 1
                )
                results["rps_openapi_no_auth"] = round(
                    asyncio.run(requests_per_second(f"{gateway.url}/openapi.json", {}, args.seconds)), 1
                )
            finally:
                gateway.stop()
        finally:
            stop([redis])
    write_results("accounting_overhead", results)


if __name__ == "__main__":
    main()
