"""Live streams against files on the same audio, in one process, without the gateway or real-time
pacing: what the stream's way of cutting and decoding speech costs in WER, free of timing.

Each clip, led by 1 s of silence, is fed to a `LiveStream` a quarter second at a time with a step after
each (as the servicer steps a real-time stream), and transcribed as a file by the same engine. Sets: the
LibriSpeech test-other utterances beside the project, the same mixed with pink noise and mains hum at
10 dB SNR, and the same slowed to 0.9 times their speed (resampled: lower and slower). CTranslate2's
random seed is fixed, so the hotter retries Whisper falls back to sample the same way in every run.

Each clip is streamed twice: with the settings' second pass (the group open at a stream's end is
decoded again only where that is expected to end within 1 s of the end, at the speed the stream's own
decodes ran: on this CPU a short group) and with every group decoded again, as on CUDA; for each, the
final message's delay after the stream's end (no pacing: nothing else is waiting then). Then each set's
12 clips are streamed as one stream, 2 s apart, as a dictation or a meeting goes on, where groups close
in the pauses: the final message (the second pass) against the segments sent as they were final (the
first) and the file.

Usage: python bench/stream_vs_file.py   (writes bench/results/stream_vs_file.json)
"""

from __future__ import annotations

import math
import statistics
import sys
import time
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


def streamed(
    engine: AsrEngine, resolution: Resolution, audio: np.ndarray, within_s: float
) -> tuple[str, str, float]:
    """The final message's text, the text of the segments sent before it, and the seconds from the
    stream's end to the final; `within_s`: the settings' `stream_end_revision_within_s`."""
    engine.settings.stream_end_revision_within_s = within_s
    live = LiveStream(engine, resolution, "en")
    steps = fed(live, pcm16(audio))
    started = time.perf_counter()
    tail, final = ended(live)
    delay = time.perf_counter() - started
    return final.text, " ".join(s.text for step in steps + tail for s in step.segments), delay


def _wer(references: list[str], texts: list[str]) -> float:
    return round(word_error_rate(" ".join(references), " ".join(texts)), 4)


def main() -> None:
    ctranslate2.set_random_seed(7)
    engine = AsrEngine(AsrSettings())
    engine.load()
    within_s = engine.settings.stream_end_revision_within_s
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
    ways = {"streamed": within_s, "streamed, every group decoded again": math.inf}
    columns = ("references", *ways, "files")
    results: dict[str, object] = {}
    every: dict[str, list[str]] = {key: [] for key in columns}
    for name, clips in sets.items():
        texts: dict[str, list[str]] = {key: [] for key in columns}
        delays: dict[str, list[float]] = {way: [] for way in ways}
        for audio, text in clips:
            audio = np.concatenate([lead, audio])
            texts["references"].append(text)
            for way, within in ways.items():
                final, _, delay = streamed(engine, resolution, audio, within)
                texts[way].append(final)
                delays[way].append(delay)
            texts["files"].append(_file_text(engine, audio))
        scored = {key: _wer(texts["references"], texts[key]) for key in columns[1:]}
        finals = {
            f"{way}: final after the end, median / worst s": [
                round(statistics.median(d), 2),
                round(max(d), 2),
            ]
            for way, d in delays.items()
        }
        results[name] = {"clips": len(clips), **scored, **finals}
        print(name, results[name], flush=True)
        for key in columns:
            every[key] += texts[key]
    results["all"] = {key: _wer(every["references"], every[key]) for key in columns[1:]}
    pause = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    for name, clips in sets.items():
        audio = np.concatenate([x for clip, _ in clips for x in (pause, clip)] + [pause])
        references = [text for _, text in clips]
        final, sent, _ = streamed(engine, resolution, audio, within_s)
        results[f"{name}, one stream"] = {
            "final message": _wer(references, [final]),
            "segments sent": _wer(references, [sent]),
            "file": _wer(references, [_file_text(engine, audio)]),
        }
        print(name, "one stream", results[f"{name}, one stream"], flush=True)
    write_results("stream_vs_file", results)


def _file_text(engine: AsrEngine, audio: np.ndarray) -> str:
    return engine.transcribe(audio, TranscribeOptions(model="base", language="en")).text


if __name__ == "__main__":
    main()
