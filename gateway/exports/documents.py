"""DOCX and PDF documents of a transcript: a title, the file's facts, then one paragraph per segment
with its time and speaker."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from fpdf import FPDF

from gateway.exports.subtitles import clock
from stt.v1 import asr_pb2

# A Unicode TrueType font where the system has one (Debian: fonts-dejavu-core); without one, the PDF
# uses a built-in Latin-1 font and characters outside it print as "?".
_UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


def _heading(transcript: asr_pb2.Transcript) -> str:
    language = transcript.language or "unknown"
    return f"Language: {language} - Duration: {clock(transcript.duration)} - Model: {transcript.model}"


def _line(segment: asr_pb2.Segment) -> tuple[str, str]:
    label = f"[{clock(segment.start)}]" + (f" {segment.speaker}:" if segment.speaker else "")
    return label, segment.text


def to_docx(transcript: asr_pb2.Transcript, title: str) -> bytes:
    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph(_heading(transcript))
    for segment in transcript.segments:
        label, text = _line(segment)
        paragraph = document.add_paragraph()
        paragraph.add_run(label + " ").bold = True
        paragraph.add_run(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_pdf(transcript: asr_pb2.Transcript, title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    font = next((f for f in _UNICODE_FONTS if f.is_file()), None)
    family = "Helvetica"
    if font is not None:
        pdf.add_font("DejaVu", fname=str(font))
        family = "DejaVu"

    def printable(text: str) -> str:
        return text if font is not None else text.encode("latin-1", "replace").decode("latin-1")

    pdf.set_font(family, size=16)
    pdf.multi_cell(0, 10, printable(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    pdf.multi_cell(0, 6, printable(_heading(transcript)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, size=11)
    for segment in transcript.segments:
        label, text = _line(segment)
        pdf.multi_cell(0, 6, printable(f"{label} {text}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
