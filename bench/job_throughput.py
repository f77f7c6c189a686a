"""Asynchronous jobs against waiting requests: the same files through two gateways either way.

Two gateways share one Redis, one SQL store (PostgreSQL where one answers, else one SQLite file) and
one job folder, in front of one ASR service. A round sends every file once:
- direct: `POST /v1/transcribe`, as many at once as the two gateways run jobs (2 x `JOB_WORKERS`),
  alternating gateways; the round ends with the last answer.
- jobs: every file queued with `POST /api/v1/transcripts/` (alternating gateways), the round ends
  when the last transcript is `completed` (polled every 0.1 s).
Rounds alternate; the medians of the rounds' files per second are compared (goal: jobs / direct at
least 0.95). The ASR service is the bottleneck either way; what is measured is what the queue costs:
the claim, the lease, progress writes, the upload moved to the job folder, and the wait for a poll.

Usage: python bench/job_throughput.py [--repeats 3] [--files 12]   (writes bench/results/job_throughput.json)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import librispeech, write_results
from cli.processes import start_redis, stop
from testbed.databases import fresh_postgres
from testbed.media import synthesize
from testbed.platform import asr_process, gateway_process, paid_account_key

WORKERS_PER_GATEWAY = 2
MODEL = "tiny.en"


def files(folder: Path, count: int) -> list[Path]:
    found = [u.path for u in librispeech()]
    if not found:
        sentences = [
            "The committee met on a cold morning to discuss the budget for the coming year.",
            "Several members asked for more time to read the report before they would vote.",
            "After a long debate the chair proposed that the decision wait until next week.",
        ]
        found = [synthesize(s, folder / f"s{i}.wav") for i, s in enumerate(sentences)]
    return [found[i % len(found)] for i in range(count)]


async def direct_round(urls: list[str], key: str, paths: list[Path]) -> float:
    slots = asyncio.Semaphore(len(urls) * WORKERS_PER_GATEWAY)

    async def one(client: httpx.AsyncClient, index: int, path: Path) -> None:
        async with slots:
            answer = await client.post(
                f"{urls[index % len(urls)]}/v1/transcribe",
                files={"file": (path.name, path.read_bytes())},
                data={"model": MODEL, "diarize": "false"},
            )
            answer.raise_for_status()

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=600, headers={"Authorization": f"Bearer {key}"}) as client:
        await asyncio.gather(*(one(client, i, p) for i, p in enumerate(paths)))
    return len(paths) / (time.perf_counter() - started)


async def jobs_round(urls: list[str], key: str, paths: list[Path]) -> float:
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=600, headers={"Authorization": f"Bearer {key}"}) as client:
        ids = []
        for index, path in enumerate(paths):
            answer = await client.post(
                f"{urls[index % len(urls)]}/api/v1/transcripts/",
                files={"file": (path.name, path.read_bytes())},
                data={"model": MODEL, "diarize": "false"},
            )
            answer.raise_for_status()
            ids.append(answer.json()["id"])
        waiting = set(ids)
        while waiting:
            await asyncio.sleep(0.1)
            for transcript_id in list(waiting):
                got = (await client.get(f"{urls[0]}/api/v1/transcripts/{transcript_id}/")).json()
                if got["status"] == "failed":
                    raise RuntimeError(got["error"])
                if got["status"] == "completed":
                    waiting.discard(transcript_id)
    return len(paths) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--files", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stt-bench-jobs-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        postgres = fresh_postgres("stt_bench_jobs")
        database = (
            postgres.replace("postgresql://", "postgresql+asyncpg://")
            if postgres
            else f"sqlite+aiosqlite:///{data_dir / 'stt.db'}"
        )
        redis, redis_url = start_redis(data_dir)
        asr = asr_process(data_dir, Path(tmp) / "asr.log", STT_ASR_PRELOAD=f'["{MODEL}"]')
        asr.start()
        settings = {"STT_DATABASE_URL": database, "STT_GATEWAY_JOB_WORKERS": str(WORKERS_PER_GATEWAY),
                    "STT_GATEWAY_PAID_CONCURRENCY": "50"}  # fmt: skip
        gateways = [
            gateway_process(data_dir, Path(tmp) / f"gateway{n}.log", asr.address, redis_url, **settings)
            for n in range(2)
        ]
        for gateway in gateways:
            gateway.start()
        try:
            key = paid_account_key(
                "bench@example.com",
                100_000,
                STT_DATABASE_URL=database,
                STT_GATEWAY_REDIS_URL=redis_url,
                STT_DATA_DIR=str(data_dir),
            )
            paths = files(Path(tmp), args.files)
            urls = [g.url for g in gateways]
            asyncio.run(direct_round(urls, key, paths[:2]))  # warm both paths up
            direct, jobs = [], []
            for _ in range(args.repeats):
                direct.append(asyncio.run(direct_round(urls, key, paths)))
                jobs.append(asyncio.run(jobs_round(urls, key, paths)))
        finally:
            for gateway in gateways:
                gateway.stop()
            asr.stop()
            stop([redis])
    write_results(
        "job_throughput",
        {
            "files": args.files,
            "database": "postgresql" if postgres else "sqlite",
            "gateways": 2,
            "job_workers_per_gateway": WORKERS_PER_GATEWAY,
            "model": MODEL,
            "direct_files_per_s": [round(x, 3) for x in direct],
            "jobs_files_per_s": [round(x, 3) for x in jobs],
            "jobs_over_direct": round(statistics.median(jobs) / statistics.median(direct), 3),
        },
    )


if __name__ == "__main__":
    main()
