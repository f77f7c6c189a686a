"""Structured answers against the real engine (llama.cpp's server, SmolLM2): decoding guided by the
schema gives JSON of the shape, an answer that fails a check is asked for once more and then refused,
and a schema with long string bounds does not take the engine down."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.llm.engine_client import EngineClient
from services.llm.engine_runtime import EngineRuntime
from services.llm.settings import LlmSettings
from services.llm.structured import MalformedAnswerError, StructuredAnswers, decoding_schema

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "colors": {
            "type": "array",
            "items": {"enum": ["red", "green", "blue"]},
            "minItems": 1,
            "maxItems": 3,
        },
        "note": {"type": "string", "minLength": 1, "maxLength": 2000},
    },
    "required": ["colors", "note"],
}


@pytest.fixture()
async def engine(llm_engine: str) -> EngineClient:
    EngineRuntime(LlmSettings(engine_url=llm_engine)).load()  # waits until the engine answers
    client = EngineClient(LlmSettings(engine_url=llm_engine, temperature=0))
    yield client  # type: ignore[misc]
    await client.close()


async def test_the_answer_has_the_schema_shape(engine: EngineClient) -> None:
    answer = await StructuredAnswers(engine, 200).ask(
        "Name the colors of the sky and grass.", "Sky and grass.", SCHEMA
    )
    assert set(answer.value) == {"colors", "note"}
    assert set(answer.value["colors"]) <= {"red", "green", "blue"}
    assert answer.model and answer.completion_tokens > 0


async def test_an_answer_that_fails_its_check_twice_is_refused(engine: EngineClient, llm_engine: str) -> None:
    asked: list[dict[str, Any]] = []

    def never_right(value: dict[str, Any]) -> str:
        asked.append(value)
        return "the note must rhyme"

    with pytest.raises(MalformedAnswerError, match="malformed twice: the note must rhyme"):
        await StructuredAnswers(engine, 200).ask("Name a color.", "A color.", SCHEMA, never_right)
    assert len(asked) == 2  # one retry, no more
    assert httpx.get(f"{llm_engine}/v1/models").status_code == 200


def test_long_string_bounds_are_validated_but_not_sent_to_the_grammar() -> None:
    guide = decoding_schema(
        {"a": {"type": "string", "maxLength": 2000}, "b": {"type": "string", "maxLength": 280}}
    )
    assert guide == {"a": {"type": "string"}, "b": {"type": "string", "maxLength": 280}}
