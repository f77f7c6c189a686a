"""Speakers on a transcript: the bounds a request allows, every word labelled with the speaker who holds
it, segments split where the speaker changes, and the speaker timeline as turns."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from services.asr.decoding import TranscriptionCancelledError
from services.asr.diarization.clustering import SpeakerBounds
from services.asr.diarization.pipeline import DiarizationCancelledError, Diarizer
from services.asr.diarization.timeline import SpeakerTimeline, speaker_name
from services.asr.results import SegmentResult, SpeakerTurnResult, TranscribeOptions, WordResult
from services.common.errors import InvalidRequestError
from services.common.media import Samples


def speaker_bounds(options: TranscribeOptions, most: int) -> SpeakerBounds:
    """The speaker counts the request allows (`most` when it sets no upper bound), or
    InvalidRequestError for bounds that allow none."""
    numbers = (options.speakers, options.min_speakers, options.max_speakers)
    if min(numbers) < 0:
        raise InvalidRequestError("speakers, min_speakers and max_speakers cannot be negative")
    if 0 < options.max_speakers < options.min_speakers:
        raise InvalidRequestError(
            f"min_speakers ({options.min_speakers}) is more than max_speakers ({options.max_speakers})"
        )
    return SpeakerBounds.of(options.speakers, options.min_speakers, options.max_speakers, most)


class _EitherSet:
    """Set when any of its events is."""

    def __init__(self, *events: threading.Event) -> None:
        self._events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)


class BackgroundDiarization:
    """The recording's speaker timeline, worked out on a thread of its own while the caller decodes the
    words: each uses the cores the other leaves idle (on 2 CPU cores a diarized file took a median 1.13
    times an undiarized one this way, 1.29 one after the other, in the latest runs; bench/README.md). A
    caller that gives up on the words `abandon`s it, and it stops at its next batch of windows."""

    def __init__(
        self, diarizer: Diarizer, audio: Samples, bounds: SpeakerBounds, cancelled: threading.Event
    ) -> None:
        self._abandoned = threading.Event()
        runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="diarization")
        stop = _EitherSet(cancelled, self._abandoned)
        self._timeline = runner.submit(diarizer.diarize, audio, bounds, stop)
        runner.shutdown(wait=False)

    def abandon(self) -> None:
        self._abandoned.set()

    def timeline(self) -> SpeakerTimeline:
        try:
            return self._timeline.result()
        except DiarizationCancelledError as exc:
            raise TranscriptionCancelledError(str(exc)) from exc


def label_speakers(
    timeline: SpeakerTimeline, segments: list[SegmentResult]
) -> tuple[list[SegmentResult], list[str], list[SpeakerTurnResult]]:
    """Labels every word `Speaker N` (in order of first appearance) with the speaker of `timeline` who
    holds it, and splits a segment where its speaker changes."""
    names = [speaker_name(n) for n in range(timeline.speakers)]
    turns = [SpeakerTurnResult(t.start, t.end, names[t.speaker]) for t in timeline.turns()]
    for word in (w for s in segments for w in s.words):
        word.speaker = names[timeline.speaker_of(word.start, word.end)] if names else speaker_name(0)
    speakers = names if names else [speaker_name(0)] if segments else []
    return split_at_speaker_changes(segments), speakers, turns


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
