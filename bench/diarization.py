"""Diarization error rate per set, the accuracy of the speaker count, and the time diarization adds.

DER with pyannote.metrics, with a 0.25 s collar and without one, on the answer's own speaker timeline
(`speaker_turns`, overlapping turns included), through the ASR engine in this process; with the count
given and no collar, also what it is made of (missed speech, false alarm, speaker confusion).

Sets:
- `real-call`: pyannote's sample, a real telephone conversation of two women with short turns and
  overlaps, with its own reference timeline (the wheel of pyannote.audio ships it).
- `librispeech-N`: real read speech of the shared fixtures' two LibriSpeech test-other speakers (one
  or two of them) in alternating turns; the reference is each utterance's speech as Silero VAD finds
  it without padding.
- `piper-N`: N distinct voices made from the packaged Piper voice (testbed/voices.py).
- `mixed-N`: LibriSpeech speakers and Piper voices together.
`+overlap` sets start each turn 0.3-0.8 s before the previous one ends (the voices are mixed).

The count is scored over every conversation with `speakers=0`; the time as the ratio of the median
wall time of `diarize=true` to `diarize=false` on the same file, in the same process (and, for what
running the diarization alongside the decoding gains, the ratio with it run after the decoding). Live streams:
each conversation is also streamed through the service's LiveStream (in this process, as fast as it
steps) with speakers on, and each word's live label (as its segment was finalized) and final label are
compared with the label of the nearest word of the file transcript, under the best one-to-one
matching of names.

Usage: python bench/diarization.py [--only-time]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import LIBRISPEECH, write_results
from services.asr.engine import AsrEngine
from services.asr.live_stream import LiveStream
from services.asr.results import TranscribeOptions, TranscriptResult
from services.asr.settings import AsrSettings
from services.asr.speaker_labels import speaker_bounds
from services.common.media import SAMPLE_RATE, decode
from testbed.live_feed import ended, fed
from testbed.streaming import pcm16
from testbed.texts import STORY
from testbed.voices import speak

Line = tuple[str, np.ndarray]
"""Who speaks, and the audio of one turn."""


def annotation(turns: list[tuple[float, float, str]]) -> Annotation:
    result = Annotation()
    for start, end, speaker in turns:
        result[Segment(start, end)] = speaker
    return result


def converse(lines: list[Line], rng: np.random.Generator, overlap: bool) -> tuple[np.ndarray, Annotation]:
    """The lines one after another, 0.3-0.8 s apart or, with `overlap`, 0.3-0.8 s over each other."""
    placed: list[tuple[int, np.ndarray]] = []
    turns: list[tuple[float, float, str]] = []
    offset = 0
    for speaker, audio in lines:
        start = max(0, offset)
        vad = VadOptions(min_silence_duration_ms=300, speech_pad_ms=30)
        for region in get_speech_timestamps(audio, vad):
            turns.append(
                ((start + region["start"]) / SAMPLE_RATE, (start + region["end"]) / SAMPLE_RATE, speaker)
            )
        placed.append((start, audio))
        gap = int(rng.uniform(0.3, 0.8) * SAMPLE_RATE)
        offset = start + len(audio) + (-gap if overlap else gap)
    mixed = np.zeros(max(s + len(a) for s, a in placed) + SAMPLE_RATE // 2, dtype=np.float32)
    for start, audio in placed:
        mixed[start : start + len(audio)] += audio
    return mixed, annotation(turns)


def alternate(voices: dict[str, list[np.ndarray]], rng: np.random.Generator, turns: int) -> list[Line]:
    """`turns` lines taking the voices in turn, each voice's lines in a random order."""
    pools = {name: list(rng.permutation(len(lines))) for name, lines in voices.items()}
    names = list(voices)
    return [(names[i % len(names)], voices[names[i % len(names)]][pools[names[i % len(names)]].pop()])
            for i in range(turns)]  # fmt: skip


