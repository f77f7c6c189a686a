"""PII redaction by dependable methods, never by the LLM: pattern rules for what has a shape (emails,
phone numbers, card numbers that pass the Luhn check, US social security numbers, street addresses)
and the NER model for person names. Each find is replaced by a typed placeholder such as `[EMAIL]`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.llm.analysis.language import NamedEntity

_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
    "Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Alley|Crescent|Close"
)
PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    "card_number": re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),
    "ssn": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "phone": re.compile(
        # not a run inside a longer one of digit groups (a card number that failed its check)
        r"(?<![\w+])(?<!\d[\s.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])"
        r"\d{3,4}[\s.-]?\d{3,4}\b(?![\s.-]?\d)"
    ),
    "address": re.compile(
        r"\b\d{1,6}(?:\s+[A-Z][A-Za-z'-]*){1,4}\s+(?:" + _STREET_TYPES + r")\b"
        r"(?:,?\s+(?:Apt|Apartment|Suite|Unit)\.?\s*#?\w+)?"  # the unit
        r"(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+)*)?"  # the city
        r"(?:,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"  # state and ZIP code
    ),
}
# Checked first, so a card number is not also read as a phone number.
_ORDER = ("email", "card_number", "ssn", "phone", "address")
_ORDER_OF = {kind: rank for rank, kind in enumerate(_ORDER)}
PLACEHOLDERS = {
    "email": "[EMAIL]",
    "card_number": "[CARD_NUMBER]",
    "ssn": "[SSN]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}


@dataclass(frozen=True)
class Redaction:
    type: str
    text: str
    start: int
    end: int
    method: str  # "pattern" or "ner"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def pattern_finds(text: str) -> list[Redaction]:
    finds: list[Redaction] = []
    for kind in _ORDER:
        for match in PATTERNS[kind].finditer(text):
            if kind == "card_number":
                digits = re.sub(r"\D", "", match.group())
                if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
                    continue
            finds.append(Redaction(kind, match.group(), match.start(), match.end(), "pattern"))
    return finds


def name_finds(entities: Iterable[NamedEntity]) -> list[Redaction]:
    return [Redaction("name", e.text, e.start, e.end, "ner") for e in entities if e.label == "PERSON"]


def redact(text: str, finds: Iterable[Redaction]) -> tuple[str, list[Redaction]]:
    """The text with each find replaced by its placeholder, and the finds that were used: where two
    overlap, pattern finds win over the model's, then the earlier, then the longer."""
    chosen: list[Redaction] = []
    ranked = sorted(finds, key=lambda f: (f.method != "pattern", _ORDER_OF.get(f.type, 9), f.start, -f.end))
    for find in ranked:
        if all(find.end <= c.start or find.start >= c.end for c in chosen):
            chosen.append(find)
    chosen.sort(key=lambda f: f.start)
    pieces, cursor = [], 0
    for find in chosen:
        pieces += [text[cursor : find.start], PLACEHOLDERS[find.type]]
        cursor = find.end
    pieces.append(text[cursor:])
    return "".join(pieces), chosen
