"""Key quotes and chapter starts of text of any length, read whole: the lines are cut into groups that
fit the model's context, each group is read (map), and what the groups picked is picked from again
(reduce) until one prompt holds it. The model only ever answers line numbers, so what comes back is
always verbatim."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.llm.generation import lines
from services.llm.generation.lines import Line
from services.llm.structured import StructuredAnswer, StructuredAnswers

MAX_QUOTES = 5
MAX_CHAPTERS = 10
_DESCRIBED_CHARS = 200
COMBINE_CHAPTERS = (
    (Path(__file__).parent.parent / "prompts" / "generate" / "chapter_markers_combine.txt")
    .read_text()
    .strip()
)


@dataclass
class Picked:
    """What was picked, and what it took: the model, the parts the text was read in, the tokens."""

    data: dict[str, Any]
    model: str = ""
    parts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, answer: StructuredAnswer) -> dict[str, Any]:
        """Counts one more answer in; returns its value."""
        self.model = answer.model
        self.prompt_tokens += answer.prompt_tokens
        self.completion_tokens += answer.completion_tokens
        return answer.value


class LinePicker:
    def __init__(self, structured: StructuredAnswers, max_chars: int) -> None:
        self._structured = structured
        self._max_chars = max_chars

    def _lines(self, text: str) -> list[Line]:
        # At most half a group each, so every group but the last holds two lines or more, and each
        # round of picking keeps fewer lines than it was given.
        half = self._max_chars // 2 - lines.NUMBERING_CHARS
        return lines.within_length(lines.lines_of(text), half)

    async def key_quotes(self, text: str, instructions: str) -> Picked:
        picked = Picked({})
        groups = lines.groups_within(self._lines(text), self._max_chars)
        picked.parts = len(groups)
        while len(groups) > 1:  # each group keeps at most half its lines: the candidates shrink
            kept: list[Line] = []
            for group in groups:
                most = min(MAX_QUOTES, max(1, len(group) // 2))
                schema = lines.quotes_schema(len(group), most)
                value = picked.add(await self._structured.ask(instructions, lines.numbered(group), schema))
                kept += [group[n - 1] for n in sorted({q["line"] for q in value["quotes"]})]
            groups = lines.groups_within(kept, self._max_chars)
        final = groups[0]
        schema = lines.quotes_schema(len(final), MAX_QUOTES)
        value = picked.add(await self._structured.ask(instructions, lines.numbered(final), schema))
        picked.data = lines.quotes_from(value, final)
        return picked

    async def chapters(self, text: str, instructions: str) -> Picked:
        picked = Picked({})
        groups = lines.groups_within(self._lines(text), self._max_chars)
        picked.parts = len(groups)
        most = max(1, MAX_CHAPTERS // len(groups))
        chapters: list[dict[str, Any]] = []
        for group in groups:
            schema = lines.chapters_schema(len(group), most)
            value = picked.add(await self._structured.ask(instructions, lines.numbered(group), schema))
            chapters += lines.chapters_from(value, group)["chapters"]
        while len(chapters) > MAX_CHAPTERS:  # more parts than chapters: keep the best starts
            chapters = await self._fewer_chapters(chapters, picked)
        picked.data = {"chapters": chapters}
        return picked

    async def _fewer_chapters(self, chapters: list[dict[str, Any]], picked: Picked) -> list[dict[str, Any]]:
        # Shortened: enough to choose by, and every group then holds several chapters, so each round
        # keeps fewer than it was given.
        described = [Line(f"{c['title']}: {c['summary']}"[:_DESCRIBED_CHARS], None) for c in chapters]
        kept: list[dict[str, Any]] = []
        offset = 0
        groups = lines.groups_within(described, self._max_chars)
        for group in groups:
            most = max(1, min(len(group) - 1, MAX_CHAPTERS // len(groups)))
            schema = lines.kept_schema(len(group), most)
            value = picked.add(await self._structured.ask(COMBINE_CHAPTERS, lines.numbered(group), schema))
            kept += [chapters[offset + n - 1] for n in sorted(set(value["keep"]))]
            offset += len(group)
        return kept
