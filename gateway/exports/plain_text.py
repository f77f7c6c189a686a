"""The plain-text document of a transcript: the text, or one line per speaker turn where diarization ran."""

from __future__ import annotations

from stt.v1 import asr_pb2


def to_text(transcript: asr_pb2.Transcript) -> str:
    if not any(s.speaker for s in transcript.segments):
        return transcript.text + "\n" if transcript.text else ""
    lines: list[str] = []
    speaker = None
    for segment in transcript.segments:
        if segment.speaker != speaker or not lines:
            speaker = segment.speaker
            lines.append(f"{speaker}: {segment.text}")
        else:
            lines[-1] += f" {segment.text}"
    return "\n".join(lines) + "\n"
