"""Content that must quote the transcript exactly (key quotes, where chapters start) is not written by
the LLM: it picks lines by their numbers (an enum in the schema, so the engine cannot pick one that
does not exist), and the lines themselves are copied here, word for word, with their times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A stored transcript is sent one segment a line, each line opening with its start in seconds.
_TIMED_LINE = re.compile(r"^\[(\d+(?:\.\d+)?)\]\s*(\S.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
NUMBERING_CHARS = 6  # what "[12] " and the line break add to a line in a prompt


@dataclass(frozen=True)
class Line:
    text: str
    start_time: float | None


def lines_of(text: str) -> list[Line]:
    """The segments of a timed transcript, or the sentences of plain text."""
    timed = [_TIMED_LINE.match(line.strip()) for line in text.splitlines() if line.strip()]
    if timed and all(timed):
        return [Line(m.group(2), float(m.group(1))) for m in timed if m]
    return [Line(s, None) for s in _SENTENCE_END.split(" ".join(text.split())) if s]


def within_length(lines: list[Line], max_chars: int) -> list[Line]:
    """The lines, each longer than `max_chars` cut at words into pieces that are not (text without
    punctuation is one long "sentence"): every piece is still verbatim, and no prompt overflows. The
    first piece keeps the line's time; where the others start is not known."""
    pieces: list[Line] = []
    for line in lines:
        if len(line.text) <= max_chars:
            pieces.append(line)
            continue
        texts, current = [], ""
        for word in line.text.split():
            if current and len(current) + 1 + len(word) > max_chars:
                texts.append(current)
                current = ""
            current = f"{current} {word}" if current else word
        texts.append(current)
        pieces += [Line(text, line.start_time if n == 0 else None) for n, text in enumerate(texts)]
    return pieces


def groups_within(lines: list[Line], max_chars: int) -> list[list[Line]]:
    """The lines in order, cut into consecutive groups that each fit `max_chars` once numbered (a line
    longer than that is a group of its own)."""
    groups: list[list[Line]] = [[]]
    size = 0
    for line in lines:
        cost = len(line.text) + NUMBERING_CHARS
        if groups[-1] and size + cost > max_chars:
            groups.append([])
            size = 0
        groups[-1].append(line)
        size += cost
    return groups if groups[0] else []


def numbered(lines: list[Line]) -> str:
    return "\n".join(f"[{n}] {line.text}" for n, line in enumerate(lines, 1))


def line_number(count: int) -> dict[str, Any]:
    return {"enum": list(range(1, count + 1))}


def quotes_schema(count: int, most: int = 5) -> dict[str, Any]:
    quote = {
        "type": "object",
        "properties": {
            "line": line_number(count),
            "why": {"type": "string", "minLength": 1, "maxLength": 300},
        },
        "required": ["line", "why"],
    }
    return {
        "type": "object",
        "properties": {"quotes": {"type": "array", "items": quote, "minItems": 1, "maxItems": most}},
        "required": ["quotes"],
    }


def chapters_schema(count: int, most: int = 10) -> dict[str, Any]:
    chapter = {
        "type": "object",
        "properties": {
            "line": line_number(count),
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            # Bounded, so the decoding grammar ends it: a small model once ran one summary on to the
            # token limit, twice, and the whole answer failed.
            "summary": {"type": "string", "minLength": 1, "maxLength": 280},
        },
        "required": ["line", "title", "summary"],
    }
    return {
        "type": "object",
        "properties": {"chapters": {"type": "array", "items": chapter, "minItems": 1, "maxItems": most}},
        "required": ["chapters"],
    }


def kept_schema(count: int, most: int) -> dict[str, Any]:
    kept = {"type": "array", "items": line_number(count), "minItems": 1, "maxItems": most}
    return {"type": "object", "properties": {"keep": kept}, "required": ["keep"]}


def quotes_from(value: dict[str, Any], lines: list[Line]) -> dict[str, Any]:
    picked: dict[int, str] = {}
    for quote in value["quotes"]:
        picked.setdefault(quote["line"], quote["why"])  # the same line twice is one quote
    return {
        "quotes": [
            {"quote": lines[n - 1].text, "why": why, "start_time": lines[n - 1].start_time}
            for n, why in picked.items()
        ]
    }


def chapters_from(value: dict[str, Any], lines: list[Line]) -> dict[str, Any]:
    """The chapters in the order of the text, one per starting line: a small model lists them out of
    order or twice at one line now and then, and each still names a real line, so they are ordered
    (the first of two at one line kept) rather than refused."""
    by_line: dict[int, dict[str, Any]] = {}
    for chapter in value["chapters"]:
        by_line.setdefault(chapter["line"], chapter)
    return {
        "chapters": [
            {
                "title": c["title"],
                "summary": c["summary"],
                "start_time": lines[n - 1].start_time,
                "first_line": lines[n - 1].text,
            }
            for n, c in sorted(by_line.items())
        ]
    }
