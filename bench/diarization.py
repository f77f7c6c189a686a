"""Diarization error rate per set, the accuracy of the speaker count, and the time diarization adds.

Sets (DER with pyannote.metrics, 0.25 s collar, on speaker turns made from the answer's segments):
- `librispeech-2`: real read speech, the two LibriSpeech test-other speakers of the shared fixtures in
  alternating turns with 0.3-0.8 s pauses, no overlap; the reference is each utterance's speech as
  Silero VAD finds it (an utterance's file also holds silence that nobody speaks in).
- `synthetic-N`: N distinct voices made from the packaged Piper voice (see tests/support/voices.py),
  no overlap, exact timeline.
- `pyannote-sample`: real telephone conversation of two speakers with short turns and overlaps, with
  its reference timeline (the sample of the pyannote.audio wheel).

The count is scored over every conversation with `speakers=0`; the time as the ratio of the median
wall time of `diarize=true` to `diarize=false` on the same file, in the same process.

Usage: python bench/diarization.py
"""

from __future__ import annotations

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import LIBRISPEECH, write_results
from services.asr.engine import AsrEngine, TranscribeOptions
from services.asr.media import SAMPLE_RATE, decode
from services.asr.settings import AsrSettings
from tests.integration.test_diarization import THREE, TWO
from tests.support.voices import conversation, speaker_turns


def annotation(turns: list[tuple[float, float, str]]) -> Annotation:
    result = Annotation()
    for start, end, speaker in turns:
        result[Segment(start, end)] = speaker
    return result


def librispeech_conversation(seed: int) -> tuple[np.ndarray, Annotation]:
    rows = [json.loads(line) for line in (LIBRISPEECH / "manifest.jsonl").read_text().splitlines()]
    rng = np.random.default_rng(seed)
    by_speaker = {s: [r for r in rows if r["speaker"] == s] for s in ("2414", "3331")}
    order = [
        x for pair in zip(*(rng.permutation(v) for v in by_speaker.values()), strict=False) for x in pair
    ]
    pieces, turns, offset = [], [], 0
    for row in order:
        audio = decode(LIBRISPEECH / row["audio"])
        for region in get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300)):
            turns.append(
                (
                    (offset + region["start"]) / SAMPLE_RATE,
                    (offset + region["end"]) / SAMPLE_RATE,
                    row["speaker"],
                )
            )
        gap = int(rng.uniform(0.3, 0.8) * SAMPLE_RATE)
        pieces += [audio, np.zeros(gap, dtype=np.float32)]
        offset += len(audio) + gap
    return np.concatenate(pieces), annotation(turns)


def main() -> None:
    engine = AsrEngine(AsrSettings())
    engine.load()
    metric = DiarizationErrorRate(collar=0.25)
    cases: list[tuple[str, np.ndarray, Annotation, int]] = []
    if (LIBRISPEECH / "manifest.jsonl").is_file():
        for seed in range(3):
            audio, reference = librispeech_conversation(seed)
            cases.append(("librispeech-2", audio, reference, 2))
    with tempfile.TemporaryDirectory() as tmp:
        lines_by_count = {1: [("A", t) for _, t in TWO[:4]], 2: TWO, 3: THREE}
        for count, lines in lines_by_count.items():
            for variant, ordered in enumerate((lines, lines[::-1])):
                folder = Path(tmp) / f"s{count}{variant}"
                folder.mkdir()
                talk = conversation(ordered, folder)
                cases.append((f"synthetic-{count}", decode(talk.path), annotation(talk.turns), count))
    spec = importlib.util.find_spec("pyannote.audio")
    if spec and spec.submodule_search_locations:
        sample = Path(next(iter(spec.submodule_search_locations))) / "sample"
        reference = annotation(
            [
                (float(p[3]), float(p[3]) + float(p[4]), p[7])
                for p in (line.split() for line in (sample / "sample.rttm").read_text().splitlines())
            ]
        )
        cases.append(("pyannote-sample", decode(sample / "sample.wav"), reference, 2))

    per_set: dict[str, dict[str, list[float]]] = {}
    counts_right = 0
    counts: list[str] = []
    for name, audio, reference, true_count in cases:
        scores = per_set.setdefault(name, {"given": [], "found": []})
        for key, speakers in (("given", true_count), ("found", 0)):
            transcript = engine.transcribe(audio, TranscribeOptions(diarize=True, speakers=speakers))
            scores[key].append(metric(reference, annotation(speaker_turns(transcript))))
            if key == "found":
                counts_right += len(transcript.speakers) == true_count
                counts.append(f"{name}: {true_count} -> {len(transcript.speakers)}")
    results: dict[str, object] = {
        "der": {
            name: {k: round(float(np.mean(v)), 4) for k, v in scores.items()}
            | {"conversations": len(scores["given"])}
            for name, scores in per_set.items()
        },
        "count_right": f"{counts_right}/{len(cases)}",
        "counts": counts,
    }

    audio = cases[0][1]
    timings: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(3):
        for diarize in (False, True):
            started = time.perf_counter()
            engine.transcribe(audio, TranscribeOptions(diarize=diarize))
            timings[diarize].append(time.perf_counter() - started)
    results["time_ratio_diarize_on_off"] = round(
        statistics.median(timings[True]) / statistics.median(timings[False]), 3
    )
    results["timed_file_seconds"] = round(len(audio) / SAMPLE_RATE, 1)
    write_results("diarization", results)


if __name__ == "__main__":
    main()
