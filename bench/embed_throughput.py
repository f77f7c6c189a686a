"""Embeddings per second through the gateway (HTTP JSON -> gRPC -> the embedding service) against
sentence-transformers called directly in this process with the same weights on the same work (one call
per request's texts, the same texts per forward pass), in one run; runs alternate and medians are
compared (goal: the gateway at least 0.9 of direct). For context, direct calls with
sentence-transformers' default of 32 texts per pass, with 64 (a whole request in one pass), and with
every text in one call.

The texts are sentences of the LibriSpeech reference transcripts (Piper test sentences where the
fixtures are absent), each request carrying one batch.

Usage: python bench/embed_throughput.py [--texts 2048] [--batch 64] [--micro-batch 8] [--repeats 3]
(writes bench/results/embed_throughput.json)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import librispeech, texts_through_gateway, write_results
from cli.processes import start_redis, stop
from testbed.platform import LIFTED_ANONYMOUS_LIMITS, embed_process, gateway_process
from testbed.texts import STORY


def corpus(count: int) -> list[str]:
    sentences = [u.text.capitalize() for u in librispeech()] + STORY
    return [f"{sentences[i % len(sentences)]} ({i})" for i in range(count)]


def via_gateway(url: str, texts: list[str], batch: int, in_flight: int) -> float:
    """Seconds to embed `texts` through the gateway, `in_flight` requests at a time."""
    return texts_through_gateway(url, "/v1/embed", texts, batch, in_flight, timeout_s=120)


def direct(model, texts: list[str], per_call: int, batch: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds to embed `texts` with sentence-transformers in this process, `per_call` texts a call."""
    started = time.perf_counter()
    for start in range(0, len(texts), per_call):
        model.encode(texts[start : start + per_call], batch_size=batch, normalize_embeddings=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=64, help="texts per request")
    parser.add_argument(
        "--micro-batch", type=int, default=8, help="texts per forward pass (the service's default on CPU)"
    )
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
        embed = embed_process(data_dir, data_dir / "embed.log", STT_EMBED_BATCH_SIZE=str(args.micro_batch))
        embed.start()
        gateway = gateway_process(
            data_dir,
            data_dir / "gateway.log",
            "127.0.0.1:1",
            redis_url,
            STT_GATEWAY_EMBED_ADDRESS=embed.address,
            **LIFTED_ANONYMOUS_LIMITS,
        )
        gateway.start()
        try:
            via_gateway(gateway.url, texts[: args.batch * 2], args.batch, args.in_flight)  # warm both
            direct(model, texts[: args.batch], args.batch, args.micro_batch)
            runs: dict[str, list[float]] = {
                "gateway": [],
                "direct": [],
                "direct_batch_32": [],
                "direct_batch_64": [],
                "direct_one_call": [],
            }
            for _ in range(args.repeats):
                runs["direct"].append(direct(model, texts, args.batch, args.micro_batch))
                runs["gateway"].append(via_gateway(gateway.url, texts, args.batch, args.in_flight))
                runs["direct_batch_32"].append(direct(model, texts, args.batch, 32))
                runs["direct_batch_64"].append(direct(model, texts, args.batch, 64))
                runs["direct_one_call"].append(direct(model, texts, len(texts), args.micro_batch))
        finally:
            gateway.stop()
            embed.stop()
            stop([redis])
    rate = {name: len(texts) / statistics.median(seconds) for name, seconds in runs.items()}
    write_results(
        "embed_throughput",
        {
            "cpu_count": os.cpu_count(),
            "texts": len(texts),
            "texts_per_request": args.batch,
            "texts_per_forward_pass": args.micro_batch,
            "requests_in_flight": args.in_flight,
            **{f"{name}_texts_per_s": round(value, 1) for name, value in rate.items()},
            "gateway_over_direct": round(rate["gateway"] / rate["direct"], 3),
        },
    )


if __name__ == "__main__":
    main()
