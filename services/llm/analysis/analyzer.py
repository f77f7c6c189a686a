"""`Analyze`: one documented JSON shape per type. The types with a dependable method do not use the LLM:
sentiment (VADER over spaCy's sentences), entities (spaCy's NER), questions (the sentences that ask one)
and pii_redact (patterns plus spaCy's names). Topics and action items need reading comprehension: the
LLM answers them as JSON of a fixed schema (see `structured.py`)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.llm.analysis import pii
from services.llm.analysis.language import LanguagePipeline, Parsed
from services.llm.analysis.sentiment import METHOD as SENTIMENT_METHOD
from services.llm.analysis.sentiment import SentimentScorer
from services.llm.errors import InvalidRequestError, usable_text
from services.llm.structured import StructuredAnswers
from services.llm.summarizer import Summarizer

PROMPTS = Path(__file__).parent.parent / "prompts" / "analyze"
TYPES = ("sentiment", "topics", "entities", "action_items", "questions", "pii_redact")
ALIASES = {"pii": "pii_redact"}

_TEXT = {"type": "string", "minLength": 1}
_OPTIONAL_TEXT = {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}]}
LLM_SCHEMAS: dict[str, dict[str, Any]] = {
    "topics": {
        "type": "object",
        "properties": {
            "topics": {
                "type": "array",
                "maxItems": 8,
                "items": {
                    "type": "object",
                    "properties": {"name": {**_TEXT, "maxLength": 200}, "summary": _TEXT},
                    "required": ["name", "summary"],
                },
            }
        },
        "required": ["topics"],
    },
    "action_items": {
        "type": "object",
        "properties": {
            "action_items": {
                "type": "array",
                "maxItems": 20,
                "items": {
                    "type": "object",
                    "properties": {"task": _TEXT, "owner": _OPTIONAL_TEXT, "due": _OPTIONAL_TEXT},
                    "required": ["task", "owner", "due"],
                },
            }
        },
        "required": ["action_items"],
    },
}


@dataclass(frozen=True)
class Analysis:
    type: str
    result: dict[str, Any]
    method: str
    model: str
    """The model that produced it: the NER pipeline's or the LLM's name ("" for VADER, a lexicon)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0


def type_of(requested: str) -> str:
    kind = ALIASES.get(requested, requested)
    if kind not in TYPES:
        names = ", ".join([*TYPES, *ALIASES])
        raise InvalidRequestError(f"unknown analysis type '{requested[:40]}'; types: {names}")
    return kind


class Analyzer:
    def __init__(
        self,
        language: LanguagePipeline,
        sentiment: SentimentScorer,
        structured: StructuredAnswers,
        summarizer: Summarizer,
        room_tokens: int,
        max_input_chars: int,
    ) -> None:
        self._language = language
        self._sentiment = sentiment
        self._structured = structured
        self._summarizer = summarizer
        self._room_tokens = room_tokens
        self._max_input_chars = max_input_chars

    async def analyze(self, text: str, requested_type: str) -> Analysis:
        kind = type_of(requested_type)
        text = usable_text(text, self._max_input_chars, "analyzed")
        if kind in LLM_SCHEMAS:
            return await self._by_llm(kind, text)
        parsed = await asyncio.to_thread(self._language.parse, text)  # CPU work off the event loop
        return self._by_rules(kind, text, parsed)

    def _by_rules(self, kind: str, text: str, parsed: Parsed) -> Analysis:
        ner = self._language.name
        if kind == "sentiment":
            return Analysis(kind, self._sentiment.analyze(parsed.sentences), SENTIMENT_METHOD, "")
        if kind == "entities":
            counts = Counter((e.text, e.label) for e in parsed.entities)
            entities = [{"text": t, "type": label, "count": n} for (t, label), n in counts.most_common()]
            return Analysis(kind, {"entities": entities}, "ner", ner)
        if kind == "questions":
            questions = [{"text": s} for s in parsed.sentences if s.endswith("?")]
            return Analysis(kind, {"questions": questions}, "rules", ner)
        finds = pii.pattern_finds(text) + pii.name_finds(parsed.entities)
        redacted, used = pii.redact(text, finds)
        redactions = [
            {"type": f.type, "text": f.text, "start": f.start, "end": f.end, "method": f.method} for f in used
        ]
        return Analysis(kind, {"redacted_text": redacted, "redactions": redactions}, "patterns+ner", ner)

    async def _by_llm(self, kind: str, text: str) -> Analysis:
        used = [0, 0]
        text, _ = await self._summarizer.fitted(text, used, room=self._room_tokens)
        instructions = (PROMPTS / f"{kind}.txt").read_text().strip()
        answer = await self._structured.ask(instructions, text, LLM_SCHEMAS[kind])
        return Analysis(
            kind,
            answer.value,
            "llm",
            answer.model,
            used[0] + answer.prompt_tokens,
            used[1] + answer.completion_tokens,
        )
