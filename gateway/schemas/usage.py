"""The tokens a language-model answer cost, as every text answer reports them."""

from __future__ import annotations

from typing import Annotated, Protocol

from pydantic import BaseModel, Field


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int


# The fields every answer written by the language model ends with, described once.
WriterModel = Annotated[str, Field(description="The language model that wrote it")]
PartsCount = Annotated[
    int, Field(description="Parts the text was split into to fit the model (1 when it fitted)")
]
TokenUsage = Annotated[Usage, Field(description="Tokens the engine read and wrote, over every part")]


class _Counted(Protocol):
    prompt_tokens: int
    completion_tokens: int


def usage_of(answer: _Counted) -> Usage:
    """The usage of an LLM service answer (summary, analysis, generated content)."""
    return Usage(prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens)
