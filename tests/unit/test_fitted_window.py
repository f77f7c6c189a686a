"""How much of a padded 30 s window the encoder is given: the audio's frames plus 2 s, 10 to 30 s."""

from __future__ import annotations

import numpy as np
import pytest

from services.asr.fitted_window import fitted_frames


def _window(*audio_frames: int) -> np.ndarray:
    """Features as faster-whisper hands them to the encoder: log-mel frames, then zeros up to 3000."""
    rng = np.random.default_rng(0)
    features = np.zeros((len(audio_frames), 80, 3000), dtype=np.float32)
    for row, frames in enumerate(audio_frames):
        features[row, :, :frames] = rng.uniform(-1.5, 1.0, (80, frames))
    return features


@pytest.mark.parametrize(
    ("audio_frames", "kept"),
    [(406, 1000), (0, 1000), (850, 1100), (2000, 2200), (2700, 2900), (2900, 3000), (3000, 3000)],
)
def test_the_encoder_gets_the_audio_and_two_seconds_at_least_ten(audio_frames: int, kept: int) -> None:
    assert fitted_frames(_window(audio_frames)[0], 100) == kept


def test_a_batch_keeps_its_longest_audio() -> None:
    assert fitted_frames(_window(400, 1500), 100) == 1700


def test_a_quiet_frame_of_real_audio_is_not_padding() -> None:
    """Silence in the audio is never exact zeros after Whisper's log-mel scaling; only padding is."""
    features = _window(1200)[0]
    features[:, 600:1200] = -1.5  # digital silence, as the log-mel floor writes it
    assert fitted_frames(features, 100) == 1400
