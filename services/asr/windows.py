"""Where a long recording is cut into the windows it is decoded in: at its quietest moments."""

from __future__ import annotations

import numpy as np

from services.common.media import SAMPLE_RATE, Samples

_QUIET_FRAME = SAMPLE_RATE // 4  # 0.25 s


def quiet_windows(audio: Samples, window_s: float, search_s: float = 15.0) -> list[tuple[int, int]]:
    """Sample ranges of about `window_s` that cover the audio, each cut at the quietest quarter second
    of its last `search_s`: a cut in a pause splits no word."""
    size = int(window_s * SAMPLE_RATE)
    if window_s <= 0 or len(audio) <= size:
        return [(0, len(audio))]
    windows, start = [], 0
    while len(audio) - start > size:
        search_from = start + size - int(search_s * SAMPLE_RATE)
        frames = audio[search_from : start + size]
        usable = len(frames) // _QUIET_FRAME * _QUIET_FRAME
        energy = np.square(frames[:usable].reshape(-1, _QUIET_FRAME)).mean(axis=1)
        cut = search_from + int(np.argmin(energy)) * _QUIET_FRAME + _QUIET_FRAME // 2
        windows.append((start, cut))
        start = cut
    windows.append((start, len(audio)))
    return windows
