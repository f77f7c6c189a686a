"""Decoding one stretch of audio with faster-whisper (a file's window, a live stream's utterance): the
options, the guard that drops what Whisper invents on silence, noise or music, word times kept inside
the audio and never going backwards, sentence segments, and the second pass over speech the decoder
skipped."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.transcribe import Segment as WhisperSegment
from faster_whisper.transcribe import TranscriptionInfo

from services.asr.fitted_window import FittedWindowModel
from services.asr.hallucination import is_hallucination
from services.asr.missed_speech import missed_speech
from services.asr.results import SegmentResult, WordResult
from services.asr.sentences import TimedWord, split_into_sentences
from services.asr.settings import AsrSettings
from services.common.media import SAMPLE_RATE, Samples

log = logging.getLogger(__name__)


class TranscriptionCancelledError(RuntimeError):
    """The caller went away; decoding stopped at the next segment."""


@dataclass(frozen=True)
class Steering:
    """What a caller may ask of the decoder beyond the language."""

    task: str = "transcribe"
    prompt: str = ""
    temperature: float = 0.0
    """0: faster-whisper's fallback schedule (greedy first, hotter when a window fails its checks)."""


@dataclass(frozen=True)
class DecodeJob:
    """What every stretch of one recording (or stream) is decoded with."""

    model: WhisperModel
    language: str | None
    """None: detect it."""
    duration: float
    """The recording's length (a stream's so far): no time goes past it."""
    cancelled: threading.Event
    steering: Steering = field(default_factory=Steering)
    on_decoded: Callable[[list[SegmentResult], float], None] | None = None
    """Told after each of Whisper's segments: the segments it gave (none when it was dropped) and how
    far into the recording decoding has got."""


@dataclass
class DecodedStretch:
    segments: list[SegmentResult]
    cursor: float
    """The end of the last word kept: where the next stretch's times may start."""
    language: str
    language_probability: float


def decoding_options(
    settings: AsrSettings, language: str | None, steering: Steering | None = None
) -> dict[str, Any]:
    """faster-whisper's options as the service uses them (the benchmarks call it directly with these)."""
    steering = steering or Steering()
    asked: dict[str, Any] = {"task": steering.task, "initial_prompt": steering.prompt or None}
    if steering.temperature > 0:
        asked["temperature"] = steering.temperature
    return dict(
        **asked,
        language=language,
        beam_size=settings.beam_size,
        word_timestamps=True,
        vad_filter=True,
        # A dict, not VadOptions: the batched pipeline then caps each speech chunk at 30 s instead of
        # silently cutting a longer one.
        vad_parameters={"min_silence_duration_ms": settings.vad_min_silence_ms},
        # Conditioning on the previous window is what lets Whisper fall into repetition loops on
        # long files; each window stands on its own audio instead.
        condition_on_previous_text=False,
        no_speech_threshold=settings.no_speech_threshold,
        log_prob_threshold=settings.log_prob_threshold,
        compression_ratio_threshold=settings.compression_ratio_threshold,
    )


_MOST_TOKENS_A_SECOND = 20
"""More of Whisper's tokens (timestamps included) than any language is spoken at: a decode that runs
past it is looping. Unbounded, each hotter retry of a looping window runs to the model's 448 tokens (a
1 s stretch of a live stream once took 16 s on 2 cores)."""
_WHISPER_MAX_TOKENS = 448
_START_TOKENS = 3  # start of transcript, language, task
_PROMPT_TOKENS = 224  # start of the previous text, and the most of it faster-whisper keeps


def token_budget(seconds: float, prompted: bool) -> int | None:
    """The most tokens each window of `seconds` of audio may decode to, where that is under the room
    the model leaves after its prompt (None: that room)."""
    room = _WHISPER_MAX_TOKENS - _START_TOKENS - (_PROMPT_TOKENS if prompted else 0)
    budget = math.ceil(seconds * _MOST_TOKENS_A_SECOND) + 16
    return budget if budget < room else None


def run_whisper(
    model: WhisperModel,
    audio: np.ndarray,
    settings: AsrSettings,
    batch_size: int,
    language: str | None,
    steering: Steering | None = None,
) -> tuple[Iterable[WhisperSegment], TranscriptionInfo]:
    """Starts decoding: the batched pipeline when `batch_size` > 0, else the sequential decoder, its
    encoder on each window's own audio unless `fitted_window` is off; audio under about 20 s decodes to
    at most 20 tokens a second. Segments come from a generator, one decoded window at a time."""
    options = decoding_options(settings, language, steering)
    budget = token_budget(len(audio) / SAMPLE_RATE, bool(options["initial_prompt"]))
    if budget is not None:
        options["max_new_tokens"] = budget
    if batch_size > 0:
        return BatchedInferencePipeline(model).transcribe(audio, batch_size=batch_size, **options)
    if settings.fitted_window:
        model = FittedWindowModel(model)
    return model.transcribe(audio, **options)


