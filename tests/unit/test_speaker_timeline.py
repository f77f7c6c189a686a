"""The speaker timeline: its turns (overlaps included) and the speaker who holds each word."""

from __future__ import annotations

import numpy as np

from services.asr.diarization.segmentation import FrameGrid
from services.asr.diarization.timeline import SpeakerTimeline

GRID = FrameGrid(start=0.0, duration=0.1, step=0.1)  # frame i covers about [i/10, i/10 + 0.1)


def timeline(spans: dict[int, list[tuple[float, float]]], seconds: float = 10.0) -> SpeakerTimeline:
    activity = np.zeros((int(seconds * 10), len(spans)), dtype=bool)
    for speaker, ranges in spans.items():
        for start, end in ranges:
            activity[int(start * 10) : int(end * 10), speaker] = True
    return SpeakerTimeline(activity, GRID, seconds)


def test_turns_keep_overlapping_speech_of_both_speakers() -> None:
    turns = timeline({0: [(0.0, 4.0)], 1: [(3.0, 6.0)]}).turns()
    assert [(t.speaker, t.start, t.end) for t in turns] == [(0, 0.0, 4.0), (1, 3.0, 6.0)]


def test_a_word_goes_to_the_speaker_active_over_most_of_it() -> None:
    talk = timeline({0: [(0.0, 2.0)], 1: [(2.0, 5.0)]})
    assert talk.speaker_of(1.0, 1.5) == 0
    assert talk.speaker_of(1.8, 2.6) == 1


def test_in_overlap_the_speaker_who_holds_the_floor_keeps_the_word() -> None:
    # Speaker 1 talks alone from 2 s to 6 s; speaker 0 only interjects from 3.0 to 3.6 s.
    talk = timeline({0: [(0.0, 1.0), (3.0, 3.6)], 1: [(2.0, 6.0)]})
    assert talk.speaker_of(3.1, 3.5) == 1


def test_a_word_in_a_gap_of_the_timeline_takes_the_nearest_speaker() -> None:
    talk = timeline({0: [(0.0, 2.0)], 1: [(6.0, 8.0)]})
    assert talk.speaker_of(2.5, 2.8) == 0
    assert talk.speaker_of(5.2, 5.5) == 1


def test_speakers_are_renumbered_in_order_of_appearance() -> None:
    talk = timeline({0: [(5.0, 6.0)], 1: [(1.0, 2.0)], 2: []}).in_order_of_appearance()
    assert talk.speakers == 2
    assert [t.speaker for t in talk.turns()] == [0, 1]
    assert talk.speaker_of(1.2, 1.5) == 0
