"""Decoded windows are cut into segments at sentence ends and long pauses, never inside a sentence."""

from __future__ import annotations

from services.asr.sentences import TimedWord, split_into_sentences


def _words(*spec: tuple[str, float, float]) -> list[TimedWord]:
    return [TimedWord(text, start, end, 0.9) for text, start, end in spec]


def _texts(pieces: list[list[TimedWord]]) -> list[str]:
    return ["".join(w.text for w in piece).strip() for piece in pieces]


def test_cuts_after_sentence_ends() -> None:
    words = _words(
        (" Hello", 0, 0.4), (" there.", 0.4, 0.8), (" How", 1.0, 1.2), (" are", 1.2, 1.3), (" you?", 1.3, 1.6)
    )
    assert _texts(split_into_sentences(words)) == ["Hello there.", "How are you?"]


def test_keeps_abbreviations_inside_a_sentence() -> None:
    words = _words((" Ask", 0, 0.3), (" Dr.", 0.3, 0.6), (" Smith", 0.6, 0.9), (" today.", 0.9, 1.3))
    assert _texts(split_into_sentences(words)) == ["Ask Dr. Smith today."]


def test_cuts_at_a_long_pause_without_punctuation() -> None:
    words = _words((" so", 0, 0.3), (" anyway", 0.3, 0.8), (" right", 2.0, 2.3), (" then", 2.3, 2.6))
    assert _texts(split_into_sentences(words)) == ["so anyway", "right then"]


def test_chinese_full_stop_ends_a_sentence() -> None:
    words = _words(("你好", 0, 0.4), ("。", 0.4, 0.5), ("再见", 0.6, 1.0))
    assert _texts(split_into_sentences(words)) == ["你好。", "再见"]
