"""Long text in, sentences out, and back: a translator reads one sentence at a time (a neural model
has a fixed input length and drifts on long inputs; Apertium needs one unit per line), and a voice
speaks one at a time so the first audio leaves early. Each text is cut at sentence ends, line breaks
and, for a run-on sentence, at the last space before the longest piece wanted; translated pieces are
joined back with the text's own spacing."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")  # noqa: RUF001  (CJK full-width marks)
_ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "vs.", "etc.", "e.g.", "i.e.", "no.", "sr.", "jr."}
)
# Whitespace runs, and the empty gap after a CJK sentence mark (those scripts put no space there).
_GAPS = re.compile(r"(\s+|(?<=[。！？]))")  # noqa: RUF001
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class SplitText:
    pieces: list[str]
    """What is translated, in order; never empty, never holding a line break of any kind."""
    gaps: list[str]
    """The text's own spacing: before the first piece, between pieces, and after the last one."""

    def joined(self, translations: list[str]) -> str:
        out = [self.gaps[0]]
        for translation, gap in zip(translations, self.gaps[1:], strict=True):
            out += [translation.strip(), gap]
        return "".join(out)


def _ends_sentence(word: str) -> bool:
    return bool(_SENTENCE_END.search(word)) and word.lower() not in _ABBREVIATIONS


def _hard_cut(word: str, max_chars: int) -> list[str]:
    return [word[start : start + max_chars] for start in range(0, len(word), max_chars)]


def split_text(text: str, max_chars: int) -> SplitText:
    """`text` as pieces of at most `max_chars` characters and the spacing between them."""
    parts = _GAPS.split(text)  # word, gap, word, gap, ..., word (words may be empty)
    pieces: list[str] = []
    gaps: list[str] = [""]
    current = ""
    for index in range(0, len(parts), 2):
        word = parts[index]
        for chunk in _hard_cut(word, max_chars) if len(word) > max_chars else [word]:
            if current and len(current) + len(chunk) > max_chars:
                pieces.append(current)
                gaps.append("")
                current = ""
            current += chunk
        gap = parts[index + 1] if index + 1 < len(parts) else ""
        if not current:
            gaps[-1] += gap
            continue
        next_word = parts[index + 2] if index + 2 < len(parts) else ""
        if (
            _LINE_BREAK.search(gap)
            or _ends_sentence(word)
            or len(current) + len(gap) + len(next_word) > max_chars
        ):
            pieces.append(current)
            gaps.append(gap)
            current = ""
        else:
            current += gap
    if current:
        pieces.append(current)
        gaps.append("")
    return SplitText(pieces, gaps)
