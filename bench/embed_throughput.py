"""Embeddings per second through the gateway (HTTP JSON -> gRPC -> the embedding service) against
sentence-transformers called directly in this process with the same weights and batch size, in one
run; runs alternate and medians are compared (goal: the gateway at least 0.9 of direct).

The texts are sentences of the LibriSpeech reference transcripts (Piper test sentences where the
fixtures are absent), each request carrying one batch.

Usage: python bench/embed_throughput.py [--texts 2048] [--batch 64] [--repeats 3]
(writes bench/results/embed_throughput.json)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import librispeech, write_results
from cli.processes import start_redis, stop
from tests.conftest import STORY
from tests.support.platform import embed_process, gateway_process


def corpus(count: int) -> list[str]:
    sentences = [u.text.capitalize() for u in librispeech()] + STORY
    return [f"{sentences[i % len(sentences)]} ({i})" for i in range(count)]


def via_gateway(url: str, texts: list[str], batch: int, in_flight: int) -> float:
    """Seconds to embed `texts` through the gateway, `in_flight` requests at a time."""

    def one(start: int) -> int:
        answer = client.post("/v1/embed", json={"texts": texts[start : start + batch]})
        answer.raise_for_status()
        return len(answer.json()["embeddings"])

    with httpx.Client(base_url=url, timeout=120) as client, ThreadPoolExecutor(in_flight) as pool:
        started = time.perf_counter()
        done = sum(pool.map(one, range(0, len(texts), batch)))
        elapsed = time.perf_counter() - started
    assert done == len(texts)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from services.embed.engine import packaged_model_path

    texts = corpus(args.texts)
    model = SentenceTransformer(packaged_model_path(), device="cpu")
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp)
        redis, redis_url = start_redis(data_dir)
        embed = embed_process(data_dir, data_dir / "embed.log", STT_EMBED_BATCH_SIZE=str(args.batch))
        embed.start()
        gateway = gateway_process(
            data_dir,
            data_dir / "gateway.log",
            "127.0.0.1:1",
            redis_url,
            STT_GATEWAY_EMBED_ADDRESS=embed.address,
        )
        gateway.start()
        try:
            via_gateway(gateway.url, texts[: args.batch * 2], args.batch, args.in_flight)  # warm both
            model.encode(texts[: args.batch], batch_size=args.batch)
            direct_s, gateway_s = [], []
            for _ in range(args.repeats):
                started = time.perf_counter()
                model.encode(texts, batch_size=args.batch, normalize_embeddings=True)
                direct_s.append(time.perf_counter() - started)
                gateway_s.append(via_gateway(gateway.url, texts, args.batch, args.in_flight))
        finally:
            gateway.stop()
            embed.stop()
            stop([redis])
    direct_rate = len(texts) / statistics.median(direct_s)
    gateway_rate = len(texts) / statistics.median(gateway_s)
    write_results(
        "embed_throughput",
        {
            "cpu_count": os.cpu_count(),
            "texts": len(texts),
            "batch": args.batch,
            "requests_in_flight": args.in_flight,
            "direct_texts_per_s": round(direct_rate, 1),
            "gateway_texts_per_s": round(gateway_rate, 1),
            "gateway_over_direct": round(gateway_rate / direct_rate, 3),
        },
    )


if __name__ == "__main__":
    main()