def librispeech_voices() -> dict[str, list[np.ndarray]]:
    rows = [json.loads(line) for line in (LIBRISPEECH / "manifest.jsonl").read_text().splitlines()]
    return {
        s: [decode(LIBRISPEECH / r["audio"]) for r in rows if r["speaker"] == s] for s in ("2414", "3331")
    }


def piper_voices(folder: Path) -> dict[str, list[np.ndarray]]:
    return {
        f"piper-{voice}": [speak(text, voice, folder, f"{voice}{i}") for i, text in enumerate(STORY[:8])]
        for voice in ("A", "B", "C", "D")
    }


def conversations(folder: Path) -> list[tuple[str, np.ndarray, Annotation, int]]:
    rng = np.random.default_rng(2026)
    piper = piper_voices(folder)
    cases = []

    def add(name: str, voices: dict[str, list[np.ndarray]], turns: int, overlap: bool = False) -> None:
        audio, reference = converse(alternate(voices, rng, turns), rng, overlap)
        cases.append((name + ("+overlap" if overlap else ""), audio, reference, len(voices)))

    def pick(*names: str) -> dict[str, list[np.ndarray]]:
        return {n: piper[f"piper-{n}"] for n in names}

    for names in (("A",), ("B",)):
        add("piper-1", pick(*names), 6)
    for names, overlap in ((("A", "B"), False), (("A", "C"), True), (("B", "C"), True)):
        add("piper-2", pick(*names), 8, overlap)
    for overlap in (False, True):
        add("piper-3", pick("A", "B", "C"), 8, overlap)
        add("piper-4", pick("A", "B", "C", "D"), 8, overlap)
    if (LIBRISPEECH / "manifest.jsonl").is_file():
        real = librispeech_voices()
        for speaker in real:
            add("librispeech-1", {speaker: real[speaker]}, 6)
        for overlap in (False, False, False, True, True):
            add("librispeech-2", real, 12, overlap)
        add("mixed-3", {**real, "piper-A": piper["piper-A"]}, 12)
        for overlap in (False, True):
            add("mixed-4", {**real, "piper-A": piper["piper-A"], "piper-C": piper["piper-C"]}, 16, overlap)
    spec = importlib.util.find_spec("pyannote.audio")
    if spec and spec.submodule_search_locations:
        sample = Path(next(iter(spec.submodule_search_locations))) / "sample"
        rows = (line.split() for line in (sample / "sample.rttm").read_text().splitlines())
        reference = annotation([(float(p[3]), float(p[3]) + float(p[4]), p[7]) for p in rows])
        cases.append(("real-call", decode(sample / "sample.wav"), reference, 2))
    return cases


def hypothesis(transcript: TranscriptResult) -> Annotation:
    return annotation([(t.start, t.end, t.speaker) for t in transcript.speaker_turns])


def stream_words(engine: AsrEngine, audio: np.ndarray) -> dict[str, list[tuple[float, str]]]:
    """Each streamed word's start and speaker, when its segment was finalized ("live") and in the final
    message ("final", whose words are the second pass's where one ran)."""
    resolution, language = engine.resolve("", "en")
    live = LiveStream(engine, resolution, language, diarize=True)
    steps = fed(live, pcm16(audio))
    ending, transcript = ended(live)
    sent = [segment for step in steps + ending for segment in step.segments]
    return {
        "live": [(w.start, w.speaker) for s in sent for w in s.words],
        "final": [(w.start, w.speaker) for s in transcript.segments for w in s.words],
    }


def agreement(labels: list[str], reference: list[str]) -> float:
    """The share of words whose label is the reference's, under the best one-to-one renaming."""
    ours, theirs = sorted(set(labels)), sorted(set(reference))
    counts = np.zeros((len(ours), len(theirs)))
    for a, b in zip(labels, reference, strict=True):
        counts[ours.index(a), theirs.index(b)] += 1
    rows, columns = linear_sum_assignment(-counts)
    return float(counts[rows, columns].sum() / max(len(labels), 1))


