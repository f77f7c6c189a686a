"""Sentence splitting: a decoded window cut into segments at sentence ends and long pauses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimedWord:
    """A word as Whisper writes it (leading space and punctuation kept), with its checked times."""

    text: str
    start: float
    end: float
    probability: float


_SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")  # noqa: RUF001  (CJK full-width marks)
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "etc.", "e.g.", "i.e.", "no."})
PAUSE_SPLIT_S = 1.0


def split_into_sentences(words: list[TimedWord]) -> list[list[TimedWord]]:
    """Cuts a decoded window into segments at sentence ends and at pauses of a second or more: the
    batched pipeline decodes up to 30 s at once, too long for one subtitle cue or one speaker turn."""
    pieces: list[list[TimedWord]] = []
    current: list[TimedWord] = []
    for word in words:
        if current and word.start - current[-1].end >= PAUSE_SPLIT_S:
            pieces.append(current)
            current = []
        current.append(word)
        token = word.text.strip().lower()
        if token.endswith(_SENTENCE_ENDS) and token not in _ABBREVIATIONS:
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return pieces
