"""The text, SRT and WebVTT documents of a transcript."""

from __future__ import annotations

import re

from gateway.exports.plain_text import to_text
from gateway.exports.subtitles import to_srt, to_vtt
from stt.v1 import asr_pb2


def _transcript(speakers: bool = False) -> asr_pb2.Transcript:
    segments = [
        asr_pb2.Segment(
            start=0.0, end=3.2, text="Hello, welcome to the meeting.", speaker="Speaker 1" if speakers else ""
        ),
        asr_pb2.Segment(
            start=3.5, end=3723.456, text="Thanks for having me.", speaker="Speaker 2" if speakers else ""
        ),
    ]
    return asr_pb2.Transcript(text="Hello, welcome to the meeting. Thanks for having me.", segments=segments)


def test_srt_numbers_cues_and_uses_comma_milliseconds() -> None:
    assert to_srt(_transcript()) == (
        "1\n00:00:00,000 --> 00:00:03,200\nHello, welcome to the meeting.\n\n"
        "2\n00:00:03,500 --> 01:02:03,456\nThanks for having me.\n"
    )


def test_vtt_has_header_and_dot_milliseconds() -> None:
    vtt = to_vtt(_transcript())
    assert vtt.startswith("WEBVTT\n\n")
    assert re.findall(r"(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\d{2}:\d{2}:\d{2}\.\d{3})", vtt) == [
        ("00:00:00.000", "00:00:03.200"),
        ("00:00:03.500", "01:02:03.456"),
    ]


def test_speaker_labels_appear_only_where_diarization_ran() -> None:
    assert "Speaker" not in to_srt(_transcript()) + to_vtt(_transcript()) + to_text(_transcript())
    assert "Speaker 2: Thanks for having me." in to_srt(_transcript(speakers=True))
    assert "Speaker 1: Hello, welcome to the meeting." in to_vtt(_transcript(speakers=True))
    assert to_text(_transcript(speakers=True)) == (
        "Speaker 1: Hello, welcome to the meeting.\nSpeaker 2: Thanks for having me.\n"
    )


def test_empty_transcript_gives_empty_documents() -> None:
    empty = asr_pb2.Transcript()
    assert to_text(empty) == ""
    assert to_srt(empty) == ""
    assert to_vtt(empty) == "WEBVTT\n\n"
