"""The ASR engine: faster-whisper with Silero VAD, word timestamps from the model's alignment, and the
guards that keep Whisper from inventing words on silence, noise or music and from looping on long files."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.transcribe import Segment as WhisperSegment
from faster_whisper.transcribe import TranscriptionInfo

from services.asr.device import Device, choose_device
from services.asr.diarization.clustering import SpeakerBounds
from services.asr.diarization.pipeline import DiarizationCancelledError, DiarizationOptions, Diarizer
from services.asr.diarization.timeline import speaker_name
from services.asr.languages import LANGUAGE_NAMES
from services.asr.media import SAMPLE_RATE, Samples
from services.asr.missed_speech import missed_speech
from services.asr.registry import ModelRegistry, Resolution
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
    min_speakers: int = 0
    max_speakers: int = 0


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


@dataclass
class DecodedStretch:
    segments: list[SegmentResult]
    cursor: float
    """The end of the last word kept: where the next stretch's times may start."""
    language: str
    language_probability: float


def decoding_options(settings: AsrSettings, language: str | None) -> dict[str, Any]:
    """faster-whisper's options as the service uses them (the benchmarks call it directly with these)."""
    return dict(
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


def run_whisper(
    model: WhisperModel, audio: np.ndarray, settings: AsrSettings, batch_size: int, language: str | None
) -> tuple[Iterable[WhisperSegment], TranscriptionInfo]:
    """Starts decoding: the batched pipeline when `batch_size` > 0, else the sequential decoder.
    Segments come from a generator, one decoded window at a time."""
    options = decoding_options(settings, language)
    if batch_size > 0:
        return BatchedInferencePipeline(model).transcribe(audio, batch_size=batch_size, **options)
    return model.transcribe(audio, **options)


_QUIET_FRAME = SAMPLE_RATE // 4  # 0.25 s


def quiet_windows(audio: Samples, window_s: float, search_s: float = 15.0) -> list[tuple[int, int]]:
    """Sample ranges of about `window_s` that cover the audio, each cut at the quietest quarter second
    of its last `search_s`: a cut in a pause splits no word."""
    size = int(window_s * SAMPLE_RATE)
    if window_s <= 0 or len(audio) <= size:
        return [(0, len(audio))]
    windows, start = [], 0
    while len(audio) - start > size:
        search_from = start + size - int(search_s * SAMPLE_RATE)
        frames = audio[search_from : start + size]
        usable = len(frames) // _QUIET_FRAME * _QUIET_FRAME
        energy = np.square(frames[:usable].reshape(-1, _QUIET_FRAME)).mean(axis=1)
        cut = search_from + int(np.argmin(energy)) * _QUIET_FRAME + _QUIET_FRAME // 2
        windows.append((start, cut))
        start = cut
    windows.append((start, len(audio)))
    return windows


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
        options = DiarizationOptions(
            step_s=settings.diarization_step_s,
            piece_s=settings.diarization_piece_s,
            min_separation=settings.diarization_min_separation,
            max_clustered=settings.diarization_max_clustered_units,
            bridge_s=settings.diarization_bridge_s,
        )
        self.diarizer = Diarizer(
            self.device.name, options, settings.speaker_embedding_model, settings.segmentation_model
        )
        self._ready = False

    @property
    def ready(self) -> bool:
        return self._ready

    def load(self) -> None:
        batch = self.device.batch_size
        log.info("decoder: %s", f"batched pipeline, batch size {batch}" if batch > 0 else "sequential")
        self.registry.preload()
        if self.settings.diarization:
            self.diarizer.load()
        self._ready = True

    def close(self) -> None:
        self.registry.unload()

    def resolve(self, model: str, language: str) -> tuple[Resolution, str | None]:
        """The weights that serve `model` and the language code (None: detect), or InvalidRequestError /
        UnknownModelError with a message the caller can act on."""
        resolution = self.registry.resolve(model)
        code = normalize_language(language)
        if code not in (None, "en") and not self.registry.is_multilingual(resolution.weights_id):
            raise InvalidRequestError(
                f"model '{resolution.requested}' ({resolution.weights_id}) is English-only; "
                f"it cannot transcribe '{code}'"
            )
        return resolution, code

    def transcribe(
        self, audio: Samples, options: TranscribeOptions, cancelled: threading.Event | None = None
    ) -> TranscriptResult:
        started = time.perf_counter()
        resolution, language = self.resolve(options.model, options.language)
        bounds = self.speaker_bounds(options)  # a bad bound is refused before any work
        model = self.registry.get(resolution.weights_id)
        duration = len(audio) / SAMPLE_RATE
        cancelled = cancelled or threading.Event()
        segments: list[SegmentResult] = []
        cursor = 0.0
        detected, probability = language, 1.0
        # Window by window, so faster-whisper's per-file memory is bounded by the window, not the file.
        for start, end in quiet_windows(audio, self.settings.window_s):
            stretch = self.decode_stretch(
                model, audio[start:end], detected, start / SAMPLE_RATE, cursor, duration, cancelled,
                batch_size=self.device.batch_size,
            )  # fmt: skip
            if stretch.segments and detected is None:  # later windows keep the language of the first speech
                detected, probability = stretch.language, stretch.language_probability
            recovered = self.recover_missed(
                model, audio, start, end, stretch.segments, detected, duration, cancelled
            )
            segments += sorted(stretch.segments + recovered, key=lambda s: s.start)
            cursor = max([stretch.cursor, *(s.end for s in recovered)])
        for index, segment in enumerate(segments):
            segment.id = index
        speakers: list[str] = []
        turns: list[SpeakerTurnResult] = []
        if options.diarize:
            segments, speakers, turns = self._label_speakers(audio, segments, bounds, cancelled)
        return TranscriptResult(
            text=" ".join(s.text for s in segments),
            language=detected or "",
            language_probability=probability if segments else 1.0,
            duration=duration,
            segments=segments,
            model=resolution.weights_id,
            requested_model=resolution.requested,
            processing_seconds=time.perf_counter() - started,
            speakers=speakers,
            speaker_turns=turns,
        )

    def decode_stretch(
        self,
        model: WhisperModel,
        audio: np.ndarray,
        language: str | None,
        offset_s: float,
        cursor: float,
        duration: float,
        cancelled: threading.Event,
        batch_size: int = 0,
    ) -> DecodedStretch:
        """Transcribes one stretch of a longer recording (a file's window, a live stream's utterance):
        checked segments in recording time, `offset_s` being where the stretch starts."""
        raw_segments, info = run_whisper(model, audio, self.settings, batch_size, language)
        segments, cursor = self._collect(raw_segments, duration, cancelled, offset_s, cursor)
        return DecodedStretch(segments, cursor, info.language, float(info.language_probability))

    def recover_missed(
        self,
        model: WhisperModel,
        audio: Samples,
        start: int,
        end: int,
        decoded: list[SegmentResult],
        language: str | None,
        duration: float,
        cancelled: threading.Event,
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
            stretch = self.decode_stretch(
                model, audio[start + first : start + last], language, at, at, duration, cancelled
            )
            recovered += stretch.segments
        if recovered:
            log.info("decoded %d segments the decoder had skipped, in %d gaps", len(recovered), len(gaps))
        return recovered

    def speaker_bounds(self, options: TranscribeOptions) -> SpeakerBounds:
        """The speaker counts the request allows, or InvalidRequestError for bounds that allow none."""
        numbers = (options.speakers, options.min_speakers, options.max_speakers)
        if min(numbers) < 0:
            raise InvalidRequestError("speakers, min_speakers and max_speakers cannot be negative")
        if 0 < options.max_speakers < options.min_speakers:
            raise InvalidRequestError(
                f"min_speakers ({options.min_speakers}) is more than max_speakers ({options.max_speakers})"
            )
        return SpeakerBounds.of(
            options.speakers, options.min_speakers, options.max_speakers,
            self.settings.diarization_max_speakers,
        )  # fmt: skip

    def _label_speakers(
        self,
        audio: Samples,
        segments: list[SegmentResult],
        bounds: SpeakerBounds,
        cancelled: threading.Event,
    ) -> tuple[list[SegmentResult], list[str], list[SpeakerTurnResult]]:
        """Diarizes the recording, labels every word `Speaker N` (in order of first appearance) with the
        speaker who holds it, and splits a segment where its speaker changes."""
        try:
            timeline = self.diarizer.diarize(audio, bounds, cancelled)
        except DiarizationCancelledError as exc:
            raise TranscriptionCancelledError(str(exc)) from exc
        names = [speaker_name(n) for n in range(timeline.speakers)]
        turns = [SpeakerTurnResult(t.start, t.end, names[t.speaker]) for t in timeline.turns()]
        for word in (w for s in segments for w in s.words):
            word.speaker = names[timeline.speaker_of(word.start, word.end)] if names else speaker_name(0)
        speakers = names if names else [speaker_name(0)] if segments else []
        return split_at_speaker_changes(segments), speakers, turns

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
        self,
        raw_segments: Iterable[WhisperSegment],
        duration: float,
        cancelled: threading.Event,
        offset: float,
        cursor: float,
    ) -> tuple[list[SegmentResult], float]:
        """Checked segments of one window, in file time (`offset` added). `cursor` is the end of the
        last word kept so far: times never go backwards and stay inside the audio."""
        segments: list[SegmentResult] = []
        for raw in raw_segments:  # a generator: each step decodes one more window
            if cancelled.is_set():
                raise TranscriptionCancelledError("the caller cancelled the transcription")
            if not raw.text.strip() or self._is_hallucination(raw):
                continue
            timed: list[TimedWord] = []
            for w in raw.words or ():
                if not w.word.strip():
                    continue
                start = min(max(float(w.start) + offset, cursor), duration)
                end = min(max(float(w.end) + offset, start), duration)
                timed.append(
                    TimedWord(w.word, round(start, 3), round(end, 3), round(float(w.probability), 4))
                )
                cursor = end
            if not timed:
                start = min(max(float(raw.start) + offset, cursor), duration)
                cursor = min(max(float(raw.end) + offset, start), duration)
                confidence = math.exp(min(float(raw.avg_logprob), 0.0))
                segments.append(_segment(len(segments), raw, raw.text.strip(), start, cursor, confidence, []))
                continue
            for piece in split_into_sentences(timed):
                words = [WordResult(w.text.strip(), w.start, w.end, w.probability) for w in piece]
                text = "".join(w.text for w in piece).strip()
                confidence = sum(w.probability for w in words) / len(words)
                segments.append(
                    _segment(len(segments), raw, text, words[0].start, words[-1].end, confidence, words)
                )
        return segments, cursor


@dataclass(frozen=True)
class TimedWord:
    """A word as Whisper writes it (leading space and punctuation kept), with its checked times."""

    text: str
    start: float
    end: float
    probability: float


_SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")  # noqa: RUF001  (CJK full-width marks)
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "etc.", "e.g.", "i.e.", "no."})
PAUSE_SPLIT_S = 1.0


