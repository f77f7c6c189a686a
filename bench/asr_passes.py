"""What each choice of the ASR engine costs and buys, with the engine in this process (base weights,
no diarization): the sequential decoder against the batched pipeline, whole files against 120 s
windows, and the second pass over speech the decoder skipped.

1. Speed on the 73.7 s file and word error rate on the 12 LibriSpeech utterances: sequential against
   batched (batch 8), runs alternating, medians compared.
2. Eleven minutes of the same speech joined with short pauses: word error rate and how many words come
   back, for the whole file at once, in windows, in windows with the second pass (the default), and
   batched.
3. The second pass on real speech that needs it (the LibriSpeech utterances followed by pyannote's
   real phone call, where Whisper ends a window's text early): time, segments and seconds of the call's
   speech covered, with and without it.

Usage: python bench/asr_passes.py [--repeats 3]   (writes bench/results/asr_passes.json)
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, Utterance, librispeech, long_speech, write_results
from bench.retrieval_hit_rate import recording
from services.asr.engine import AsrEngine
from services.asr.results import TranscribeOptions, TranscriptResult
from services.asr.settings import AsrSettings
from services.common.media import decode
from testbed.wer import corpus_word_error_rate, normalize, word_error_rate

WHOLE_FILE = {"window_s": 0.0, "missed_speech_gap_s": 0.0}
WINDOWS = {"missed_speech_gap_s": 0.0}
DEFAULTS: dict[str, float] = {}
BATCHED = {"batch_size": 8, **WHOLE_FILE}


def engine(**settings: float) -> AsrEngine:
    loaded = AsrEngine(
        AsrSettings(data_dir=REPO / "data", preload=["base"], diarization=False, **settings)  # type: ignore[arg-type]
    )
    loaded.load()
    return loaded


def transcribe(asr: AsrEngine, path: Path) -> TranscriptResult:
    return asr.transcribe(decode(path), TranscribeOptions(model="base"))


def hypotheses(asr: AsrEngine, utterances: list[Utterance]) -> list[str]:
    return [transcribe(asr, u.path).text for u in utterances]


def call_reference(call_start: float) -> list[tuple[float, float]]:
    """The phone call's speech as its own reference says (`sample.rttm`), in the joined file's time."""
    spec = importlib.util.find_spec("pyannote.audio")
    assert spec is not None and spec.submodule_search_locations
    rttm = Path(next(iter(spec.submodule_search_locations))) / "sample" / "sample.rttm"
    turns = []
    for line in rttm.read_text().splitlines():
        fields = line.split()
        start, length = float(fields[3]), float(fields[4])
        turns.append((call_start + start, call_start + start + length))
    return turns


def merged(turns: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The turns as stretches of speech, overlapping turns counted once."""
    stretches: list[tuple[float, float]] = []
    for start, end in sorted(turns):
        if stretches and start <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], end))
        else:
            stretches.append((start, end))
    return stretches


def covered_seconds(speech: list[tuple[float, float]], result: TranscriptResult) -> float:
    """Seconds of the reference's speech that some segment spans."""
    return sum(
        max(0.0, min(end, s.end) - max(start, s.start)) for start, end in speech for s in result.segments
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    utterances = librispeech()
    assert utterances, "the LibriSpeech fixtures (../shared/fixtures/librispeech) are needed"
    engines = {
        "whole_file": engine(**WHOLE_FILE),
        "windows": engine(**WINDOWS),
        "windows_and_second_pass": engine(**DEFAULTS),
        "batched_8_whole_file": engine(**BATCHED),
    }
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # 1. Sequential against batched on 73.7 s, and on the separate utterances.
        short = long_speech(Path(tmp))
        pair = {"sequential": engines["whole_file"], "batched_8": engines["batched_8_whole_file"]}
        times: dict[str, list[float]] = {name: [] for name in pair}
        for asr in pair.values():
            transcribe(asr, short.path)  # warm-up
        for _ in range(args.repeats):
            for name, asr in pair.items():
                started = time.perf_counter()
                transcribe(asr, short.path)
                times[name].append(time.perf_counter() - started)
        seconds = {name: round(statistics.median(t), 3) for name, t in times.items()}
        results["file_seconds"] = round(short.duration, 1)
        results["seconds"] = seconds
        results["speedup_of_batched"] = round(seconds["sequential"] / seconds["batched_8"], 3)
        references = [u.text for u in utterances]
        results["librispeech_wer"] = {
            name: round(corpus_word_error_rate(references, hypotheses(asr, utterances)), 4)
            for name, asr in pair.items()
        }

        # 2. Eleven minutes: every way, with the words that come back.
        folder = Path(tmp) / "eleven"
        folder.mkdir()
        eleven = long_speech(folder, min_seconds=600)
        reference_words = len(normalize(eleven.text))
        long_file: dict[str, object] = {
            "minutes": round(eleven.duration / 60, 1),
            "reference_words": reference_words,
        }
        for name, asr in engines.items():
            started = time.perf_counter()
            result = transcribe(asr, eleven.path)
            long_file[name] = {
                "wer": round(word_error_rate(eleven.text, result.text), 4),
                "words": len(normalize(result.text)),
                "seconds": round(time.perf_counter() - started, 1),
            }
        results["eleven_minutes"] = long_file

        # 3. The second pass where it matters: real speech then a real call.
        path, _, call_start = recording(Path(tmp))
        speech = merged(call_reference(call_start))
        second_pass: dict[str, object] = {"call_speech_seconds": round(sum(e - s for s, e in speech), 1)}
        for name in ("windows", "windows_and_second_pass"):
            transcribe(engines[name], path)  # warm-up
            runs = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                result = transcribe(engines[name], path)
                runs.append(time.perf_counter() - started)
            second_pass[name] = {
                "seconds": round(statistics.median(runs), 2),
                "segments_in_call": sum(1 for s in result.segments if s.start >= call_start),
                "call_speech_covered_seconds": round(covered_seconds(speech, result), 1),
            }
        results["second_pass_on_real_call"] = second_pass
    write_results("asr_passes", results)


if __name__ == "__main__":
    main()
