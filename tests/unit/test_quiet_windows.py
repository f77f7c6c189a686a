"""Long audio is cut into windows at its quietest moments, covering every sample once."""

from __future__ import annotations

import itertools

import numpy as np

from services.asr.windows import quiet_windows
from services.common.media import SAMPLE_RATE


def test_short_audio_is_one_window() -> None:
    audio = np.ones(SAMPLE_RATE * 5, dtype=np.float32)
    assert quiet_windows(audio, window_s=10) == [(0, len(audio))]
    assert quiet_windows(audio, window_s=0) == [(0, len(audio))]


def test_windows_cover_the_audio_and_cut_in_the_pauses() -> None:
    rng = np.random.default_rng(1)
    audio = rng.normal(0, 0.3, SAMPLE_RATE * 100).astype(np.float32)
    for pause_at in (26.0, 51.0, 78.0):  # one second of silence inside each search span
        audio[int(pause_at * SAMPLE_RATE) : int((pause_at + 1) * SAMPLE_RATE)] = 0
    windows = quiet_windows(audio, window_s=30, search_s=15)
    assert windows[0][0] == 0 and windows[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    cuts = [end / SAMPLE_RATE for _, end in windows[:-1]]
    assert len(cuts) == 3
    for cut, pause_at in zip(cuts, (26.0, 51.0, 78.0), strict=True):
        assert pause_at <= cut <= pause_at + 1
