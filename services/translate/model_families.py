"""How each family of CTranslate2 translators is told the languages: which tokens name them in its
vocabulary, and where they go around a sentence's tokens.

- MADLAD-400 (T5): `<2es>` before the source; the source language is not named.
- NLLB-200: the source's `eng_Latn` before it, the target's `spa_Latn` as the first target token.
- M2M100: `__en__` before the source, `__es__` as the first target token.
- OPUS-MT (Marian): one pair per model, its languages from settings; a model with several targets
  names them as `>>spa<<` before the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.translate.languages import api_code

END = "</s>"


@dataclass(frozen=True)
class Family:
    name: str
    language_token: re.Pattern[str]
    """Matches a vocabulary entry naming a language; its first group is the engine's code."""
    source_named: bool
    """The source sentence starts with its own language's token (NLLB, M2M100)."""
    target_first: bool
    """The target's token is forced as the first output token (NLLB, M2M100) rather than put before
    the source (MADLAD, Marian)."""

    def languages(self, vocabulary: list[str]) -> dict[str, str]:
        """API code -> its token, for every language the vocabulary names (the first token of a code
        wins: NLLB lists `zho_Hans` before `zho_Hant`)."""
        found: dict[str, str] = {}
        for token in vocabulary:
            match = self.language_token.fullmatch(token)
            if match:
                found.setdefault(api_code(match.group(1)), token)
        return found

    def source_tokens(
        self, tokens: list[str], source_token: str | None, target_token: str | None
    ) -> list[str]:
        before = []
        if self.source_named and source_token:
            before.append(source_token)
        if not self.target_first and target_token:
            before.append(target_token)
        return [*before, *tokens, END]

    def target_prefix(self, target_token: str | None) -> list[str] | None:
        return [target_token] if self.target_first and target_token else None


MADLAD = Family("madlad", re.compile(r"<2([a-z]{2,3})>"), source_named=False, target_first=False)
NLLB = Family("nllb", re.compile(r"([a-z]{3})_[A-Z][a-z]{3}"), source_named=True, target_first=True)
M2M100 = Family("m2m100", re.compile(r"__([a-z]{2,3})__"), source_named=True, target_first=True)
MARIAN = Family("marian", re.compile(r">>([a-z]{2,3})<<"), source_named=False, target_first=False)
FAMILIES = {family.name: family for family in (MADLAD, NLLB, M2M100, MARIAN)}


def detect_family(vocabulary: list[str]) -> Family:
    """The family whose language tokens the vocabulary holds; Marian (a pair per model) otherwise."""
    for family in (MADLAD, M2M100, NLLB):
        if len(family.languages(vocabulary)) >= 2:
            return family
    return MARIAN
