"""The summarizer's pure parts: styles and their prompts, and how long text is cut into parts."""

from __future__ import annotations

import pytest

from services.llm.errors import InvalidRequestError
from services.llm.summarizer import (
    STYLES,
    _grouped,
    _words_within,
    prompt,
    style_of,
)


def test_every_style_has_its_own_prompt_file() -> None:
    texts = [prompt(style) for style in STYLES]
    assert all(len(text.split()) > 10 for text in texts)
    assert len(set(texts)) == len(STYLES)
    assert "bullet" in prompt("bullet_points").lower()
    assert "action item" in prompt("action_items").lower()


def test_styles_aliases_and_unknown_styles() -> None:
    assert style_of("") == "brief"
    assert style_of("bullets") == "bullet_points"
    with pytest.raises(InvalidRequestError, match="unknown style 'poem'"):
        style_of("poem")


def test_parts_keep_every_piece_in_order() -> None:
    pieces = [f"Sentence number {i} is here." for i in range(50)]
    groups = _grouped(pieces, 4)
    assert len(groups) == 4
    assert " ".join(groups) == " ".join(pieces)
    lengths = [len(g) for g in groups]
    assert max(lengths) < 1.5 * min(lengths)


def test_a_sentence_too_long_for_a_part_is_cut_between_words() -> None:
    sentence = " ".join(f"word{i}" for i in range(100))
    pieces = _words_within(sentence, 60)
    assert all(len(p) <= 60 for p in pieces)
    assert " ".join(pieces) == sentence