def time_ratio(engine: AsrEngine, audio: np.ndarray) -> dict[str, float]:
    """The median wall time of `diarize=true` over `diarize=false` on `audio`, runs alternating; and, as
    the baseline the engine's concurrency is measured against, the same with the diarization run after
    the decoding instead of alongside it (`diarize=false`, then the diarizer alone)."""
    timings: dict[str, list[float]] = {"off": [], "on": [], "one after the other": []}
    bounds = speaker_bounds(TranscribeOptions(), engine.settings.diarization_max_speakers)
    for _ in range(3):
        for diarize in (False, True):
            started = time.perf_counter()
            engine.transcribe(audio, TranscribeOptions(diarize=diarize))
            timings["on" if diarize else "off"].append(time.perf_counter() - started)
        started = time.perf_counter()
        engine.transcribe(audio, TranscribeOptions(diarize=False))
        engine.diarizer.diarize(audio, bounds)
        timings["one after the other"].append(time.perf_counter() - started)
    off = statistics.median(timings["off"])
    return {
        "time_ratio_diarize_on_off": round(statistics.median(timings["on"]) / off, 3),
        "time_ratio_one_after_the_other": round(statistics.median(timings["one after the other"]) / off, 3),
        "timed_file_seconds": round(len(audio) / SAMPLE_RATE, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--only-time", action="store_true", help="only the time ratio (writes diarization_time.json)"
    )
    args = parser.parse_args()
    engine = AsrEngine(AsrSettings())
    engine.load()
    with tempfile.TemporaryDirectory() as tmp:
        cases = conversations(Path(tmp))
    longest = max((c[1] for c in cases), key=len)
    if args.only_time:
        write_results("diarization_time", time_ratio(engine, longest))
        return
    metrics = {"none": DiarizationErrorRate(), "0.25 s": DiarizationErrorRate(collar=0.25)}
    per_set: dict[str, dict[str, list[float]]] = {}
    counts: list[str] = []
    counts_right = 0
    agreed = {"live": 0.0, "final": 0.0, "live words": 0.0, "final words": 0.0}
    for name, audio, reference, true_count in cases:
        scores = per_set.setdefault(name, {})
        for key, speakers in (("given", true_count), ("found", 0)):
            transcript = engine.transcribe(
                audio, TranscribeOptions(language="en", diarize=True, speakers=speakers)
            )
            for collar, metric in metrics.items():
                scores.setdefault(f"{key}, collar {collar}", []).append(
                    metric(reference, hypothesis(transcript))
                )
            if key == "given":  # what the error is made of, as shares of the reference's speech
                parts = metrics["none"](reference, hypothesis(transcript), detailed=True)
                for part in ("missed detection", "false alarm", "confusion"):
                    scores.setdefault(f"given, collar none: {part}", []).append(parts[part] / parts["total"])
            if key == "found":
                counts_right += len(transcript.speakers) == true_count
                counts.append(f"{name}: {true_count} -> {len(transcript.speakers)}")
                filed = [(w.start, w.speaker) for s in transcript.segments for w in s.words]
                times = np.asarray([t for t, _ in filed])
                for kind, words in stream_words(engine, audio).items():
                    nearest = [filed[int(np.argmin(np.abs(times - t)))][1] for t, _ in words]
                    agreed[kind] += agreement([label for _, label in words], nearest) * len(words)
                    agreed[f"{kind} words"] += len(words)
    results: dict[str, object] = {
        "der": {
            name: {k: round(float(np.mean(v)), 4) for k, v in scores.items()}
            | {"conversations": len(next(iter(scores.values())))}
            for name, scores in per_set.items()
        },
        "count_right": f"{counts_right}/{len(cases)}",
        "counts": counts,
        "stream_words_agreeing_with_file": {
            "live": round(agreed["live"] / agreed["live words"], 4),
            "final": round(agreed["final"] / agreed["final words"], 4),
            "words": int(agreed["live words"]),
            "final words": int(agreed["final words"]),
        },
    }

    results.update(time_ratio(engine, longest))
    write_results("diarization", results)


if __name__ == "__main__":
    main()
