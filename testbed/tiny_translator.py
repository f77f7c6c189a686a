"""A CTranslate2 translator of MADLAD-400's shape built from numpy in a second: a SentencePiece model
trained on the shared story with `<2xx>` language tokens, and a one-layer Transformer with random
weights. No translation weights install here (../shared/MODELS.md §6), so this tests the real
loading, tokenizing, language-token and batching code; what it writes is noise, never a quality claim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from testbed.texts import STORY

TINY_LANGUAGES = ("en", "de", "fr", "ja")
"""The languages its vocabulary names (`<2de>` ...): but for English, none that Apertium serves here,
so one service with both engines routes en->de to this model and en->es to Apertium."""


def _random_weights(rng: np.random.Generator, vocabulary_size: int, depth: int, ffn: int) -> Any:
    """Fills every weight the spec leaves unset. Random weights alone make a decoder that ignores its
    source and writes the same noise for every sentence; strong cross-attention and weak target
    embeddings make each sentence (and its `<2xx>` token) give noise of its own, so batching, order
    and language tokens show in what comes out."""

    def fill(spec: Any, name: str, value: Any) -> None:
        if value is not None:
            return
        leaf = name.split("/")[-1]
        cross_attention = name.startswith("decoder/") and "/attention/" in name
        if leaf == "gamma":
            array = np.ones(depth)
        elif leaf == "beta":
            array = np.zeros(depth)
        elif "embeddings" in name or "projection" in name:
            # Logits far apart: a sentence decodes the same alone or padded in a batch.
            scale = 3.0 if "projection" in name else 0.2 if name.startswith("decoder/") else 1.0
            array = rng.normal(0, scale, (vocabulary_size, depth))
        elif "self_attention/linear_0" in name:
            array = rng.normal(0, 0.2, (3 * depth, depth))
        elif cross_attention and "linear_1" in name:  # keys and values of the source
            array = rng.normal(0, 1.0, (2 * depth, depth))
        elif "ffn/linear_0" in name:
            array = rng.normal(0, 0.2, (ffn, depth))
        elif "ffn/linear_1" in name:
            array = rng.normal(0, 0.2, (depth, ffn))
        else:
            array = rng.normal(0, 1.0 if cross_attention and "linear_2" in name else 0.2, (depth, depth))
        spec.__setattr__(leaf, array.astype(np.float32))

    return fill


def build_tiny_translator(folder: Path, seed: int = 7) -> Path:
    """Writes the model into `folder` (model.bin, vocabulary, sentencepiece.model) and returns it."""
    import sentencepiece
    from ctranslate2.specs import transformer_spec

    folder.mkdir(parents=True, exist_ok=True)
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(STORY * 4),
        model_prefix=str(folder / "sentencepiece"),
        vocab_size=160,
        hard_vocab_limit=False,
        character_coverage=1.0,
        user_defined_symbols=[f"<2{code}>" for code in TINY_LANGUAGES],
        minloglevel=2,
    )
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    vocabulary = [tokenizer.id_to_piece(i) for i in range(tokenizer.get_piece_size())]
    spec = transformer_spec.TransformerSpec.from_config((1, 1), 2)
    spec._visit(_random_weights(np.random.default_rng(seed), len(vocabulary), depth=16, ffn=32))
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.save(str(folder))
    return folder


def apertium_installed() -> bool:
    """Whether Debian's Apertium with its en-es pair is on this machine."""
    import shutil

    return bool(shutil.which("apertium")) and Path("/usr/share/apertium/modes/eng-spa.mode").is_file()


def require_apertium() -> None:
    """Skips a test that needs Apertium's en-es pair where it is not installed; in CI (`CI=true`, where
    `make test` installs it) its absence fails the test instead."""
    import os

    import pytest

    if apertium_installed():
        return
    message = "Apertium's en-es pair is not installed (`make test` installs it where it is root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
