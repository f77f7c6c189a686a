"""Audio enhancement sent as it is made (`stream=true`) against the whole-file answer, in one process on
the same files: when the first audio is ready, when the last is, and how near the target loudness
each lands (-16 LUFS, measured with pyloudnorm on the answer), the loudness of each half, and how
alike the two answers are (SI-SDR of the streamed one against the whole one).

Files: five minutes of speech (the LibriSpeech utterances joined; Piper sentences where they are
absent) mixed with pink noise and hum at 5 dB SNR, (1) at an even level, (2) with its second half
10 dB louder than its first and (3) 10 dB quieter, the cases a running level cannot know in advance,
and (4) with a minute of the noise alone in the middle, a pause that must not be raised.

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
from testbed.noise import mixed, pink_with_hum, si_sdr, true_peak_db

TARGET_LUFS = -16.0


def _loudness(samples: np.ndarray, rate: int) -> float:
    return round(float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))), 2)


def _rms_db(samples: np.ndarray) -> float:
    return round(float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2))), 1)


def _speech_gain(clean: np.ndarray, noisy: np.ndarray) -> float:
    """How much `mixed` scaled the speech on its way into `noisy` (least squares: the noise is
    uncorrelated with it)."""
    return float(np.dot(noisy, clean) / np.dot(clean, clean))


def _figures(out: np.ndarray, rate: int, first: float, last: float) -> dict[str, object]:
    half = len(out) // 2
    return {
        "first_audio_s": round(first, 2),
        "last_audio_s": round(last, 2),
        "loudness_lufs": _loudness(out, rate),
        "halves_lufs": [_loudness(out[:half], rate), _loudness(out[half:], rate)],
        "true_peak_db": round(true_peak_db(out), 2),
    }


def whole(
    enhancer: Enhancer, path: Path, options: EnhanceOptions, work: Path
) -> tuple[dict[str, object], np.ndarray, int]:
    started = time.perf_counter()
    done = enhancer.enhance(path, work, options, threading.Event())
    seconds = time.perf_counter() - started
    out, rate = read_wav(done.path)
    return _figures(out, rate, seconds, seconds), out, rate


def streamed(enhancer: Enhancer, path: Path, options: EnhanceOptions) -> tuple[dict[str, object], np.ndarray]:
    running = RunningEnhancement(enhancer, path, options, threading.Event())
    started = time.perf_counter()
    first, blocks = None, []
    for block in running.blocks():
        if first is None and len(block):
            first = time.perf_counter() - started
        blocks.append(block)
    seconds = time.perf_counter() - started
    out = np.concatenate(blocks)
    return _figures(out, running.sample_rate, first or seconds, seconds), out


def main(minutes: float) -> None:
    enhancer = Enhancer(AudioSettings())
    enhancer.load()
    options = EnhanceOptions(TARGET_LUFS, -1.0, 0, audio_pb2.PCM_16, denoise=True)
    results: dict[str, object] = {"target_lufs": TARGET_LUFS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clean = decode(long_speech(folder, min_seconds=minutes * 60).path)
        noisy = mixed(clean, pink_with_hum(len(clean), SAMPLE_RATE, seed=7), snr_db=5.0, peak=0.3)
        half = len(noisy) // 2
        louder, quieter, pause = noisy.copy(), noisy.copy(), noisy.copy()
        louder[half:] *= 10 ** (10 / 20)
        quieter[half:] *= 10 ** (-10 / 20)
        minute = slice(half - 30 * SAMPLE_RATE, half + 30 * SAMPLE_RATE)
        pause[minute] -= clean[minute] * _speech_gain(clean, noisy)  # the speech taken out, the noise left
        files = {
            "even_level": noisy,
            "louder_second_half": louder / np.abs(louder).max() * 0.9,
            "quieter_second_half": quieter,
            "minute_of_noise_alone": pause,
        }
        results["audio_minutes"] = round(len(clean) / SAMPLE_RATE / 60, 2)
        for name, samples in files.items():
            path = write_wav(samples, SAMPLE_RATE, folder / f"{name}.wav")
            work = folder / name
            work.mkdir()
            whole_figures, whole_out, rate = whole(enhancer, path, options, work)
            streamed_figures, streamed_out = streamed(enhancer, path, options)
            results[name] = {
                "input_lufs": _loudness(samples, SAMPLE_RATE),
                "whole": whole_figures,
                "streamed": streamed_figures,
                "streamed_against_whole_si_sdr_db": round(si_sdr(streamed_out, whole_out), 1),
            }
            if name == "minute_of_noise_alone":
                inside = slice(minute.start * rate // SAMPLE_RATE, minute.stop * rate // SAMPLE_RATE)
                results[name]["noise_alone_rms_db"] = {  # RMS: too quiet for a gated loudness
                    "whole": _rms_db(whole_out[inside]),
                    "streamed": _rms_db(streamed_out[inside]),
                }
            print(name, results[name], flush=True)
    write_results("enhance_streamed", results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    main(parser.parse_args().minutes)
