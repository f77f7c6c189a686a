"""Structured answers from the LLM: decoding guided by a JSON schema where the engine supports it,
then always parsed and validated (against the schema and the caller's own checks), asked once more
with the fault named when invalid, and refused with a clear error rather than passed on malformed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema

from services.common.errors import MalformedAnswerError
from services.llm.engine_client import EngineClient
from services.llm.settings import LlmSettings

Check = Callable[[dict[str, Any]], str | None]
"""A check beyond the schema: returns what is wrong with an answer, or None."""


def structured_room_tokens(settings: LlmSettings) -> int:
    """Tokens a structured prompt needs beyond a summary's: its longer answer and the schema it quotes
    (the longest of ours is under 900 characters of JSON)."""
    return settings.structured_answer_tokens - settings.answer_tokens + 350


@dataclass(frozen=True)
class StructuredAnswer:
    value: dict[str, Any]
    model: str
    prompt_tokens: int
    completion_tokens: int


def fault(text: str, schema: dict[str, Any], check: Check | None) -> tuple[dict[str, Any], str | None]:
    """The parsed answer and what is wrong with it (None when nothing is)."""
    try:
        value = json.loads(text, strict=False)  # the engine may write a raw newline in a string
    except json.JSONDecodeError as exc:
        return {}, f"it is not valid JSON ({exc.msg} at character {exc.pos})"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        return {}, f"at {where}: {exc.message[:200]}"
    return value, check(value) if check is not None else None


_GRAMMAR_MAX_LENGTH = 300


def decoding_schema(schema: Any) -> Any:
    """The schema the engine decodes by: llama.cpp's grammar converter unrolls a maximum string length
    into one nested rule per character, and a long one (a 1,500-character paragraph) crashes its
    server, so only short bounds (a tweet's 280) are kept for decoding. All are validated afterwards."""
    if isinstance(schema, dict):
        return {
            k: decoding_schema(v)
            for k, v in schema.items()
            if not (k == "maxLength" and v > _GRAMMAR_MAX_LENGTH)
        }
    if isinstance(schema, list):
        return [decoding_schema(v) for v in schema]
    return schema


class StructuredAnswers:
    def __init__(self, engine: EngineClient, max_tokens: int) -> None:
        self._engine = engine
        self._max_tokens = max_tokens

    async def ask(
        self, instructions: str, text: str, schema: dict[str, Any], check: Check | None = None
    ) -> StructuredAnswer:
        schema_text = json.dumps(schema, separators=(",", ":"))
        system = f"{instructions}\n\nAnswer with JSON only, matching this JSON schema:\n{schema_text}"
        used = [0, 0]
        user = text
        problem = ""
        guide = decoding_schema(schema)
        for _ in range(2):
            completion = await self._engine.chat(system, user, self._max_tokens, json_schema=guide)
            used[0] += completion.prompt_tokens
            used[1] += completion.completion_tokens
            value, problem_or_none = fault(completion.text, schema, check)
            if problem_or_none is None:
                return StructuredAnswer(value, completion.model, used[0], used[1])
            problem = problem_or_none
            if completion.cut_off:
                problem = f"it was cut off at {self._max_tokens} tokens ({problem}); write less"
            user = f"{text}\n\nYour previous answer was invalid: {problem}. Answer again, with valid JSON."
        raise MalformedAnswerError(f"the language model's answer was malformed twice: {problem}")
