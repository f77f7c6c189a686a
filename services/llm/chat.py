"""Answers to questions about a transcript, from passages the caller retrieved (the gateway searches the
transcript's segment embeddings) and the conversation so far, streamed as the engine writes them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.llm.engine_client import EngineClient
from services.llm.errors import InvalidRequestError, TextTooLongError
from services.llm.settings import LlmSettings

INSTRUCTIONS = (Path(__file__).parent / "prompts" / "chat" / "answer.txt").read_text().strip()
MAX_QUESTION_CHARS = 4_000
_CHARS_PER_TOKEN = 3  # a cautious guess for English: history is trimmed by it without a round trip


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


def question_prompt(question: str, passages: Sequence[str]) -> str:
    numbered = "\n".join(f"[{n}] {p}" for n, p in enumerate(passages, 1))
    return f"Passages of the transcript:\n{numbered}\n\nQuestion: {question}"


def recent_history(history: Sequence[Turn], budget_chars: int) -> list[tuple[str, str]]:
    """The latest turns that fit `budget_chars`, oldest first: a long conversation loses its start."""
    kept: list[tuple[str, str]] = []
    for turn in reversed(history):
        budget_chars -= len(turn.content)
        if budget_chars < 0:
            break
        kept.append((turn.role, turn.content))
    return kept[::-1]


class ChatAnswerer:
    def __init__(self, engine: EngineClient, settings: LlmSettings) -> None:
        self._engine = engine
        self._settings = settings

    async def answer(
        self, question: str, passages: Sequence[str], history: Sequence[Turn]
    ) -> AsyncIterator[tuple[str, str]]:
        """`(delta, model)` pairs of the answer as it is written."""
        question = question.strip()
        if not question:
            raise InvalidRequestError("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidRequestError(f"the question is over {MAX_QUESTION_CHARS} characters")
        if any(t.role not in ("user", "assistant") for t in history):
            raise InvalidRequestError("a history turn's role is `user` or `assistant`")
        prompt = question_prompt(question, passages)
        budget = (self._settings.context_tokens - self._settings.answer_tokens - 100) * _CHARS_PER_TOKEN
        budget -= len(INSTRUCTIONS) + len(prompt)
        if budget < 0:
            raise TextTooLongError("the question and its passages do not fit the model's context")
        async for delta in self._engine.chat_stream(
            INSTRUCTIONS, prompt, self._settings.answer_tokens, history=recent_history(history, budget)
        ):
            yield delta