def split_into_sentences(words: list[TimedWord]) -> list[list[TimedWord]]:
    """Cuts a decoded window into segments at sentence ends and at pauses of a second or more: the
    batched pipeline decodes up to 30 s at once, too long for one subtitle cue or one speaker turn."""
    pieces: list[list[TimedWord]] = []
    current: list[TimedWord] = []
    for word in words:
        if current and word.start - current[-1].end >= PAUSE_SPLIT_S:
            pieces.append(current)
            current = []
        current.append(word)
        token = word.text.strip().lower()
        if token.endswith(_SENTENCE_ENDS) and token not in _ABBREVIATIONS:
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return pieces


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


def split_at_speaker_changes(
    segments: list[SegmentResult], before: str = speaker_name(0)
) -> list[SegmentResult]:
    """Each segment split where the speaker of its words changes; a segment without words keeps the
    speaker before it (`before` for the first)."""
    labelled: list[SegmentResult] = []
    for segment in segments:
        if not segment.words:
            segment.speaker = labelled[-1].speaker if labelled else before
            labelled.append(segment)
            continue
        turns: list[list[WordResult]] = []
        for word in segment.words:
            if turns and turns[-1][-1].speaker == word.speaker:
                turns[-1].append(word)
            else:
                turns.append([word])
        for turn in turns:
            text = segment.text if len(turns) == 1 else " ".join(w.word for w in turn)
            labelled.append(
                replace(
                    segment,
                    id=len(labelled),
                    start=turn[0].start,
                    end=turn[-1].end,
                    text=text,
                    confidence=round(sum(w.probability for w in turn) / len(turn), 4),
                    words=turn,
                    speaker=turn[0].speaker,
                )
            )
    return labelled
