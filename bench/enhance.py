"""Audio enhancement: what DeepFilterNet3 gains on real speech in noise, whether it helps the ASR,
how fast it runs, and what the gateway costs against the engine called directly.

Speech: the LibriSpeech test-other utterances beside the project (Piper sentences where they are
absent), each mixed with pink noise and 60 Hz hum (`testbed/noise.py`) at 0, 5 and 10 dB SNR.
- SI-SDR of the noisy and of the enhanced audio against the clean speech (the engine in process).
- WER of the ASR (base, through the gateway) on clean, noisy and enhanced audio
  (`POST /v1/transcribe` with `enhance=false` and `enhance=true`), summed over the utterances.
- Real-time factor of the engine in process (time / audio seconds).
- Enhancements per second through the gateway (`POST /v1/enhance-audio`) against the engine in this
  process on the same files (the 5 dB set), file by file alternating, medians of the repeats compared
  (goal: at least 0.95).

Usage: python bench/enhance.py [--repeats 3] (writes bench/results/enhance.json)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import gateway_against_direct, gateway_client_with, librispeech, write_results
from services.audio.enhancer import Enhancer
from services.audio.settings import AudioSettings
from services.common.media import decode
from stt.v1 import audio_pb2
from testbed.media import synthesize, write_wav
from testbed.noise import mixed, pink_with_hum, si_sdr
from testbed.platform import audio_process
from testbed.wer import word_error_rate

SNRS_DB = (0.0, 5.0, 10.0)
RATE = 16_000


def speech(folder: Path) -> list[tuple[np.ndarray, str]]:
    found = [(decode(u.path), u.text) for u in librispeech()]
    if found:
        return found
    sentences = [
        "The committee met on a cold morning to discuss the budget for the coming year.",
        "Several members asked for more time to read the report before they would vote.",
    ]
    return [(decode(synthesize(s, folder / f"s{i}.wav")), s) for i, s in enumerate(sentences)]


def transcribe(client: httpx.Client, path: Path, enhance: bool) -> str:
    answer = client.post(
        "/v1/transcribe",
        files={"file": (path.name, path.read_bytes())},
        data={"model": "base", "diarize": "false", "enhance": str(enhance).lower()},
    )
    answer.raise_for_status()
    return str(answer.json()["text"])


def corpus_wer(references: list[str], hypotheses: list[str]) -> float:
    words = [len(r.split()) for r in references]
    errors = [word_error_rate(r, h) * n for r, h, n in zip(references, hypotheses, words, strict=True)]
    return round(sum(errors) / sum(words), 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stt-bench-") as tmp:
        folder = Path(tmp)
        utterances = speech(folder)
        references = [text for _, text in utterances]
        files: dict[str, list[Path]] = {"clean": []}
        for index, (clean, _) in enumerate(utterances):
            files["clean"].append(write_wav(clean, RATE, folder / f"clean{index}.wav"))
            for snr in SNRS_DB:
                noise = pink_with_hum(len(clean), RATE, seed=index)
                files.setdefault(f"{snr:g}dB", []).append(
                    write_wav(mixed(clean, noise, snr), RATE, folder / f"n{index}_{snr:g}.wav")
                )
        enhancer = Enhancer(AudioSettings(data_dir=folder))
        enhancer.load()
        options = enhancer.options_of(audio_pb2.EnhanceOptions())

        def direct(path: Path) -> tuple[np.ndarray, float]:
            work = Path(tempfile.mkdtemp(dir=folder))
            started = time.perf_counter()
            done = enhancer.enhance(path, work, options, threading.Event())
            elapsed = time.perf_counter() - started
            return decode(done.path), elapsed

        results: dict[str, object] = {"cpu_count": os.cpu_count(), "utterances": len(utterances)}
        audio_seconds = sum(len(clean) for clean, _ in utterances) / RATE
        results["audio_seconds_per_set"] = round(audio_seconds, 1)
        for name, paths in files.items():
            if name == "clean":
                continue
            enhanced, seconds = zip(*(direct(p) for p in paths), strict=True)
            noisy = [decode(p) for p in paths]
            clean = [c for c, _ in utterances]
            results[f"si_sdr_{name}_noisy"] = round(
                float(np.mean([si_sdr(n, c) for n, c in zip(noisy, clean, strict=True)])), 2
            )
            results[f"si_sdr_{name}_enhanced"] = round(
                float(np.mean([si_sdr(e, c) for e, c in zip(enhanced, clean, strict=True)])), 2
            )
            results[f"rtf_{name}"] = round(sum(seconds) / audio_seconds, 4)

        service = audio_process(folder, folder / "audio.log")
        with gateway_client_with(service, "STT_GATEWAY_AUDIO_ADDRESS") as client:
            for name, paths in files.items():
                for enhance in (False, True):
                    hypotheses = [transcribe(client, p, enhance) for p in paths]
                    label = "enhanced" if enhance else "as_is"
                    results[f"wer_{name}_{label}"] = corpus_wer(references, hypotheses)

            def via_gateway(path: Path) -> float:
                started = time.perf_counter()
                answer = client.post("/v1/enhance-audio", files={"file": (path.name, path.read_bytes())})
                answer.raise_for_status()
                return time.perf_counter() - started

            results |= gateway_against_direct(
                files["5dB"], via_gateway, lambda path: direct(path)[1], args.repeats, "files"
            )
    write_results("enhance", results)


if __name__ == "__main__":
    main()
