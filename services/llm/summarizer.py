"""Summaries in the public styles, of any length: text that does not fit the engine's context is split
at sentence ends into parts that do (by the engine's own token counts), each part is summarised, and
the part summaries are summarised again (map-reduce), so nothing is silently cut."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from services.llm.engine_client import EngineClient
from services.llm.errors import InvalidRequestError, usable_text
from services.llm.settings import LlmSettings

PROMPTS = Path(__file__).parent / "prompts" / "summarize"
STYLES = ("brief", "detailed", "action_items", "bullet_points")
ALIASES = {"bullets": "bullet_points"}
_PROMPT_ROOM = 200  # tokens of the instructions and the chat template around the text
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Summary:
    text: str
    style: str
    model: str
    parts: int
    prompt_tokens: int
    completion_tokens: int


def style_of(requested: str) -> str:
    style = ALIASES.get(requested, requested or "brief")
    if style not in STYLES:
        names = ", ".join([*STYLES, *ALIASES])
        raise InvalidRequestError(f"unknown style '{requested[:40]}'; styles: {names}")
    return style


def prompt(style: str) -> str:
    return (PROMPTS / f"{style}.txt").read_text().strip()


class Summarizer:
    def __init__(self, engine: EngineClient, settings: LlmSettings) -> None:
        self._engine = engine
        self._settings = settings
        self._budget = settings.context_tokens - settings.answer_tokens - _PROMPT_ROOM

    async def summarize(self, text: str, requested_style: str) -> Summary:
        style = style_of(requested_style)
        text = usable_text(text, self._settings.max_input_chars, "summarized")
        used = [0, 0]
        text, parts = await self.fitted(text, used)
        completion = await self._engine.chat(prompt(style), text, self._settings.answer_tokens)
        return Summary(
            text=completion.text,
            style=style,
            model=completion.model,
            parts=parts,
            prompt_tokens=used[0] + completion.prompt_tokens,
            completion_tokens=used[1] + completion.completion_tokens,
        )

    async def fitted(self, text: str, used: list[int], room: int = 0) -> tuple[str, int]:
        """`text` itself when it fits one prompt with `room` tokens to spare, else the summary of its
        parts (map-reduce, again until it fits), and how many parts it was split into. `used` adds up
        the tokens the engine read and wrote."""
        pieces = await self._split(text, room)
        parts = len(pieces)
        while len(pieces) > 1:  # map: each part on its own; reduce: their summaries together
            summaries = [await self._complete(prompt("detailed"), piece, used) for piece in pieces]
            text = prompt("combine") + "\n\n" + "\n\n".join(summaries)
            pieces = await self._split(text, room)
        return text, parts

    async def _complete(self, instructions: str, text: str, used: list[int]) -> str:
        completion = await self._engine.chat(instructions, text, self._settings.answer_tokens)
        used[0] += completion.prompt_tokens
        used[1] += completion.completion_tokens
        return completion.text

    async def _split(self, text: str, room: int) -> list[str]:
        """Parts of `text` that each fit the prompt budget less `room`, cut at sentence ends (at words
        where one sentence alone is too long)."""
        budget = self._budget - room
        # A byte-level tokenizer spends at least one byte of text a token: text with fewer bytes than
        # the budget fits without asking the engine to count (a round trip saved on most requests).
        if len(text.encode()) + 8 <= budget:
            return [text]
        total = await self._engine.count_tokens(text)
        if total <= budget:
            return [text]
        pieces = [p for s in _SENTENCE_END.split(text) for p in _words_within(s, budget * 3)]
        count = math.ceil(total / budget)
        while True:
            parts = _grouped(pieces, count)
            sizes = [await self._engine.count_tokens(p) for p in parts]
            if max(sizes) <= budget:
                return parts
            count += 1


def _words_within(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    words, pieces, current = sentence.split(), [], ""
    for word in words:
        if current and len(current) + len(word) + 1 > max_chars:
            pieces.append(current)
            current = ""
        current = f"{current} {word}".strip()
    return [*pieces, current] if current else pieces


def _grouped(pieces: list[str], count: int) -> list[str]:
    """`pieces` in order, joined into `count` groups of about equal length."""
    target = sum(len(p) + 1 for p in pieces) / count
    groups: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        if current and size + len(piece) > target and len(groups) < count - 1:
            groups.append(" ".join(current))
            current, size = [], 0
        current.append(piece)
        size += len(piece) + 1
    groups.append(" ".join(current))
    return groups
