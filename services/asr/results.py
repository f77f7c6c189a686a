"""What the ASR engine answers: a transcript's segments, words, speakers and speaker turns, and the
options a transcription is asked with. Plain data: the servicer turns it into protos (`answers.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TranscribeOptions:
    model: str = ""
    language: str = ""
    diarize: bool = False
    speakers: int = 0
    min_speakers: int = 0
    max_speakers: int = 0
    task: str = "transcribe"
    """`transcribe`, or `translate` (Whisper's own: the speech as English text)."""
    prompt: str = ""
    temperature: float = 0.0
    """0: Whisper's fallback schedule."""


@dataclass
class WordResult:
    word: str
    start: float
    end: float
    probability: float
    speaker: str = ""


@dataclass
class SegmentResult:
    id: int
    start: float
    end: float
    text: str
    confidence: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: list[WordResult] = field(default_factory=list)
    speaker: str = ""


@dataclass(frozen=True)
class SpeakerTurnResult:
    start: float
    end: float
    speaker: str


@dataclass
class TranscriptResult:
    text: str
    language: str
    language_probability: float
    duration: float
    segments: list[SegmentResult]
    model: str
    requested_model: str
    processing_seconds: float = 0.0
    speakers: list[str] = field(default_factory=list)
    speaker_turns: list[SpeakerTurnResult] = field(default_factory=list)


ProgressReport = Callable[[list[SegmentResult], float, float, float], None]
"""Called from the worker thread as a transcription advances, once a window: the segments just decoded
(ids in order, no speakers yet), the fraction of the work done (0-1), the seconds of audio decoded and
the audio's duration."""
