"""The speaker timeline of a recording: which named speakers are active on each frame, the turns read
from it, and the speaker who holds a word."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from services.asr.diarization.segmentation import FrameGrid

_CONTEXT_S = 1.0
"""A word in overlap goes to the speaker who talks alone most within this distance of it."""


def speaker_name(speaker: int) -> str:
    """The public label of speaker 0, 1, ...: `Speaker 1`, `Speaker 2`, ..."""
    return f"Speaker {speaker + 1}"


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: int


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last + 1) of each run of True."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


@dataclass
class SpeakerTimeline:
    activity: np.ndarray
    """(frames, speakers) bool; speakers numbered 0, 1, ... in order of first appearance."""
    grid: FrameGrid
    duration: float

    @property
    def speakers(self) -> int:
        return int(self.activity.shape[1])

    def in_order_of_appearance(self) -> SpeakerTimeline:
        """The same timeline with speakers renumbered by when they first speak, silent ones dropped."""
        firsts = [np.flatnonzero(self.activity[:, v])[:1] for v in range(self.speakers)]
        order = [v for _, v in sorted((f[0], v) for v, f in enumerate(firsts) if len(f))]
        return SpeakerTimeline(self.activity[:, order], self.grid, self.duration)

    def turns(self) -> list[SpeakerTurn]:
        """Every stretch of each speaker's activity, overlapping ones included, in order of start."""
        half = self.grid.step / 2
        found = []
        for speaker in range(self.speakers):
            for first, last in runs(self.activity[:, speaker]):
                start = max(0.0, float(self.grid.centre(first)) - half)
                end = min(self.duration, float(self.grid.centre(last - 1)) + half)
                if end > start:
                    found.append(SpeakerTurn(round(start, 3), round(end, 3), speaker))
        return sorted(found, key=lambda t: (t.start, t.speaker))

    def _frames(self, start: float, end: float) -> slice:
        first = min(self.grid.index(start), len(self.activity))
        return slice(first, max(first + 1, min(self.grid.index(end) + 1, len(self.activity))))

    def speaker_of(self, start: float, end: float) -> int:
        """The speaker who holds the word spoken from `start` to `end`: the one active over most of it;
        in overlap, the one who talks alone most around it; in a gap of the timeline, the nearest."""
        if self.speakers == 0:
            return 0
        active = self.activity[self._frames(start, end)].sum(axis=0)
        if active.max() > 0:
            leaders = np.flatnonzero(active == active.max())
            if len(leaders) == 1:
                return int(leaders[0])
            around = self.activity[self._frames(start - _CONTEXT_S, end + _CONTEXT_S)]
            alone = around[around.sum(axis=1) == 1].sum(axis=0)
            return int(leaders[np.argmax(alone[leaders])])
        talking = self._talking
        if len(talking) == 0:
            return 0
        place = np.searchsorted(talking, self.grid.index((start + end) / 2))
        candidates = talking[max(0, place - 1) : place + 1]
        nearest = candidates[np.argmin(np.abs(candidates - self.grid.index((start + end) / 2)))]
        return int(np.argmax(self.activity[nearest]))

    @cached_property
    def _talking(self) -> np.ndarray:
        """The frames where someone talks, in order (words in the timeline's gaps look up the nearest)."""
        return np.flatnonzero(self.activity.any(axis=1))
