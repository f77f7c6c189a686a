"""What the benchmarks share: the speech they run on and a platform started as `stt serve` starts it."""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import numpy as np
import psutil

from cli.processes import start_redis, stop
from testbed.media import synthesize, write_wav
from testbed.platform import (
    LIFTED_ANONYMOUS_LIMITS,
    AsrProcess,
    GatewayProcess,
    ServiceProcess,
    asr_process,
    gateway_process,
)

REPO = Path(__file__).resolve().parent.parent
LIBRISPEECH = REPO.parent / "shared" / "fixtures" / "librispeech"
Item = TypeVar("Item")


@dataclass(frozen=True)
class Utterance:
    path: Path
    text: str
    duration: float


def librispeech() -> list[Utterance]:
    """The real LibriSpeech test-other utterances beside the project (not shipped with it)."""
    manifest = LIBRISPEECH / "manifest.jsonl"
    if not manifest.is_file():
        return []
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [Utterance(LIBRISPEECH / r["audio"], r["text"], float(r["duration"])) for r in rows]


def long_speech(folder: Path, min_seconds: float = 60.0) -> Utterance:
    """One file of at least `min_seconds` of speech: the LibriSpeech utterances joined with short
    pauses where they are present, otherwise sentences spoken by the packaged Piper voice."""
    from services.common.media import SAMPLE_RATE, decode

    pieces: list[np.ndarray] = []
    texts: list[str] = []
    sources = librispeech()
    if not sources:
        sentences = [
            "The committee met on a cold morning to discuss the budget for the coming year.",
            "Several members asked for more time to read the report before they would vote.",
            "After a long debate the chair proposed that the decision wait until next week.",
        ]
        sources = [Utterance(synthesize(s, folder / f"s{i}.wav"), s, 0.0) for i, s in enumerate(sentences)]
    while sum(len(p) for p in pieces) / SAMPLE_RATE < min_seconds:
        for source in sources:
            pieces += [decode(source.path), np.zeros(SAMPLE_RATE // 2, dtype=np.float32)]
            texts.append(source.text)
    audio = np.concatenate(pieces)
    path = write_wav(audio, SAMPLE_RATE, folder / "long_speech.wav")
    return Utterance(path, " ".join(texts), len(audio) / SAMPLE_RATE)


@dataclass
class Platform:
    asr: AsrProcess
    gateway: GatewayProcess
    data_dir: Path


@contextmanager
def running_platform(
    asr_settings: dict[str, str] | None = None, gateway_settings: dict[str, str] | None = None
) -> Iterator[Platform]:
    """Redis, the ASR service and the gateway as processes. The benchmarks call anonymously, so the
    anonymous tier's limits are lifted unless `gateway_settings` says otherwise."""
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        redis, redis_url = start_redis(data_dir)
        asr = asr_process(data_dir, Path(tmp) / "asr.log", **(asr_settings or {}))
        asr.start()
        settings = {**LIFTED_ANONYMOUS_LIMITS, **(gateway_settings or {})}
        gateway = gateway_process(data_dir, Path(tmp) / "gateway.log", asr.address, redis_url, **settings)
        gateway.start()
        try:
            yield Platform(asr, gateway, data_dir)
        finally:
            gateway.stop()
            asr.stop()
            stop([redis])


@contextmanager
def gateway_client_with(service: ServiceProcess, address_setting: str) -> Iterator[httpx.Client]:
    """A client of a platform (`running_platform`) whose gateway also reaches `service`, started here
    and stopped at the end, at the address its `address_setting` names."""
    service.start()
    try:
        with (
            running_platform(gateway_settings={address_setting: service.address}) as platform,
            httpx.Client(base_url=platform.gateway.url, timeout=600) as client,
        ):
            yield client
    finally:
        service.stop()


class PeakMemory:
    """Samples a process's resident memory in a thread while the block runs: `at_rest` before, `peak`
    during, and every sample as (seconds into the block, bytes)."""

    def __init__(self, pid: int, every_s: float = 0.02) -> None:
        self._process = psutil.Process(pid)
        self._every_s = every_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample)
        self.at_rest = self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self._started = 0.0

    def _sample(self) -> None:
        while not self._done.is_set():
            rss = self._process.memory_info().rss
            self.samples.append((time.monotonic() - self._started, rss))
            self.peak = max(self.peak, rss)
            time.sleep(self._every_s)

    def __enter__(self) -> PeakMemory:
        self.at_rest = self.peak = self._process.memory_info().rss
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def figures(self, prefix: str) -> dict[str, float]:
        mb = 2**20
        return {
            f"{prefix}_rss_at_rest_mb": round(self.at_rest / mb, 1),
            f"{prefix}_rss_peak_mb": round(self.peak / mb, 1),
            f"{prefix}_rss_growth_mb": round((self.peak - self.at_rest) / mb, 1),
        }

    def growth_by_tenth(self) -> list[float]:
        """The growth over rest (MB) of the highest sample up to each tenth of the block's time: where
        in a long job the memory went."""
        end = self.samples[-1][0] if self.samples else 0.0
        peaks = []
        for tenth in range(1, 11):
            seen = [rss for at, rss in self.samples if at <= end * tenth / 10] or [self.at_rest]
            peaks.append(round((max(seen) - self.at_rest) / 2**20, 1))
        return peaks


_ANSWERS_OF = {"/v1/embed": "embeddings", "/v1/translate": "translations"}


def texts_through_gateway(
    url: str, route: str, texts: list[str], batch: int, in_flight: int, timeout_s: float, **fields: str
) -> float:
    """Seconds to send `texts` (with `fields`) to a text route of the gateway, `/v1/embed` or
    `/v1/translate`, `batch` at a time, `in_flight` requests at once; every text must come back."""

    def one(start: int) -> int:
        answer = client.post(route, json={"texts": texts[start : start + batch], **fields})
        answer.raise_for_status()
        return len(answer.json()[_ANSWERS_OF[route]])

    with httpx.Client(base_url=url, timeout=timeout_s) as client, ThreadPoolExecutor(in_flight) as pool:
        started = time.perf_counter()
        done = sum(pool.map(one, range(0, len(texts), batch)))
        elapsed = time.perf_counter() - started
    assert done == len(texts)
    return elapsed


def gateway_against_direct(
    items: Sequence[Item],
    via_gateway: Callable[[Item], float],
    direct: Callable[[Item], float],
    repeats: int,
    unit: str,
) -> dict[str, float]:
    """Each item through the gateway and to the engine in this process, the two alternating item by
    item so the machine's load falls on both alike; each path's rate is from the median of `repeats`
    passes. `via_gateway` and `direct` return the seconds one item took."""
    runs: dict[str, list[float]] = {"gateway": [], "direct": []}
    for _ in range(repeats):
        seconds = {"gateway": 0.0, "direct": 0.0}
        for item in items:
            seconds["direct"] += direct(item)
            seconds["gateway"] += via_gateway(item)
        for name, value in seconds.items():
            runs[name].append(value)
    rates = {name: len(items) / statistics.median(seconds) for name, seconds in runs.items()}
    return {
        f"gateway_{unit}_per_s": round(rates["gateway"], 3),
        f"direct_{unit}_per_s": round(rates["direct"], 3),
        "gateway_over_direct": round(rates["gateway"] / rates["direct"], 3),
    }


def write_results(name: str, results: dict[str, object]) -> None:
    """Prints the figures and keeps them in bench/results/<name>.json."""
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
