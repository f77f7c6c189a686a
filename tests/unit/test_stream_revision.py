"""Which stretches of a live stream are decoded again as one, what audio that second pass gets, and how
its words take the place of the first pass's."""

from __future__ import annotations

import numpy as np

from services.asr.results import SegmentResult, WordResult
from services.asr.stream_revision import StretchGroups, revised, words_from

RATE = 16_000


def _segment(*words: tuple[str, float, float, str]) -> SegmentResult:
    timed = [WordResult(text, start, end, 0.9, speaker) for text, start, end, speaker in words]
    return SegmentResult(
        id=0,
        start=timed[0].start,
        end=timed[-1].end,
        text=" ".join(w.word for w in timed),
        confidence=0.9,
        avg_logprob=-0.2,
        no_speech_prob=0.01,
        compression_ratio=1.2,
        words=timed,
        speaker=timed[0].speaker,
    )


def _s(seconds: float) -> int:
    return round(seconds * RATE)


def _stream(groups: StretchGroups, audio: np.ndarray, stretches: list[tuple[float, float]]) -> None:
    """Stretches of `audio` finalized in turn, each given a one-word segment, every sample of the audio
    forgotten in order as a stream forgets it (a stretch's audio after it is finalized)."""
    forgotten = 0
    for index, (start, end) in enumerate(stretches):
        groups.silence_until(_s(start))
        segment = _segment((f"w{index}", start + 0.1, end - 0.1, ""))
        groups.finalized((_s(start), _s(end)), (_s(start), _s(end)), [segment], start)
        groups.committed(audio[forgotten : _s(end)], forgotten)
        forgotten = _s(end)
    groups.committed(audio[forgotten:], forgotten)
    groups.silence_until(len(audio))


def test_stretches_a_short_pause_apart_are_one_group_with_their_audio_between() -> None:
    audio = np.arange(_s(10), dtype=np.float32)
    groups = StretchGroups(join_pause=_s(1.5), most=_s(25))
    _stream(groups, audio, [(1.0, 3.0), (4.0, 6.0)])  # 1 s apart, then 4 s of silence closes them
    assert groups.open is None and len(groups.waiting) == 1
    group = groups.waiting[0]
    assert (group.first, group.last, group.stretches) == (_s(1.0), _s(6.0), 2)
    np.testing.assert_array_equal(group.audio, audio[_s(1.0) : _s(6.0)])  # the pause included
    assert [s.text for s in group.segments] == ["w0", "w1"]
    assert group.cursor == 1.0


def test_a_long_pause_or_a_long_group_starts_a_new_one_and_a_lone_stretch_is_not_decoded_again() -> None:
    audio = np.zeros(_s(60), dtype=np.float32)
    groups = StretchGroups(join_pause=_s(1.5), most=_s(10))
    # 2 s of silence parts the first two; the next three are 0.5 s apart but 12 s together.
    _stream(groups, audio, [(1.0, 3.0), (5.0, 8.0), (8.5, 12.0), (12.5, 16.5)])
    assert [(g.first, g.last) for g in groups.waiting] == [(_s(5.0), _s(12.0))]
    assert groups.open is None  # the last stretch alone: its first pass is the whole of it


def test_a_group_is_not_closed_while_the_pause_after_it_is_short() -> None:
    groups = StretchGroups(join_pause=_s(1.5), most=_s(25))
    groups.finalized((0, _s(2)), (0, _s(2)), [_segment(("a", 0.1, 1.9, ""))], 0.0)
    groups.finalized((_s(3), _s(4)), (_s(3), _s(4)), [_segment(("b", 3.1, 3.9, ""))], 3.0)
    groups.silence_until(_s(5.4))
    assert groups.open is not None and not groups.waiting
    groups.silence_until(_s(5.6))
    assert groups.open is None and len(groups.waiting) == 1


def test_a_stretch_joins_the_open_group_only_near_enough_and_within_its_length() -> None:
    groups = StretchGroups(join_pause=_s(1.5), most=_s(10))
    assert not groups.joins(_s(2), _s(1))  # no group is open
    groups.finalized((0, _s(2)), (_s(0.4), _s(1.8)), [_segment(("a", 0.5, 1.7, ""))], 0.0)
    assert groups.joins(_s(5), _s(3.3))  # 1.5 s after the group's speech ends
    assert not groups.joins(_s(5), _s(3.4))  # 1.6 s after
    assert not groups.joins(_s(10.1), _s(3.0))  # the group would span 10.1 s


def test_the_words_from_a_moment_on_keep_their_segments_and_cut_the_one_it_falls_in() -> None:
    segments = [
        _segment(("One", 0.0, 0.3, ""), ("two.", 0.3, 0.6, "")),
        _segment(("Three", 1.0, 1.3, ""), ("four", 1.4, 1.7, ""), ("five.", 1.8, 2.1, "")),
        _segment(("Six.", 2.5, 2.9, "")),
    ]
    later = words_from(segments, 1.35)
    assert [(s.text, s.start, s.end) for s in later] == [("four five.", 1.4, 2.1), ("Six.", 2.5, 2.9)]
    assert later[1] is segments[2]
    assert segments[1].text == "Three four five."  # the cut segment is a new one
    assert words_from(segments, 3.0) == []
    assert words_from(segments, 0.0) == segments


def test_the_second_pass_takes_the_place_of_the_first_with_the_speakers_heard_there() -> None:
    first = [
        _segment(
            ("I", 0.0, 0.2, "Speaker 1"), ("am", 0.2, 0.4, "Speaker 1"), ("free.", 0.4, 0.8, "Speaker 1")
        ),
        _segment(("To", 1.5, 1.7, "Speaker 2"), ("confess.", 1.7, 2.3, "Speaker 2")),
    ]
    second = [
        _segment(("I", 0.0, 0.2, ""), ("am", 0.2, 0.4, ""), ("free", 0.4, 0.8, ""), ("to", 1.45, 1.7, "")),
        _segment(("confess.", 1.7, 2.3, "")),
    ]
    result = revised(first, second, diarized=True, before="Speaker 2")
    assert result is not None
    assert [(s.text, s.speaker) for s in result] == [
        ("I am free", "Speaker 1"),
        ("to", "Speaker 2"),
        ("confess.", "Speaker 2"),
    ]
    assert all(w.speaker == s.speaker for s in result for w in s.words)


def test_a_word_between_the_first_pass_words_takes_the_nearest_speaker() -> None:
    first = [_segment(("one", 0.0, 0.5, "Speaker 1")), _segment(("two", 3.0, 3.5, "Speaker 2"))]
    second = [_segment(("one", 0.0, 0.5, ""), ("and", 2.6, 2.8, ""), ("two", 3.0, 3.5, ""))]
    result = revised(first, second, diarized=True, before="Speaker 1")
    assert result is not None
    assert [w.speaker for s in result for w in s.words] == ["Speaker 1", "Speaker 2", "Speaker 2"]


def test_a_second_pass_that_lost_speech_or_heard_nothing_is_not_taken() -> None:
    first = [_segment(*((f"w{i}", i * 0.5, i * 0.5 + 0.4, "") for i in range(10)))]
    lost = [_segment(*((f"w{i}", i * 0.5, i * 0.5 + 0.4, "") for i in range(7)))]
    kept = [_segment(*((f"w{i}", i * 0.5, i * 0.5 + 0.4, "") for i in range(8)))]
    assert revised(first, [], diarized=False, before="") is None
    assert revised(first, lost, diarized=False, before="") is None
    assert revised(first, kept, diarized=False, before="") == kept
