"""What auth, limits and credits cost a request, and how many requests a second the gateway serves.

1. In one process, against a real Redis and the real SQLite store: the accounting steps a keyed
   transcription goes through (key lookup, concurrency lease taken and given back, credit hold written
   and settled), timed per request over many requests; switched off, these steps are simply absent,
   so their time is what they add (goal: p99 under 2 ms).
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
from gateway.store.database import create_engine, migrate, session_factory
from tests.support.platform import gateway_process


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def accounting_steps(data_dir: Path, redis_url: str, requests: int) -> dict[str, float]:
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
    app = SimpleNamespace(state=SimpleNamespace(sessions=sessions))
    scope = {
        "type": "http",
        "headers": [(b"authorization", f"Bearer {key.raw}".encode())],
        "client": ("127.0.0.1", 1),
        "app": app,
    }
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        principal = await authenticate(Request(scope), settings, limits)
        async with limits.lease(principal.subject, 5):
            hold = await credits.reserve(bucket, 1)
            await credits.settle(hold, 1, None)
        samples.append((time.perf_counter() - started) * 1000)
    await redis.aclose()
    await engine.dispose()
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(_percentile(samples, 0.99), 3),
        "mean_ms": round(statistics.fmean(samples), 3),
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
