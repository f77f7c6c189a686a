"""Speech the decoder skipped is found and decoded: gaps after decoded text are checked with the VAD,
and those that hold speech are decoded on their own (real Silero VAD, real Whisper base)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from services.asr.decoding import DecodeJob
from services.asr.engine import AsrEngine
from services.asr.missed_speech import missed_speech
from services.asr.results import SegmentResult, TranscribeOptions
from services.asr.settings import AsrSettings
from services.common.media import SAMPLE_RATE, decode
from tests.conftest import Speech


def _spoken(first: Speech, second: Speech, pause_s: float) -> tuple[np.ndarray, float, float]:
    """`first`, a pause, `second`: the audio, where the first ends and where the second starts."""
    a, b = decode(first.path), decode(second.path)
    audio = np.concatenate([a, np.zeros(int(pause_s * SAMPLE_RATE), dtype=np.float32), b])
    return audio, len(a) / SAMPLE_RATE, (len(a) + pause_s * SAMPLE_RATE) / SAMPLE_RATE


@pytest.fixture(scope="module")
def engine(data_dir: Path) -> AsrEngine:
    engine = AsrEngine(AsrSettings(data_dir=data_dir, preload=["base"], diarization=False))
    engine.load()
    return engine


def test_a_gap_with_speech_after_decoded_text_is_found(speech: dict[str, Speech]) -> None:
    audio, first_end, second_start = _spoken(speech["weather"], speech["garden"], 4.0)
    found = missed_speech(audio, [(0.0, first_end)], 3.0, 1.0, 500)
    assert len(found) == 1
    start, end = (t / SAMPLE_RATE for t in found[0])
    assert second_start - 0.6 < start < second_start + 0.3 and end > len(audio) / SAMPLE_RATE - 0.5


def test_covered_speech_silence_and_undecoded_audio_are_left_alone(speech: dict[str, Speech]) -> None:
    audio, first_end, second_start = _spoken(speech["weather"], speech["garden"], 4.0)
    duration = len(audio) / SAMPLE_RATE
    assert missed_speech(audio, [(0.0, first_end), (second_start, duration)], 3.0, 1.0, 500) == []
    silence_after = np.concatenate([audio, np.zeros(10 * SAMPLE_RATE, dtype=np.float32)])
    assert missed_speech(silence_after, [(0.0, first_end), (second_start, duration)], 3.0, 1.0, 500) == []
    assert missed_speech(audio, [], 3.0, 1.0, 500) == []  # nothing decoded: not decoded twice


def test_skipped_speech_is_decoded_and_placed_in_time(engine: AsrEngine, speech: dict[str, Speech]) -> None:
    audio, first_end, second_start = _spoken(speech["weather"], speech["garden"], 4.0)
    duration = len(audio) / SAMPLE_RATE
    job = DecodeJob(engine.registry.get("base"), "en", duration, threading.Event())
    # As the decoder leaves it when it skips the rest of a window: only the first sentence.
    decoded = engine.decoder.decode(job, audio[: int(first_end * SAMPLE_RATE)], 0.0, 0.0)
    assert "garden" not in " ".join(s.text for s in decoded.segments)
    recovered = engine.decoder.recover_missed(job, audio, 0, len(audio), decoded.segments)
    text = " ".join(s.text for s in recovered).lower()
    assert "grandmother" in text and "garden" in text
    assert all(second_start - 0.6 < s.start and s.end <= duration for s in recovered)
    assert all(isinstance(s, SegmentResult) for s in recovered)


def test_a_whole_file_keeps_every_sentence_once(engine: AsrEngine, speech: dict[str, Speech]) -> None:
    audio, _, _ = _spoken(speech["weather"], speech["garden"], 4.0)
    result = engine.transcribe(audio, TranscribeOptions(model="base", language="en"))
    text = result.text.lower()
    assert text.count("grandmother") == 1 and text.count("weather") == 1
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
