"""Long text is cut into sentences for the translator and joined back with its own spacing."""

from __future__ import annotations

import pytest

from services.common.text_pieces import split_text


@pytest.mark.parametrize(
    "text",
    [
        "  Hello world. How are you?\n\nI am Dr. Smith, fine!  ",
        "今日は。元気ですか？はい。",  # noqa: RUF001  (CJK marks, no spaces between sentences)
        'He said "stop." Then he left… And then?',
        "One sentence without an end",
        "Tabs\tand\r\nWindows line ends.\r\nSecond line.",
        "\u2028Unicode line separators\u2029and paragraph separators.",
    ],
)
def test_pieces_joined_back_give_the_text(text: str) -> None:
    split = split_text(text, 400)
    assert split.joined(split.pieces) == text
    assert all(piece and piece == piece.strip() for piece in split.pieces)


def test_a_text_is_cut_at_sentence_ends_but_not_after_an_abbreviation() -> None:
    split = split_text("Dr. Smith arrived. Mr. Jones left! Did they meet? Yes.", 400)
    assert split.pieces == ["Dr. Smith arrived.", "Mr. Jones left!", "Did they meet?", "Yes."]


def test_no_piece_holds_a_line_break_of_any_kind() -> None:
    text = "first line\nsecond\rthird\x0bfourth\x0cfifth\x1csixth\x85seventh\u2028eighth\u2029ninth"
    split = split_text(text, 400)
    assert len(split.pieces) == 9
    assert split.joined(split.pieces) == text


def test_a_run_on_sentence_is_cut_at_a_space_and_a_spaceless_run_anywhere() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    split = split_text(words, 100)
    assert all(len(piece) <= 100 for piece in split.pieces)
    assert split.joined(split.pieces) == words
    assert all(not piece.startswith(" ") and "word" in piece for piece in split.pieces)
    solid = "x" * 250
    assert split_text(solid, 100).pieces == ["x" * 100, "x" * 100, "x" * 50]


def test_translations_are_joined_with_the_text_spacing() -> None:
    split = split_text("  One.  Two.\n\nThree.", 400)
    assert split.joined(["Uno. ", "Dos.", " Tres."]) == "  Uno.  Dos.\n\nTres."


def test_blank_text_has_no_pieces() -> None:
    split = split_text("   \n ", 400)
    assert split.pieces == []
    assert split.joined([]) == "   \n "
