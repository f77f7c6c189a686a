"""The tokens a language-model answer cost, as every text answer reports them."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class _Counted(Protocol):
    prompt_tokens: int
    completion_tokens: int


def usage_of(answer: _Counted) -> Usage:
    """The usage of an LLM service answer (summary, analysis, generated content)."""
    return Usage(prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens)
