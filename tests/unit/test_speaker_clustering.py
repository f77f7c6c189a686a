"""Clustering of speaker embeddings and the count it finds, on embeddings drawn around known voices
(the real encoder's pieces scatter about their voice the same way: 0.7 to 0.9 cosine to its centre)."""

from __future__ import annotations

import numpy as np
import pytest

from services.asr.diarization.clustering import SpeakerBounds, VoiceRule, cluster

RULE = VoiceRule(min_separation=0.1, min_seconds=1.0)
PIECE_S = 1.5


def found(embeddings: np.ndarray, bounds: SpeakerBounds, seconds: np.ndarray | None = None) -> np.ndarray:
    seconds = np.full(len(embeddings), PIECE_S) if seconds is None else seconds
    return cluster(embeddings, seconds, bounds, RULE)


def pieces(voices: int, per_voice: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(voices, 192))
    truth = np.repeat(np.arange(voices), per_voice)
    drawn = centres[truth] + rng.normal(size=(len(truth), 192)) * 0.6
    return drawn / np.linalg.norm(drawn, axis=1, keepdims=True), truth


def same_partition(labels: np.ndarray, truth: np.ndarray) -> bool:
    return len(set(zip(labels.tolist(), truth.tolist(), strict=True))) == len(set(truth.tolist()))


@pytest.mark.parametrize(("voices", "per_voice"), [(1, 20), (2, 5), (2, 40), (3, 8), (4, 30)])
def test_the_count_is_found(voices: int, per_voice: int) -> None:
    embeddings, truth = pieces(voices, per_voice)
    labels = found(embeddings, SpeakerBounds(1, 8))
    assert len(set(labels.tolist())) == voices
    assert same_partition(labels, truth)


def test_a_given_count_and_bounds_are_honoured() -> None:
    embeddings, _ = pieces(3, 10)
    assert len(set(found(embeddings, SpeakerBounds(2, 2)).tolist())) == 2
    assert len(set(found(embeddings, SpeakerBounds(1, 2)).tolist())) == 2
    one_voice, _ = pieces(1, 20)
    assert len(set(found(one_voice, SpeakerBounds(2, 8)).tolist())) == 2


def test_a_voice_needs_seconds_of_speech_to_count() -> None:
    """Two short pieces of a third voice (where two voices meet, say) are not a speaker of their own
    unless they hold `min_seconds` of speech; the same pieces twice as long are."""
    embeddings, truth = pieces(3, 20)
    keep = np.concatenate([np.flatnonzero(truth < 2), np.flatnonzero(truth == 2)[:2]])
    embeddings = embeddings[keep]
    short = np.where(truth[keep] == 2, 0.4, PIECE_S)
    assert len(set(found(embeddings, SpeakerBounds(1, 8), short).tolist())) == 2
    long = np.where(truth[keep] == 2, 0.8, PIECE_S)
    assert len(set(found(embeddings, SpeakerBounds(1, 8), long).tolist())) == 3


def test_bounds_from_the_request() -> None:
    assert SpeakerBounds.of(3, 0, 0, 8) == SpeakerBounds(3, 3)
    assert SpeakerBounds.of(0, 0, 0, 8) == SpeakerBounds(1, 8)
    assert SpeakerBounds.of(0, 2, 0, 8) == SpeakerBounds(2, 8)
    assert SpeakerBounds.of(0, 0, 3, 8) == SpeakerBounds(1, 3)
    assert SpeakerBounds.of(0, 10, 0, 8) == SpeakerBounds(10, 10)
