"""Sentiment by VADER, a lexicon and rules tuned for spoken and social text (its lexicon ships in the
package): a score per sentence, and the whole text's as their mean weighted by length, so a long
transcript is not judged by its loudest sentence."""

from __future__ import annotations

from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

METHOD = "vader"
_THRESHOLD = 0.05  # VADER's own cut between neutral and polar compound scores


def label(score: float) -> str:
    if score >= _THRESHOLD:
        return "positive"
    if score <= -_THRESHOLD:
        return "negative"
    return "neutral"


class SentimentScorer:
    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()

    def analyze(self, sentences: list[str]) -> dict[str, Any]:
        scored = [(s, round(self._vader.polarity_scores(s)["compound"], 4)) for s in sentences]
        weight = sum(len(s) for s, _ in scored) or 1
        overall = round(sum(score * len(s) for s, score in scored) / weight, 4)
        labels = [label(score) for _, score in scored]
        overall_label = label(overall)
        if "positive" in labels and "negative" in labels and overall_label == "neutral":
            overall_label = "mixed"
        return {
            "sentiment": overall_label,
            "score": overall,
            "sentences": [
                {"text": s, "sentiment": lab, "score": score}
                for (s, score), lab in zip(scored, labels, strict=True)
            ],
        }
