"""The ASR engine: faster-whisper with Silero VAD, word timestamps from the model's alignment, and the
guards that keep Whisper from inventing words on silence, noise or music and from looping on long files."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from faster_whisper import BatchedInferencePipeline
from faster_whisper.transcribe import Segment as WhisperSegment
from faster_whisper.vad import VadOptions

from services.asr.device import Device, choose_device
from services.asr.languages import LANGUAGE_NAMES
from services.asr.media import SAMPLE_RATE
from services.asr.registry import ModelRegistry
from services.asr.settings import AsrSettings

log = logging.getLogger(__name__)


class InvalidRequestError(ValueError):
    """A parameter the caller can fix (unknown language, language the model cannot do, ...)."""


class TranscriptionCancelledError(RuntimeError):
    """The caller went away; decoding stopped at the next segment."""


@dataclass(frozen=True)
class TranscribeOptions:
    model: str = ""
    language: str = ""
    diarize: bool = False
    speakers: int = 0


@dataclass
class WordResult:
    word: str
    start: float
    end: float
    probability: float


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


def normalize_language(language: str) -> str | None:
    code = language.strip().lower()
    if code in ("", "auto"):
        return None
    if code not in LANGUAGE_NAMES:
        raise InvalidRequestError(f"unknown language '{language}'; use an ISO 639-1 code or 'auto'")
    return code


class AsrEngine:
    """Loads the registry's models (the service's Runtime) and transcribes decoded audio."""

    def __init__(self, settings: AsrSettings) -> None:
        self.settings = settings
        self.device: Device = choose_device(settings)
        self.registry = ModelRegistry(settings, self.device)
        self._ready = False

    @property
    def ready(self) -> bool:
        return self._ready

    def load(self) -> None:
        self.registry.preload()
        self._ready = True

    def close(self) -> None:
        self.registry.unload()

    def transcribe(
        self, audio: np.ndarray, options: TranscribeOptions, cancelled: threading.Event | None = None
    ) -> TranscriptResult:
        started = time.perf_counter()
        resolution = self.registry.resolve(options.model)
        language = normalize_language(options.language)
        if language not in (None, "en") and not self.registry.is_multilingual(resolution.weights_id):
            raise InvalidRequestError(
                f"model '{resolution.requested}' ({resolution.weights_id}) is English-only; "
                f"it cannot transcribe '{language}'"
            )
        model = self.registry.get(resolution.weights_id)
        duration = len(audio) / SAMPLE_RATE
        kwargs = dict(
            language=language,
            beam_size=self.settings.beam_size,
            word_timestamps=True,
            vad_filter=True,
            vad_parameters=VadOptions(min_silence_duration_ms=self.settings.vad_min_silence_ms),
            # Conditioning on the previous window is what lets Whisper fall into repetition loops on
            # long files; each window stands on its own audio instead.
            condition_on_previous_text=False,
            no_speech_threshold=self.settings.no_speech_threshold,
            log_prob_threshold=self.settings.log_prob_threshold,
            compression_ratio_threshold=self.settings.compression_ratio_threshold,
        )
        if self.device.batch_size > 0:
            pipeline = BatchedInferencePipeline(model)
            raw_segments, info = pipeline.transcribe(audio, batch_size=self.device.batch_size, **kwargs)
        else:
            raw_segments, info = model.transcribe(audio, **kwargs)
        segments = self._collect(raw_segments, duration, cancelled or threading.Event())
        detected = info.language if segments else (language or "")
        return TranscriptResult(
            text=" ".join(s.text for s in segments),
            language=language or detected,
            language_probability=float(info.language_probability) if segments and not language else 1.0,
            duration=duration,
            segments=segments,
            model=resolution.weights_id,
            requested_model=resolution.requested,
            processing_seconds=time.perf_counter() - started,
        )

    def _is_hallucination(self, segment: WhisperSegment) -> bool:
        """Whisper's own no-speech rule, applied after decoding: the model thinks there is no speech
        here and what it wrote is unlikely or repetitive."""
        if segment.no_speech_prob <= self.settings.no_speech_threshold:
            return False
        return (
            segment.avg_logprob < self.settings.log_prob_threshold
            or segment.compression_ratio > self.settings.compression_ratio_threshold
        )

    def _collect(
        self, raw_segments: Iterable[WhisperSegment], duration: float, cancelled: threading.Event
    ) -> list[SegmentResult]:
        segments: list[SegmentResult] = []
        cursor = 0.0  # end of the last word kept: times never go backwards and stay inside the audio
        for raw in raw_segments:  # a generator: each step decodes one more window
            if cancelled.is_set():
                raise TranscriptionCancelledError("the caller cancelled the transcription")
            text = raw.text.strip()
            if not text or self._is_hallucination(raw):
                continue
            seg_start = min(max(float(raw.start), cursor), duration)
            words: list[WordResult] = []
            for w in raw.words or ():
                token = w.word.strip()
                if not token:
                    continue
                start = min(max(float(w.start), cursor), duration)
                end = min(max(float(w.end), start), duration)
                words.append(
                    WordResult(token, round(start, 3), round(end, 3), round(float(w.probability), 4))
                )
                cursor = end
            if words:
                seg_start, seg_end = words[0].start, words[-1].end
                confidence = sum(w.probability for w in words) / len(words)
            else:
                seg_end = min(max(float(raw.end), seg_start), duration)
                confidence = math.exp(min(float(raw.avg_logprob), 0.0))
                cursor = seg_end
            segments.append(
                SegmentResult(
                    id=len(segments),
                    start=round(seg_start, 3),
                    end=round(seg_end, 3),
                    text=text,
                    confidence=round(confidence, 4),
                    avg_logprob=round(float(raw.avg_logprob), 4),
                    no_speech_prob=round(float(raw.no_speech_prob), 4),
                    compression_ratio=round(float(raw.compression_ratio), 4),
                    words=words,
                )
            )
        return segments
