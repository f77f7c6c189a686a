"""The token budget reaches the real decoder: a short file decodes to at most 20 tokens a second of
its audio (a looping decode stops there instead of at Whisper's 448 tokens), with or without a prompt,
and its words are unchanged."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faster_whisper import WhisperModel

from services.asr.engine import AsrEngine
from services.asr.results import TranscribeOptions
from services.asr.settings import AsrSettings
from services.common.media import decode
from testbed.wer import word_error_rate
from tests.conftest import Speech


@pytest.fixture
def budgets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int | None]]:
    """The token budget of every window decoded (the real decoder runs)."""
    seen: list[int | None] = []
    decode_window = WhisperModel.generate_with_fallback

    def recording(self: WhisperModel, encoder_output: Any, prompt: Any, tokenizer: Any, options: Any) -> Any:
        seen.append(options.max_new_tokens)
        return decode_window(self, encoder_output, prompt, tokenizer, options)

    monkeypatch.setattr(WhisperModel, "generate_with_fallback", recording)
    yield seen


@pytest.mark.parametrize("prompt", ["", "Maria, sales report, slides."])
def test_a_short_file_decodes_within_its_budget(
    data_dir: Path, speech: dict[str, Speech], budgets: list[int | None], prompt: str
) -> None:
    engine = AsrEngine(AsrSettings(data_dir=data_dir, diarization=False))
    clip = speech["meeting"]
    audio = decode(clip.path)
    result = engine.transcribe(audio, TranscribeOptions(model="base", language="en", prompt=prompt))
    assert budgets and set(budgets) == {math.ceil(len(audio) / 16_000 * 20) + 16}
    assert word_error_rate(clip.text, result.text) < 0.1


def test_a_long_file_keeps_the_models_own_limit(
    data_dir: Path, long_speech: Speech, budgets: list[int | None]
) -> None:
    engine = AsrEngine(AsrSettings(data_dir=data_dir, diarization=False))
    result = engine.transcribe(decode(long_speech.path), TranscribeOptions(model="base", language="en"))
    assert budgets and set(budgets) == {None}
    assert word_error_rate(long_speech.text, result.text) < 0.12
