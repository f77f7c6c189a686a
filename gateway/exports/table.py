"""CSV of a transcript: one row per segment, with times and speaker."""

from __future__ import annotations

import csv
import io

from stt.v1 import asr_pb2


def to_csv(transcript: asr_pb2.Transcript) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["index", "start", "end", "speaker", "text", "confidence"])
    for index, s in enumerate(transcript.segments, start=1):
        writer.writerow([index, f"{s.start:.3f}", f"{s.end:.3f}", s.speaker, s.text, f"{s.confidence:.4f}"])
    return out.getvalue()
