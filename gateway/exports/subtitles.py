"""SRT and WebVTT documents of a transcript: one cue per segment, the speaker first where diarization ran."""

from __future__ import annotations

from stt.v1 import asr_pb2


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(round(seconds * 1000), 0)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def clock(seconds: float) -> str:
    """`H:MM:SS` for people (documents), not for players."""
    whole = max(int(seconds), 0)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def cue_text(segment: asr_pb2.Segment) -> str:
    return f"{segment.speaker}: {segment.text}" if segment.speaker else segment.text


def to_srt(transcript: asr_pb2.Transcript) -> str:
    cues = [
        f"{index}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{cue_text(s)}\n"
        for index, s in enumerate(transcript.segments, start=1)
    ]
    return "\n".join(cues)


def to_vtt(transcript: asr_pb2.Transcript) -> str:
    cues = [
        f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{cue_text(s)}\n"
        for s in transcript.segments
    ]
    return "WEBVTT\n\n" + "\n".join(cues)