class StretchDecoder:
    def __init__(self, settings: AsrSettings) -> None:
        self.settings = settings

    def decode(
        self, job: DecodeJob, audio: np.ndarray, offset_s: float, cursor: float, batch_size: int = 0
    ) -> DecodedStretch:
        """Checked segments of one stretch in recording time, `offset_s` being where it starts and
        `cursor` where the last word before it ended."""
        raw_segments, info = run_whisper(
            job.model, audio, self.settings, batch_size, job.language, job.steering
        )
        segments, cursor = self._collect(raw_segments, job, offset_s, cursor)
        return DecodedStretch(segments, cursor, info.language, float(info.language_probability))

    def recover_missed(
        self, job: DecodeJob, audio: Samples, start: int, end: int, decoded: list[SegmentResult]
    ) -> list[SegmentResult]:
        """Segments of the speech in `audio[start:end]` that decoding skipped (none, usually), each gap
        decoded on its own once."""
        if self.settings.missed_speech_gap_s <= 0:
            return []
        offset = start / SAMPLE_RATE
        gaps = missed_speech(
            audio[start:end],
            [(s.start - offset, s.end - offset) for s in decoded],
            self.settings.missed_speech_gap_s,
            self.settings.missed_speech_min_s,
            self.settings.vad_min_silence_ms,
        )
        recovered: list[SegmentResult] = []
        for first, last in gaps:
            at = (start + first) / SAMPLE_RATE
            recovered += self.decode(job, audio[start + first : start + last], at, at).segments
        if recovered:
            log.info("decoded %d segments the decoder had skipped, in %d gaps", len(recovered), len(gaps))
        return recovered

    def _collect(
        self, raw_segments: Iterable[WhisperSegment], job: DecodeJob, offset: float, cursor: float
    ) -> tuple[list[SegmentResult], float]:
        """Checked segments of one window, in file time (`offset` added). `cursor` is the end of the
        last word kept so far: times never go backwards and stay inside the audio."""
        duration = job.duration
        segments: list[SegmentResult] = []
        for raw in raw_segments:  # a generator: each step decodes one more window
            if job.cancelled.is_set():
                raise TranscriptionCancelledError("the caller cancelled the transcription")
            before = len(segments)
            cursor = self._collect_one(raw, job, offset, cursor, segments)
            if job.on_decoded is not None:
                job.on_decoded(segments[before:], min(float(raw.end) + offset, duration))
        return segments, cursor

    def _collect_one(
        self, raw: WhisperSegment, job: DecodeJob, offset: float, cursor: float, segments: list[SegmentResult]
    ) -> float:
        """Appends the checked sentence segments of one of Whisper's segments; the new cursor."""
        duration = job.duration
        if not raw.text.strip() or is_hallucination(raw, self.settings):
            return cursor
        timed: list[TimedWord] = []
        for w in raw.words or ():
            if not w.word.strip():
                continue
            start = min(max(float(w.start) + offset, cursor), duration)
            end = min(max(float(w.end) + offset, start), duration)
            timed.append(TimedWord(w.word, round(start, 3), round(end, 3), round(float(w.probability), 4)))
            cursor = end
        if not timed:
            start = min(max(float(raw.start) + offset, cursor), duration)
            cursor = min(max(float(raw.end) + offset, start), duration)
            confidence = math.exp(min(float(raw.avg_logprob), 0.0))
            segments.append(_segment(len(segments), raw, raw.text.strip(), start, cursor, confidence, []))
            return cursor
        for piece in split_into_sentences(timed):
            words = [WordResult(w.text.strip(), w.start, w.end, w.probability) for w in piece]
            text = "".join(w.text for w in piece).strip()
            confidence = sum(w.probability for w in words) / len(words)
            segments.append(
                _segment(len(segments), raw, text, words[0].start, words[-1].end, confidence, words)
            )
        return cursor


def _segment(
    index: int,
    raw: WhisperSegment,
    text: str,
    start: float,
    end: float,
    confidence: float,
    words: list[WordResult],
) -> SegmentResult:
    return SegmentResult(
        id=index,
        start=round(start, 3),
        end=round(end, 3),
        text=text,
        confidence=round(confidence, 4),
        avg_logprob=round(float(raw.avg_logprob), 4),
        no_speech_prob=round(float(raw.no_speech_prob), 4),
        compression_ratio=round(float(raw.compression_ratio), 4),
        words=words,
    )
