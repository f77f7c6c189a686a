"""Whisper's encoder run on a window's own audio instead of its fixed 30 s.

faster-whisper pads every window's features with zeros to 30 s before the encoder, so a 3 s stretch of
a live stream, a 5 s upload or the last few seconds of a long file pay for 30 s of encoding: on 2 CPU
cores with base weights 1.2 s of a 2.5 s clip's 1.7 s decode. The encoder takes a shorter input (the
decoder attends to whatever it is given): a window of the audio plus 2 s, at least 10 s, took under
half the time, was within two words of 164 of the full window on clean read speech and ahead of it in
noise (bench/README.md, "Live streaming" and "File transcription").
"""

from __future__ import annotations

import math
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel

MIN_WINDOW_S = 10
"""Shorter than this and Whisper starts repeating itself (seen on interim decodes)."""
_PAD_S = 2
"""Silence after the audio: the decoder needs room past the last word to place its end timestamp."""


def fitted_frames(features: np.ndarray, frames_per_second: int) -> int:
    """How many of a padded window's feature frames the encoder needs: the audio's plus `_PAD_S`, at least
    `MIN_WINDOW_S`. faster-whisper (pinned) pads with exact zeros, which no log-mel frame of real audio
    is; tests/integration/test_fitted_window.py fails if a new version pads otherwise."""
    window = features.shape[-1]
    heard = np.flatnonzero(np.any(features != 0, axis=tuple(range(features.ndim - 1))))
    audio_s = (int(heard[-1]) + 1 if len(heard) else 0) / frames_per_second
    return min(window, fitted_seconds(audio_s) * frames_per_second)


def fitted_seconds(audio_s: float) -> int:
    """The encoder's window for `audio_s` seconds of audio."""
    return max(MIN_WINDOW_S, math.ceil(audio_s + _PAD_S))


class FittedWindowModel(WhisperModel):
    """A view of a loaded model (the same CTranslate2 weights, tokenizer and feature extractor; nothing
    is loaded again) whose encoder sees only the frames of each window that `fitted_frames` keeps when
    it decodes. The language is detected on the full window, as faster-whisper does: the fitted one was
    measured for decoding, and on it one 2.5 s English clip was heard as Latin."""

    def __init__(self, model: WhisperModel) -> None:
        # Not WhisperModel.__init__, which would load the weights again: the loaded model's state is shared.
        self.__dict__.update(model.__dict__)
        self._full_window = model

    def detect_language(self, *args: Any, **kwargs: Any) -> tuple[str, float, list[tuple[str, float]]]:
        return self._full_window.detect_language(*args, **kwargs)

    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        return super().encode(features[..., : fitted_frames(features, self.frames_per_second)])
