"""The audio service's memory while it enhances a long file: peak resident memory for a short and a
long recording (LibriSpeech speech with pink noise and hum at 5 dB, 16 kHz WAV) sent over gRPC and the
answer read to the end; bounded memory means the long file's peak is no higher than the short one's.

Usage: python bench/enhance_memory.py [--minutes 5 60] (writes bench/results/enhance_memory.json)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PeakMemory, librispeech, write_results
from services.common.media import decode
from stt.v1 import audio_pb2, audio_pb2_grpc
from testbed.media import write_wav
from testbed.noise import mixed, pink_with_hum
from testbed.platform import audio_process

RATE = 16_000


def long_noisy(minutes: float, path: Path) -> Path:
    speech = [decode(u.path) for u in librispeech()] or [np.zeros(RATE, np.float32)]
    pieces, total, index = [], 0, 0
    while total < minutes * 60 * RATE:
        piece = speech[index % len(speech)]
        pieces += [piece, np.zeros(RATE // 2, np.float32)]
        total += len(piece) + RATE // 2
        index += 1
    clean = np.concatenate(pieces)
    return write_wav(mixed(clean, pink_with_hum(len(clean), RATE, seed=1), 5.0), RATE, path)


def requests(path: Path) -> Iterator[audio_pb2.EnhanceRequest]:
    yield audio_pb2.EnhanceRequest(options=audio_pb2.EnhanceOptions())
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            yield audio_pb2.EnhanceRequest(audio_chunk=chunk)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, nargs="+", default=[5.0, 60.0])
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        folder = Path(tmp)
        service = audio_process(folder, folder / "audio.log")
        service.start()
        assert service.process is not None
        try:
            with grpc.insecure_channel(service.address) as channel:
                stub = audio_pb2_grpc.AudioStub(channel)
                for minutes in args.minutes:
                    path = long_noisy(minutes, folder / f"{minutes:g}min.wav")
                    received, started = 0, time.perf_counter()
                    with PeakMemory(service.process.pid) as memory:
                        for answer in stub.Enhance(requests(path), timeout=7200):
                            received += len(answer.wav_chunk)
                    elapsed = time.perf_counter() - started
                    path.unlink()
                    label = f"{minutes:g}min"
                    results.update(memory.figures(label))
                    results[f"{label}_seconds"] = round(elapsed, 1)
                    results[f"{label}_real_time_factor"] = round(elapsed / (minutes * 60), 4)
                    results[f"{label}_answer_mb"] = round(received / 2**20, 1)
        finally:
            service.stop()
    write_results("enhance_memory", results)


if __name__ == "__main__":
    main()
