"""Export files: the CSV (one row per segment; words that a spreadsheet would run as a formula stay
text) and the name a download is saved under, in any script."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest

from gateway.exports.attachment import attachment
from gateway.exports.table import to_csv
from stt.v1 import asr_pb2


def _rows(*texts: str, speaker: str = "Speaker 1") -> list[list[str]]:
    transcript = asr_pb2.Transcript(
        segments=[asr_pb2.Segment(start=i, end=i + 1, text=t, speaker=speaker) for i, t in enumerate(texts)]
    )
    return list(csv.reader(io.StringIO(to_csv(transcript))))


def test_each_segment_is_a_row_with_its_times_and_speaker() -> None:
    rows = _rows("Hello there.", "How are you?")
    assert rows[0] == ["index", "start", "end", "speaker", "text", "confidence"]
    assert rows[1][:5] == ["1", "0.000", "1.000", "Speaker 1", "Hello there."]
    assert rows[2][4] == "How are you?"


def test_cells_that_would_be_formulas_are_kept_as_text() -> None:
    dangerous = ['=HYPERLINK("http://evil")', "+1 for that", "-2 degrees", "@SUM(A1)", "\tcmd", "\rcmd"]
    rows = _rows(*dangerous, speaker="=cmd|' /C calc'!A0")
    assert [row[4] for row in rows[1:]] == [f"'{text}" for text in dangerous]
    assert all(row[3] == "'=cmd|' /C calc'!A0" for row in rows[1:])
    assert _rows("minus is fine inside - like this")[1][4] == "minus is fine inside - like this"


@pytest.mark.parametrize(
    ("filename", "saved", "fallback"),
    [
        ("Привет мир.flac", "Привет мир.srt", "transcript.srt"),
        ("café déjà vu.wav", "café déjà vu.srt", "cafe deja vu.srt"),
        ("会议记录.wav", "会议记录.srt", "transcript.srt"),
        ("tab\there\x00\x1f\r\n.wav", "tabhere.srt", "tabhere.srt"),
        ('say "hi"\\ or/not.ogg', "say hi ornot.srt", "say hi ornot.srt"),
        ("", "transcript.srt", "transcript.srt"),
        ("...", "transcript.srt", "transcript.srt"),
    ],
)
def test_a_download_is_named_in_its_own_script_with_an_ascii_stand_in(
    filename: str, saved: str, fallback: str
) -> None:
    header = attachment(filename, "srt")
    header.encode("latin-1")  # all an HTTP header can carry
    kind, plain, encoded = header.split("; ")
    assert kind == "attachment"
    assert plain == f'filename="{fallback}"'
    assert unquote(encoded.removeprefix("filename*=UTF-8''")) == saved
