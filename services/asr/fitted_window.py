"""Whisper's encoder run on a short stretch's own length instead of its fixed 30 s window.

faster-whisper pads every window to 30 s before the encoder, so a 3 s stretch of a live stream pays
for 30 s of encoding: on 2 CPU cores with base weights 1.2 s of its 1.7 s final decode. The encoder
takes a shorter input (the decoder attends to whatever it is given), and on the measured sets a
window of the stretch plus 2 s, at least 10 s, was as accurate as the full one at a third of the time
(bench/README.md, "Live streaming").
"""

from __future__ import annotations

import math

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel

from services.common.media import SAMPLE_RATE

MIN_WINDOW_S = 10
"""Shorter than this and Whisper starts repeating itself (seen on interim decodes)."""
_PAD_S = 2
"""Silence after the speech: the decoder needs room past the last word to place its end timestamp."""
_FULL_WINDOW_S = 30


def window_seconds(samples: int) -> int:
    """The encoder window for a stretch of `samples`: its length plus `_PAD_S`, within 10-30 s."""
    return min(_FULL_WINDOW_S, max(MIN_WINDOW_S, math.ceil(samples / SAMPLE_RATE + _PAD_S)))


class FittedWindowModel(WhisperModel):
    """A view of a loaded model (the same CTranslate2 weights, tokenizer and feature extractor; nothing
    is loaded again) whose encoder sees only the first `seconds` of each padded window. A view per
    decode, so streams sharing the model never see each other's window."""

    def __init__(self, model: WhisperModel, seconds: int) -> None:
        # Not WhisperModel.__init__, which would load the weights again: the loaded model's state is shared.
        self.__dict__.update(model.__dict__)
        self._frames = int(seconds * model.frames_per_second)

    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        return super().encode(features[..., : self._frames])
