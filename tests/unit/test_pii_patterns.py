"""PII redaction's pattern rules and its merge of pattern and NER finds, on labelled text: every email,
phone number, Luhn-valid card number, SSN and street address is found; look-alikes are not."""

from __future__ import annotations

import pytest

from services.llm.analysis import pii
from services.llm.analysis.language import NamedEntity

# (text, the kind it holds, the exact find)
LABELLED = [
    ("Write to maria.garcia@example.com today.", "email", "maria.garcia@example.com"),
    ("My address is j_doe+news@mail.co.uk, thanks.", "email", "j_doe+news@mail.co.uk"),
    ("Call me on 555-123-4567 after lunch.", "phone", "555-123-4567"),
    ("The office number is (212) 555-0199.", "phone", "(212) 555-0199"),
    ("Reach him at +44 20 7946 0958 in London.", "phone", "+44 20 7946 0958"),
    ("Text 415.555.2671 when you land.", "phone", "415.555.2671"),
    ("My card is 4111 1111 1111 1111, expiry next May.", "card_number", "4111 1111 1111 1111"),
    ("Use 5500-0000-0000-0004 for the deposit.", "card_number", "5500-0000-0000-0004"),
    ("The Amex is 378282246310005.", "card_number", "378282246310005"),
    ("Her social security number is 078-05-1120.", "ssn", "078-05-1120"),
    (
        "I live at 42 Elm Street, Springfield, IL 62704 now.",
        "address",
        "42 Elm Street, Springfield, IL 62704",
    ),
    ("Send it to 1600 Pennsylvania Avenue.", "address", "1600 Pennsylvania Avenue"),
    ("The shop is at 221 Baker St, near the park.", "address", "221 Baker St"),
    ("Deliver to 10 Downing Road Apt 4B please.", "address", "10 Downing Road Apt 4B"),
]


@pytest.mark.parametrize(("text", "kind", "expected"), LABELLED)
def test_each_labelled_item_is_found_and_replaced_by_its_placeholder(
    text: str, kind: str, expected: str
) -> None:
    redacted, used = pii.redact(text, pii.pattern_finds(text))
    assert [(f.type, f.text) for f in used] == [(kind, expected)]
    assert expected not in redacted
    assert pii.PLACEHOLDERS[kind] in redacted


def test_recall_over_the_labelled_set_is_complete() -> None:
    text = " ".join(t for t, _, _ in LABELLED)
    _, used = pii.redact(text, pii.pattern_finds(text))
    found = {(f.type, f.text) for f in used}
    assert {(k, e) for _, k, e in LABELLED} <= found


@pytest.mark.parametrize(
    "text",
    [
        "The order number is 4111 1111 1111 1112.",  # fails the Luhn check
        "We sold 1,250 units in 2024 and 3,400 in 2025.",
        "The meeting is at 10:30 on 12/05.",
        "Chapter 42 starts on page 118.",
    ],
)
def test_numbers_that_are_not_pii_are_left_alone(text: str) -> None:
    redacted, used = pii.redact(text, pii.pattern_finds(text))
    assert used == [] and redacted == text


def test_luhn_check() -> None:
    assert pii.luhn_valid("4111111111111111")
    assert pii.luhn_valid("79927398713")
    assert not pii.luhn_valid("4111111111111112")


def test_names_come_from_the_model_and_patterns_win_where_they_overlap() -> None:
    text = "Ask John Smith at john.smith@example.com."
    names = [NamedEntity("John Smith", "PERSON", 4, 14), NamedEntity("john.smith", "PERSON", 18, 28)]
    redacted, used = pii.redact(text, pii.pattern_finds(text) + pii.name_finds(names))
    assert redacted == "Ask [NAME] at [EMAIL]."
    assert [(f.type, f.method) for f in used] == [("name", "ner"), ("email", "pattern")]


def test_only_person_entities_are_redacted_as_names() -> None:
    entities = [NamedEntity("Paris", "GPE", 0, 5), NamedEntity("Acme", "ORG", 10, 14)]
    assert pii.name_finds(entities) == []
