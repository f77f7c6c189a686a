"""Word error rate: word-level edit distance over the reference length, after light normalisation."""

from __future__ import annotations

import re


def normalize(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
        previous = current
    return previous[-1] / len(ref)


def corpus_word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """The word error rate of many utterances together: their errors over all their reference words."""
    pairs = zip(references, hypotheses, strict=True)
    errors = sum(word_error_rate(r, h) * len(normalize(r)) for r, h in pairs)
    return errors / sum(len(normalize(r)) for r in references)
