"""`Generate`: content made from a transcript in one of the types. The text is fitted to the model's
context (map-reduce summaries, as for `Summarize`), the engine answers JSON of the type's schema, the
answer is validated and rendered as Markdown too. Key quotes and chapter starts are picked by line
number and copied from the text, reading text of any length in parts (`line_picker.py`), so they are
always verbatim."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from services.llm.errors import InvalidRequestError, usable_text
from services.llm.generation.line_picker import LinePicker
from services.llm.generation.markdown import RENDERERS
from services.llm.generation.shapes import SCHEMAS, TYPES
from services.llm.structured import StructuredAnswers
from services.llm.summarizer import Summarizer

PROMPTS = Path(__file__).parent.parent / "prompts" / "generate"
MAX_STEERING_CHARS = 2_000
_CHARS_PER_TOKEN = 3  # cautious for English: numbered lines are fitted by characters, no round trip


@dataclass(frozen=True)
class Generated:
    type: str
    data: dict[str, Any]
    content: str
    model: str
    parts: int
    prompt_tokens: int
    completion_tokens: int


def type_of(requested: str) -> str:
    if requested not in SCHEMAS:
        raise InvalidRequestError(f"unknown content type '{requested[:40]}'; types: {', '.join(TYPES)}")
    return requested


def instructions(kind: str, steering: str) -> str:
    base = (PROMPTS / f"{kind}.txt").read_text().strip()
    return f"{base}\n\nThe user also asks: {steering}" if steering else base


def _answers_are_options(value: dict[str, Any]) -> str | None:
    for number, question in enumerate(value["questions"], 1):
        if question["answer_index"] >= len(question["options"]):
            return f"question {number} has no option {question['answer_index']}"
    return None


class Generator:
    def __init__(
        self,
        structured: StructuredAnswers,
        summarizer: Summarizer,
        room_tokens: int,
        prompt_tokens: int,
        max_input_chars: int,
    ) -> None:
        self._structured = structured
        self._summarizer = summarizer
        self._room_tokens = room_tokens
        self._picker = LinePicker(structured, prompt_tokens * _CHARS_PER_TOKEN)
        self._max_input_chars = max_input_chars

    async def generate(self, text: str, requested_type: str, steering: str = "") -> Generated:
        kind = type_of(requested_type)
        text, steering = usable_text(text, self._max_input_chars, "used"), steering.strip()
        if len(steering) > MAX_STEERING_CHARS:
            raise InvalidRequestError(f"the prompt is over {MAX_STEERING_CHARS} characters")
        prompt = instructions(kind, steering)
        if kind in ("key_quotes", "chapter_markers"):
            pick = self._picker.key_quotes if kind == "key_quotes" else self._picker.chapters
            picked = await pick(text, prompt)
            data, model, parts = picked.data, picked.model, picked.parts
            used = [picked.prompt_tokens, picked.completion_tokens]
        else:
            used = [0, 0]
            text, parts = await self._summarizer.fitted(text, used, room=self._room_tokens)
            check = _answers_are_options if kind == "quiz" else None
            answer = await self._structured.ask(prompt, text, SCHEMAS[kind], check)
            data, model = answer.value, answer.model
            used = [used[0] + answer.prompt_tokens, used[1] + answer.completion_tokens]
        jsonschema.validate(data, SCHEMAS[kind])  # the public shape, whichever way it was made
        return Generated(kind, data, RENDERERS[kind](data), model, parts, used[0], used[1])
