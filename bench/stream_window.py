"""Decodes with Whisper's full 30 s encoder window against the window fitted to the audio
(`services/asr/fitted_window.py`, `STT_ASR_FITTED_WINDOW`): WER and decode time on the same stretches of
speech, in one process. Each stretch is decoded as a live stream's final or a short file is.

Sets: the LibriSpeech test-other utterances beside the project (real read speech, 2-22 s), the same
mixed with pink noise and mains hum at 10, 5 and 0 dB SNR, ten sentences spoken by three Piper voices in
white noise at 5 dB, and five 4 s stretches of noise alone (what is written there is invented).
The decoder is the service's (`StretchDecoder`: beam 5, Silero VAD, word timestamps, the hallucination
guard).

Usage: python bench/stream_window.py   (writes bench/results/stream_window.json)
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import librispeech, write_results
from services.asr.decoding import DecodeJob, StretchDecoder
from services.asr.engine import AsrEngine
from services.asr.settings import AsrSettings
from services.common.media import SAMPLE_RATE, decode
from testbed.noise import mixed, pink_with_hum, white
from testbed.voices import speak
from testbed.wer import word_error_rate

SENTENCES = [
    "The committee will meet again on Thursday to review the budget for the next quarter.",
    "Please send the signed contract to our office in Denver before the end of the week.",
    "I think we should move the launch date, because the testing is not finished yet.",
    "Our revenue grew by twelve percent, mostly from the new customers in Europe.",
    "Can you hear me now? The connection keeps dropping every few minutes.",
    "Let's take a short break and come back at half past two.",
    "The patient reported mild pain in the left shoulder after the second dose.",
    "She said the train from Boston was delayed by almost forty minutes this morning.",
    "We need three more engineers on the mobile team, and one designer.",
    "Thank you all for joining, and see you next week.",
]

Stretches = list[tuple[np.ndarray, str]]


def stretch_sets(folder: Path) -> dict[str, Stretches]:
    clean = [(decode(u.path), u.text) for u in librispeech()]
    sets = {"librispeech": clean}
    for snr in (10, 5, 0):
        sets[f"librispeech, pink noise {snr} dB"] = [
            (mixed(audio, pink_with_hum(len(audio), SAMPLE_RATE, seed), snr), text)
            for seed, (audio, text) in enumerate(clean)
        ]
    spoken = []
    for index, sentence in enumerate(SENTENCES):
        for voice in "ABC":
            audio = speak(sentence, voice, folder, f"s{index}{voice}")
            spoken.append((mixed(audio, white(len(audio), index), 5), sentence))
    sets["piper voices, white noise 5 dB"] = spoken
    return sets


def noise_alone() -> list[np.ndarray]:
    samples = 4 * SAMPLE_RATE
    quiet = np.full(samples, 1e-4, dtype=np.float32)
    return [mixed(quiet, pink_with_hum(samples, SAMPLE_RATE, seed), 0, peak=0.3) for seed in range(5)]


def main() -> None:
    engine = AsrEngine(AsrSettings())
    resolution, _ = engine.resolve("", "en")
    model = engine.registry.get(resolution.weights_id)

    decoders = {fitted: StretchDecoder(AsrSettings(fitted_window=fitted)) for fitted in (False, True)}

    def text_of(audio: np.ndarray, fitted: bool) -> str:
        job = DecodeJob(model, "en", len(audio) / SAMPLE_RATE, threading.Event())
        return " ".join(s.text for s in decoders[fitted].decode(job, audio, 0.0, 0.0).segments)

    text_of(np.zeros(SAMPLE_RATE, dtype=np.float32), fitted=False)  # first-call costs out of the timing
    results: dict[str, object] = {"model": resolution.weights_id}
    with tempfile.TemporaryDirectory() as folder:
        for name, stretches in stretch_sets(Path(folder)).items():
            reference = " ".join(text for _, text in stretches)
            figures: dict[str, float] = {"stretches": len(stretches)}
            for label, fitted in (("full", False), ("fitted", True)):
                started = time.perf_counter()
                hypothesis = " ".join(text_of(audio, fitted) for audio, _ in stretches)
                figures[f"decode_s_{label}"] = round(time.perf_counter() - started, 2)
                figures[f"wer_{label}"] = round(word_error_rate(reference, hypothesis), 4)
            ratio = figures["decode_s_fitted"] / figures["decode_s_full"]
            figures["time_ratio_fitted_over_full"] = round(ratio, 3)
            results[name] = figures
            print(name, figures, flush=True)
    results["noise_alone_words"] = {
        label: sum(len(text_of(audio, fitted).split()) for audio in noise_alone())
        for label, fitted in (("full", False), ("fitted", True))
    }
    write_results("stream_window", results)


if __name__ == "__main__":
    main()
