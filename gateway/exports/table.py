"""CSV of a transcript: one row per segment, with times and speaker. A cell that a spreadsheet would
run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`,
as OWASP advises against CSV injection: spoken words must never become a formula."""

from __future__ import annotations

import csv
import io

from stt.v1 import asr_pb2

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def to_csv(transcript: asr_pb2.Transcript) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["index", "start", "end", "speaker", "text", "confidence"])
    for index, s in enumerate(transcript.segments, start=1):
        writer.writerow(
            [
                index,
                f"{s.start:.3f}",
                f"{s.end:.3f}",
                _inert(s.speaker),
                _inert(s.text),
                f"{s.confidence:.4f}",
            ]
        )
    return out.getvalue()
