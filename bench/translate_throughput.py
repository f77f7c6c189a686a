"""Sentences per second through the gateway (HTTP JSON -> gRPC -> the translation service) against the
same engine called directly in this process on the same work (the same texts per call), in one run;
runs alternate and medians are compared (goal: the gateway at least 0.95 of direct).

Both engines are measured: Apertium (the CPU default; one run of its pipeline per request) and the
tiny CTranslate2 model the tests build (its speed says what the service and gateway add around a
CTranslate2 translator, nothing about a real model's speed or quality).

Usage: python bench/translate_throughput.py [--texts 1024] [--batch 64] [--repeats 3]
(writes bench/results/translate_throughput.json)
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
from services.translate.settings import TranslateSettings
from services.translate.translator import Translator
from testbed.platform import LIFTED_ANONYMOUS_LIMITS, gateway_process, translate_process
from testbed.texts import STORY
from testbed.tiny_translator import build_tiny_translator

TINY_DECODING_TOKENS = 24  # as in the tests: random weights seldom end a sentence by themselves


def corpus(count: int) -> list[str]:
    sentences = [f"{u.text.capitalize()}." for u in librispeech()] + STORY
    return [sentences[i % len(sentences)] for i in range(count)]


def via_gateway(url: str, texts: list[str], batch: int, target: str, in_flight: int) -> float:
    return texts_through_gateway(url, "/v1/translate", texts, batch, in_flight, timeout_s=300, target=target)


def direct(translator: Translator, texts: list[str], batch: int, target: str) -> float:
    """The service's own runtime in this process: the engine on the same pieces, call by call."""
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        part = texts[start : start + batch]
        engine, route, source, checked_target = translator.check(part, "en", target)
        translator.translate(engine, route, part, source, checked_target)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=64, help="texts per request")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=2)
    args = parser.parse_args()
    texts = corpus(args.texts)
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp)
        tiny = build_tiny_translator(data_dir / "tiny")
        settings = {
            "STT_TRANSLATE_MODEL_PATH": str(tiny),
            "STT_TRANSLATE_MAX_DECODING_LENGTH": str(TINY_DECODING_TOKENS),
        }
        translator = Translator(TranslateSettings(model_path=tiny, max_decoding_length=TINY_DECODING_TOKENS))
        translator.load()
        redis, redis_url = start_redis(data_dir)
        service = translate_process(data_dir, data_dir / "translate.log", **settings)
        service.start()
        gateway = gateway_process(
            data_dir,
            data_dir / "gateway.log",
            "127.0.0.1:1",
            redis_url,
            STT_GATEWAY_TRANSLATE_ADDRESS=service.address,
            **LIFTED_ANONYMOUS_LIMITS,
        )
        gateway.start()
        runs: dict[str, list[float]] = {}
        try:
            for engine, target in (("apertium", "es"), ("ctranslate2_tiny", "de")):
                via_gateway(gateway.url, texts[: args.batch * 2], args.batch, target, args.in_flight)  # warm
                direct(translator, texts[: args.batch], args.batch, target)
                runs[f"{engine}_gateway"], runs[f"{engine}_direct"] = [], []
                for _ in range(args.repeats):
                    runs[f"{engine}_direct"].append(direct(translator, texts, args.batch, target))
                    runs[f"{engine}_gateway"].append(
                        via_gateway(gateway.url, texts, args.batch, target, args.in_flight)
                    )
        finally:
            gateway.stop()
            service.stop()
            stop([redis])
            translator.close()
    rate = {name: len(texts) / statistics.median(seconds) for name, seconds in runs.items()}
    write_results(
        "translate_throughput",
        {
            "cpu_count": os.cpu_count(),
            "texts": len(texts),
            "texts_per_request": args.batch,
            "requests_in_flight": args.in_flight,
            **{f"{name}_sentences_per_s": round(value, 1) for name, value in rate.items()},
            **{
                f"{engine}_gateway_over_direct": round(
                    rate[f"{engine}_gateway"] / rate[f"{engine}_direct"], 3
                )
                for engine in ("apertium", "ctranslate2_tiny")
            },
        },
    )


if __name__ == "__main__":
    main()
