"""Live streams against files on the same audio, in one process, without the gateway or real-time
pacing: what the stream's way of cutting and decoding speech costs in WER, free of timing.

Each clip, led by 1 s of silence, is fed to a `LiveStream` a quarter second at a time with a step after
each (as the servicer steps a real-time stream), and transcribed as a file by the same engine. Sets: the
LibriSpeech test-other utterances beside the project, the same mixed with pink noise and mains hum at
10 dB SNR, and the same slowed to 0.9 times their speed (resampled: lower and slower). CTranslate2's
random seed is fixed, so the hotter retries Whisper falls back to sample the same way in every run.

Usage: python bench/stream_vs_file.py   (writes bench/results/stream_vs_file.json)
"""

from __future__ import annotations

import sys
from pathlib import Path

import ctranslate2
import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import librispeech, write_results
from services.asr.engine import AsrEngine
from services.asr.live_stream import LiveStream
from services.asr.registry import Resolution
from services.asr.results import TranscribeOptions
from services.asr.settings import AsrSettings
from services.common.media import SAMPLE_RATE, decode
from testbed.live_feed import ended, fed
from testbed.noise import mixed, pink_with_hum
from testbed.streaming import pcm16
from testbed.wer import word_error_rate


def streamed_text(engine: AsrEngine, resolution: Resolution, audio: np.ndarray) -> str:
    live = LiveStream(engine, resolution, "en")
    fed(live, pcm16(audio))
    return ended(live)[1].text


def _scored(references: list[str], streamed: list[str], files: list[str]) -> dict[str, object]:
    truth = " ".join(references)
    return {
        "clips": len(references),
        "wer_streamed": round(word_error_rate(truth, " ".join(streamed)), 4),
        "wer_file": round(word_error_rate(truth, " ".join(files)), 4),
    }


def main() -> None:
    ctranslate2.set_random_seed(7)
    engine = AsrEngine(AsrSettings())
    engine.load()
    resolution, _ = engine.resolve("base", "en")
    clean = [(decode(u.path), u.text) for u in librispeech()]
    sets = {
        "librispeech": clean,
        "librispeech, pink noise 10 dB": [
            (mixed(audio, pink_with_hum(len(audio), SAMPLE_RATE, seed), 10), text)
            for seed, (audio, text) in enumerate(clean)
        ],
        "librispeech, 0.9x speed": [(resample_poly(a, 10, 9).astype(np.float32), t) for a, t in clean],
    }
    lead = np.zeros(SAMPLE_RATE, dtype=np.float32)
    results: dict[str, object] = {}
    every: dict[str, list[str]] = {"references": [], "streamed": [], "files": []}
    for name, clips in sets.items():
        references, streamed, files = [], [], []
        for audio, text in clips:
            audio = np.concatenate([lead, audio])
            references.append(text)
            streamed.append(streamed_text(engine, resolution, audio))
            files.append(engine.transcribe(audio, TranscribeOptions(model="base", language="en")).text)
        results[name] = _scored(references, streamed, files)
        print(name, results[name], flush=True)
        for key, texts in zip(every, (references, streamed, files), strict=True):
            every[key] += texts
    results["all"] = _scored(every["references"], every["streamed"], every["files"])
    print("all", results["all"])
    write_results("stream_vs_file", results)


if __name__ == "__main__":
    main()
