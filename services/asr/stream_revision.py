"""A live stream's second pass. Each stretch of speech is decoded alone as soon as a pause ends it (the
first pass: the `text` messages), so a sentence cut at a short pause is heard in two halves, each
without the other's words. Stretches that follow each other within `stream_revision_pause_s` form a
group of at most `stream_revision_max_s` of audio; once the group is closed (a longer pause, the next
stretch would make it too long, the stream's end) its audio is decoded again as one, as a file's window
is, and the final transcript carries that second pass in place of the group's first. A stream that
ends inside a group decodes its last stretch once, with the group (`StretchGroup.revision`), where
that fits the time before the final message is due.

The group's audio is kept only while the group is open or waiting for its second pass, so a stream
holds at most one group and one stretch more than before, however long it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from services.asr.results import SegmentResult, WordResult
from services.asr.speaker_labels import split_at_speaker_changes

_KEPT_WORDS = 0.8
"""A second pass with fewer words than this share of the first's is not taken: Whisper has skipped
speech in it (a file's decoder looks for such gaps again; a stream keeps the words it heard)."""


@dataclass
class StretchGroup:
    first: int
    """Stream sample where its audio starts."""
    cursor: float
    """Where the words before the group end: the second pass's words start no earlier."""
    end: int = 0
    """Stream sample where its audio kept so far ends."""
    last: int = 0
    """Stream sample where its last stretch's decoded audio ends."""
    speech_end: int = 0
    """Stream sample where the VAD last heard speech in it."""
    stretches: int = 0
    segments: list[SegmentResult] = field(default_factory=list)
    """The first pass of its stretches, in order."""
    chunks: list[np.ndarray] = field(default_factory=list)
    revision: list[SegmentResult] | None = None
    """Its second pass where that was decoded with its last stretch at the stream's end."""

    @property
    def audio(self) -> np.ndarray:
        """The group's audio, from its first stretch to the end of its last."""
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.float32)
        return audio[: self.last - self.first]

    @property
    def revisable(self) -> bool:
        """Worth a second pass: more than one stretch, and words heard."""
        return self.stretches > 1 and bool(self.segments)


class StretchGroups:
    """The groups of one stream: the open one, and those closed and waiting for their second pass."""

    def __init__(self, join_pause: int, most: int) -> None:
        self._join_pause = join_pause
        self._most = most
        self.open: StretchGroup | None = None
        self.waiting: list[StretchGroup] = []

    def finalized(
        self, audio: tuple[int, int], speech: tuple[int, int], segments: list[SegmentResult], cursor: float
    ) -> None:
        """A stretch was finalized with `segments`: its decoded `audio` and the `speech` the VAD heard
        in it, first and last stream sample; `cursor` is where its words could start. Call it before
        the stretch's audio is handed to `committed`."""
        group, (first, last) = self.open, audio
        if group is not None and not self.joins(last, speech[0]):
            self.close()
            group = None
        if group is None:
            if not segments:  # nothing heard: nothing to revise
                return
            group = self.open = StretchGroup(first, cursor, end=first)
        group.last, group.speech_end = last, speech[1]
        group.stretches += 1
        group.segments += segments

    def joins(self, last: int, onset: int) -> bool:
        """Whether a stretch whose audio ends at stream sample `last` and whose speech begins at `onset`
        belongs to the open group."""
        group = self.open
        return (
            group is not None
            and onset - group.speech_end <= self._join_pause
            and last - group.first <= self._most
        )

    def committed(self, audio: np.ndarray, at: int) -> None:
        """The stream forgets `audio`, which starts at sample `at`: the open group keeps its part."""
        group = self.open
        if group is None:
            return
        skip = group.end - at
        if skip < 0:  # cannot happen while every forgotten sample passes here; a gap would misplace words
            self.close()
        elif skip < len(audio):
            group.chunks.append(audio[skip:].copy())
            group.end += len(audio) - skip

    def silence_until(self, sample: int) -> None:
        """No speech has been heard from the open group's end up to `sample`: a long enough pause
        closes it."""
        if self.open is not None and sample - self.open.speech_end > self._join_pause:
            self.close()

    def close(self) -> None:
        group, self.open = self.open, None
        if group is not None and group.revisable:
            self.waiting.append(group)


def revised(
    segments: list[SegmentResult], revision: list[SegmentResult], diarized: bool, before: str
) -> list[SegmentResult] | None:
    """The second pass's segments in place of the first's, each word given the speaker of the first
    pass's word it overlaps most (else the nearest); None where the second pass is not to be taken."""
    words = [w for s in segments for w in s.words]
    if not revision or len([w for s in revision for w in s.words]) < _KEPT_WORDS * len(words):
        return None
    if not diarized:
        return revision
    for word in (w for s in revision for w in s.words):
        word.speaker = _speaker_at(words, word) if words else before
    return split_at_speaker_changes(revision, before)


def words_from(segments: list[SegmentResult], start: float) -> list[SegmentResult]:
    """The part of `segments` made of the words that start at `start` or later; a segment with earlier
    words keeps only its later ones."""
    kept: list[SegmentResult] = []
    for segment in segments:
        words = [w for w in segment.words if w.start >= start]
        if len(words) == len(segment.words):
            if segment.start >= start or words:
                kept.append(segment)
        elif words:
            kept.append(
                replace(
                    segment,
                    start=words[0].start,
                    text=" ".join(w.word for w in words),
                    confidence=round(sum(w.probability for w in words) / len(words), 4),
                    words=words,
                )
            )
    return kept


def _speaker_at(words: list[WordResult], word: WordResult) -> str:
    overlaps = [min(w.end, word.end) - max(w.start, word.start) for w in words]
    best = int(np.argmax(overlaps))
    if overlaps[best] > 0:
        return words[best].speaker
    middle = (word.start + word.end) / 2
    return min(words, key=lambda w: abs((w.start + w.end) / 2 - middle)).speaker
