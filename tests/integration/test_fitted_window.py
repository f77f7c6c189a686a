"""The encoder on each window's own audio (`services/asr/fitted_window.py`), with the real base weights:
the same words as Whisper's full 30 s window, for live streams' finals and for files."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim

from services.asr.engine import AsrEngine
from services.asr.fitted_window import FittedWindowModel
from services.asr.live_stream import LiveStream
from services.asr.results import TranscribeOptions
from services.asr.settings import AsrSettings
from services.common.media import decode
from testbed.streaming import pcm_of
from testbed.wer import word_error_rate
from tests.conftest import Speech


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of feature frames each encoder pass is given (the real encoder runs)."""
    frames: list[int] = []
    encode = WhisperModel.encode

    def counting(self: WhisperModel, features: np.ndarray) -> object:
        frames.append(features.shape[-1])
        return encode(self, features)

    monkeypatch.setattr(WhisperModel, "encode", counting)
    yield frames


def _engine(data_dir: Path, fitted: bool) -> AsrEngine:
    return AsrEngine(AsrSettings(data_dir=data_dir, diarization=False, fitted_window=fitted))


def test_the_view_encodes_the_audio_alone_and_hears_the_same_words(
    data_dir: Path, speech: dict[str, Speech]
) -> None:
    model = _engine(data_dir, True).registry.get("base")
    clip = speech["meeting"]
    audio = decode(clip.path)
    features = pad_or_trim(model.feature_extractor(audio))  # Whisper's 30 s window, as faster-whisper pads it
    fitted = FittedWindowModel(model)
    assert fitted.encode(features).shape == [1, 500, 512]  # 10 s: the encoder halves the frame rate
    assert model.encode(features).shape == [1, 1500, 512]  # the view leaves the shared model as it was

    full, _ = model.transcribe(audio, language="en", beam_size=5, word_timestamps=True)
    short, _ = fitted.transcribe(audio, language="en", beam_size=5, word_timestamps=True)
    full_words = [w for s in full for w in s.words or ()]
    short_words = [w for s in short for w in s.words or ()]
    assert [w.word for w in short_words] == [w.word for w in full_words]
    assert word_error_rate(clip.text, "".join(w.word for w in short_words)) < 0.1
    assert max(abs(a.end - b.end) for a, b in zip(short_words, full_words, strict=True)) < 0.3


@pytest.mark.parametrize(("fitted", "window_frames"), [(True, 1000), (False, 3000)])
def test_a_stream_final_encodes_a_window_fitted_to_its_stretch(
    data_dir: Path, speech: dict[str, Speech], encoded: list[int], fitted: bool, window_frames: int
) -> None:
    """A 5 s stretch's final runs the encoder on 10 s, not 30 s (unless the setting says so)."""
    engine = _engine(data_dir, fitted)
    resolution, language = engine.resolve("base", "en")
    live = LiveStream(engine, resolution, language)
    live.append(pcm_of(speech["meeting"].path))
    cancelled = threading.Event()
    while (result := live.step(True, cancelled)).transcript is None:  # ended: finals only, no interims
        pass
    assert encoded and set(encoded) == {window_frames}
    assert word_error_rate(speech["meeting"].text, result.transcript.text) < 0.1


def test_a_file_encodes_full_windows_and_a_fitted_last_one(
    data_dir: Path, long_speech: Speech, speech: dict[str, Speech], encoded: list[int]
) -> None:
    engine = _engine(data_dir, True)
    short = engine.transcribe(decode(speech["garden"].path), TranscribeOptions(model="base", language="en"))
    assert set(encoded) == {1000}
    assert word_error_rate(speech["garden"].text, short.text) < 0.1

    encoded.clear()
    long = engine.transcribe(decode(long_speech.path), TranscribeOptions(model="base", language="en"))
    assert max(encoded) == 3000 and encoded[-1] < 3000  # speech fills the first windows; the last is cut
    assert word_error_rate(long_speech.text, long.text) < 0.12


def test_the_language_is_detected_on_the_full_window(
    data_dir: Path, speech: dict[str, Speech], encoded: list[int]
) -> None:
    """Detection was not measured on the fitted window, so it runs as faster-whisper runs it; only the
    decoding that follows is fitted."""
    engine = _engine(data_dir, True)
    result = engine.transcribe(decode(speech["garden"].path), TranscribeOptions(model="base"))
    assert encoded == [3000, 1000]
    assert result.language == "en" and result.language_probability > 0.5
