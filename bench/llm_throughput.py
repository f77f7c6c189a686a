"""Tokens per second of summaries through the gateway (HTTP -> gRPC -> the LLM service -> the engine)
against the same engine called directly over its OpenAI-compatible API with the same prompt, in one
run; greedy decoding, so both write the same tokens. Runs alternate; medians are compared (goal: the
gateway at least 0.95 of direct).

Usage: python bench/llm_throughput.py [--repeats 5]   (writes bench/results/llm_throughput.json)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_results
from cli.processes import start_redis, stop
from services.llm.settings import LlmSettings
from services.llm.summarizer import prompt
from testbed.platform import LIFTED_ANONYMOUS_LIMITS, gateway_process, llm_engine, llm_process
from testbed.texts import STORY

TEXT = " ".join(STORY[:8])


def via_gateway(client: httpx.Client) -> tuple[int, float]:
    started = time.perf_counter()
    answer = client.post("/v1/summarize", json={"text": TEXT, "style": "detailed"})
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return answer.json()["usage"]["completion_tokens"], elapsed


def direct(client: httpx.Client, settings: LlmSettings) -> tuple[int, float]:
    body = {
        "model": settings.engine_model,
        "messages": [{"role": "system", "content": prompt("detailed")}, {"role": "user", "content": TEXT}],
        "max_tokens": settings.answer_tokens,
        "temperature": 0.0,
    }
    started = time.perf_counter()
    answer = client.post("/v1/chat/completions", json=body)
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return answer.json()["usage"]["completion_tokens"], elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    settings = LlmSettings()
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp)
        redis, redis_url = start_redis(data_dir)
        engine, engine_url = llm_engine(data_dir / "engine.log")
        llm = llm_process(data_dir, data_dir / "llm.log", engine_url)
        llm.start()
        no_asr = "127.0.0.1:1"
        gateway = gateway_process(
            data_dir, data_dir / "gateway.log", no_asr, redis_url, STT_GATEWAY_LLM_ADDRESS=llm.address,
            **LIFTED_ANONYMOUS_LIMITS,
        )  # fmt: skip
        gateway.start()
        try:
            with (
                httpx.Client(base_url=gateway.url, timeout=300) as through,
                httpx.Client(base_url=engine_url, timeout=300) as straight,
            ):
                via_gateway(through), direct(straight, settings)  # warm both
                rates: dict[str, list[float]] = {"gateway": [], "direct": []}
                tokens: dict[str, int] = {}
                for _ in range(args.repeats):
                    for name, run in (
                        ("direct", lambda: direct(straight, settings)),
                        ("gateway", lambda: via_gateway(through)),
                    ):
                        count, seconds = run()
                        tokens[name] = count
                        rates[name].append(count / seconds)
        finally:
            gateway.stop()
            llm.stop()
            stop([engine, redis])
    gateway_rate, direct_rate = statistics.median(rates["gateway"]), statistics.median(rates["direct"])
    write_results(
        "llm_throughput",
        {
            "cpu_count": os.cpu_count(),
            "model": settings.engine_model,
            "completion_tokens": tokens,
            "gateway_tokens_per_s": round(gateway_rate, 1),
            "direct_tokens_per_s": round(direct_rate, 1),
            "gateway_over_direct": round(gateway_rate / direct_rate, 3),
        },
    )


if __name__ == "__main__":
    main()
