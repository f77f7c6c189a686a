"""The ASR engine (the service's runtime): loads the models, resolves a request's model and language,
and transcribes a recording window by window (`windows.py`) with the stretch decoder (`decoding.py`),
diarizing it meanwhile, then labels the words' speakers (`speaker_labels.py`)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from services.asr.decoding import DecodeJob, Steering, StretchDecoder
from services.asr.device import Device, choose_device
from services.asr.diarization.pipeline import DiarizationOptions, Diarizer
from services.asr.languages import LANGUAGE_NAMES
from services.asr.registry import ModelRegistry, Resolution
from services.asr.results import (
    ProgressReport,
    SegmentResult,
    SpeakerTurnResult,
    TranscribeOptions,
    TranscriptResult,
)
from services.asr.settings import AsrSettings
from services.asr.speaker_labels import BackgroundDiarization, label_speakers, speaker_bounds
from services.asr.windows import quiet_windows
from services.common.errors import InvalidRequestError
from services.common.media import SAMPLE_RATE, Samples
from services.common.messages import filled

log = logging.getLogger(__name__)

_DECODING_SHARE_WHEN_DIARIZING = 0.85
"""The part of a diarized transcription's progress that decoding fills; the rest is what diarization
(running alongside) has left when the words are decoded (about 15% of the time on a CPU,
bench/README.md)."""


def normalize_language(language: str) -> str | None:
    code = language.strip().lower()
    if code in ("", "auto"):
        return None
    if code not in LANGUAGE_NAMES:
        raise InvalidRequestError(f"unknown language '{language}'; use an ISO 639-1 code or 'auto'")
    return code


class _Progress:
    """The decoder's news turned into reports: segments numbered in the order they were decoded, the
    furthest point reached (a second pass over skipped speech goes back in time) and the fraction done."""

    def __init__(self, report: ProgressReport, duration: float, diarize: bool) -> None:
        self._report = report
        self._duration = duration
        self._share = _DECODING_SHARE_WHEN_DIARIZING if diarize else 1.0
        self._reached = 0.0
        self._told = 0

    def decoded(self, segments: list[SegmentResult], reached_s: float) -> None:
        self._reached = max(self._reached, reached_s)
        for segment in segments:  # the final ids are given once every window is decoded
            segment.id = self._told
            self._told += 1
        fraction = self._share * self._reached / self._duration if self._duration else self._share
        self._report(segments, fraction, self._reached, self._duration)


class AsrEngine:
    """Loads the registry's models (the service's Runtime) and transcribes decoded audio."""

    def __init__(self, settings: AsrSettings) -> None:
        self.settings = settings
        self.device: Device = choose_device(settings)
        self.registry = ModelRegistry(settings, self.device)
        self.decoder = StretchDecoder(settings)
        options = filled(
            DiarizationOptions,
            settings,
            source_prefix="diarization_",
            max_clustered=settings.diarization_max_clustered_units,
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
        self,
        audio: Samples,
        options: TranscribeOptions,
        cancelled: threading.Event | None = None,
        report: ProgressReport | None = None,
    ) -> TranscriptResult:
        started = time.perf_counter()
        resolution, language = self.resolve(options.model, options.language)
        # A bad bound is refused before any work.
        bounds = speaker_bounds(options, self.settings.diarization_max_speakers)
        duration = len(audio) / SAMPLE_RATE
        cancelled = cancelled or threading.Event()
        steering = Steering(options.task, options.prompt, options.temperature)
        progress = _Progress(report, duration, options.diarize) if report is not None else None
        job = DecodeJob(
            self.registry.get(resolution.weights_id),
            language,
            duration,
            cancelled,
            steering,
            on_decoded=progress.decoded if progress is not None else None,
        )
        diarizing = None
        if options.diarize:
            diarizing = BackgroundDiarization(self.diarizer, audio, bounds, cancelled)
        try:
            segments, language, probability = self._decode(audio, job, progress)
        except BaseException:
            if diarizing is not None:
                diarizing.abandon()
            raise
        speakers: list[str] = []
        turns: list[SpeakerTurnResult] = []
        if diarizing is not None:
            segments, speakers, turns = label_speakers(diarizing.timeline(), segments)
        return TranscriptResult(
            text=" ".join(s.text for s in segments),
            language=language or "",
            language_probability=probability if segments else 1.0,
            duration=duration,
            segments=segments,
            model=resolution.weights_id,
            requested_model=resolution.requested,
            processing_seconds=time.perf_counter() - started,
            speakers=speakers,
            speaker_turns=turns,
        )

    def _decode(
        self, audio: Samples, job: DecodeJob, progress: _Progress | None
    ) -> tuple[list[SegmentResult], str | None, float]:
        """The segments of `audio`, numbered, with the language heard first and its probability."""
        segments: list[SegmentResult] = []
        cursor, probability = 0.0, 1.0
        # Window by window, so faster-whisper's per-file memory is bounded by the window, not the file.
        for start, end in quiet_windows(audio, self.settings.window_s):
            stretch = self.decoder.decode(
                job, audio[start:end], start / SAMPLE_RATE, cursor, self.device.batch_size
            )
            if stretch.segments and job.language is None:  # later windows keep the first speech's language
                job = replace(job, language=stretch.language)
                probability = stretch.language_probability
            recovered = self.decoder.recover_missed(job, audio, start, end, stretch.segments)
            segments += sorted(stretch.segments + recovered, key=lambda s: s.start)
            cursor = max([stretch.cursor, *(s.end for s in recovered)])
            if progress is not None:
                progress.decoded([], end / SAMPLE_RATE)
        for index, segment in enumerate(segments):
            segment.id = index
        return segments, job.language, probability
