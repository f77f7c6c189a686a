"""Audio enhancement sent as it is made (`stream=true`) against the whole-file answer, in one process on
the same files: when the first audio is ready, when the last is, and how near the target loudness
each lands (-16 LUFS, measured with pyloudnorm on the answer).

Files: five minutes of speech (the LibriSpeech utterances joined; Piper sentences where they are
absent) mixed with pink noise and hum at 5 dB SNR, (1) at an even level and (2) with its second half
10 dB louder than its first, the case a running level cannot know in advance.

Usage: python bench/enhance_streamed.py [--minutes 5] (writes bench/results/enhance_streamed.json)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyloudnorm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import long_speech, write_results
from services.audio.enhancer import EnhanceOptions, Enhancer, RunningEnhancement
from services.audio.settings import AudioSettings
from services.common.media import SAMPLE_RATE, decode
from stt.v1 import audio_pb2
from testbed.media import read_wav, write_wav
from testbed.noise import mixed, pink_with_hum, true_peak_db

TARGET_LUFS = -16.0


def _loudness(samples: np.ndarray, rate: int) -> float:
    return round(float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))), 2)


def whole(enhancer: Enhancer, path: Path, options: EnhanceOptions, work: Path) -> dict[str, float]:
    started = time.perf_counter()
    done = enhancer.enhance(path, work, options, threading.Event())
    seconds = time.perf_counter() - started
    out, rate = read_wav(done.path)
    return {
        "first_audio_s": round(seconds, 2),
        "last_audio_s": round(seconds, 2),
        "loudness_lufs": _loudness(out, rate),
        "true_peak_db": round(true_peak_db(out), 2),
    }


def streamed(enhancer: Enhancer, path: Path, options: EnhanceOptions) -> dict[str, float]:
    running = RunningEnhancement(enhancer, path, options, threading.Event())
    started = time.perf_counter()
    first, blocks = None, []
    for block in running.blocks():
        if first is None and len(block):
            first = time.perf_counter() - started
        blocks.append(block)
    seconds = time.perf_counter() - started
    out = np.concatenate(blocks)
    return {
        "first_audio_s": round(first or seconds, 2),
        "last_audio_s": round(seconds, 2),
        "loudness_lufs": _loudness(out, running.sample_rate),
        "true_peak_db": round(true_peak_db(out), 2),
    }


def main(minutes: float) -> None:
    enhancer = Enhancer(AudioSettings())
    enhancer.load()
    options = EnhanceOptions(TARGET_LUFS, -1.0, 0, audio_pb2.PCM_16, denoise=True)
    results: dict[str, object] = {"target_lufs": TARGET_LUFS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clean = decode(long_speech(folder, min_seconds=minutes * 60).path)
        noisy = mixed(clean, pink_with_hum(len(clean), SAMPLE_RATE, seed=7), snr_db=5.0, peak=0.3)
        changing = noisy.copy()
        changing[len(changing) // 2 :] *= 10 ** (10 / 20)  # the second half 10 dB louder
        files = {"even_level": noisy, "louder_second_half": changing / np.abs(changing).max() * 0.9}
        results["audio_minutes"] = round(len(clean) / SAMPLE_RATE / 60, 2)
        for name, samples in files.items():
            path = write_wav(samples, SAMPLE_RATE, folder / f"{name}.wav")
            work = folder / name
            work.mkdir()
            results[name] = {
                "input_lufs": _loudness(samples, SAMPLE_RATE),
                "whole": whole(enhancer, path, options, work),
                "streamed": streamed(enhancer, path, options),
            }
            print(name, results[name], flush=True)
    write_results("enhance_streamed", results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    main(parser.parse_args().minutes)
