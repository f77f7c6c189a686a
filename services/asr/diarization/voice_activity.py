"""Where a recording has speech at all, by Silero VAD, for trimming the speaker timeline.

segmentation-3.0 carries one speaker through their own pauses of up to about a second (a 1.2 s gap of
digital silence between two read sentences came out as speech at 0.8 probability) and into the quiet
before the first words of a chunk; a speaker's turn then covers silence. Silero, a model of speech
alone, places those edges; the segmentation still decides who speaks and when two overlap.
"""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from services.asr.diarization.segmentation import FrameGrid
from services.common.media import SAMPLE_RATE, Samples

_BLOCK_S = 300
"""Silero reads this much audio at once (it copies what it reads): an hour takes a block's memory."""
_BLOCK_OVERLAP_S = 1
"""Blocks overlap by this much, so speech across a block's edge is heard with context on both sides."""


def speech_frames(
    audio: Samples, grid: FrameGrid, total_frames: int, pad_s: float, min_silence_ms: int
) -> np.ndarray:
    """(total_frames,) bool: the frames within `pad_s` of speech that Silero hears, where speech
    resumed after less than `min_silence_ms` counts as unbroken."""
    heard = np.zeros(total_frames, dtype=bool)
    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=0)
    block, overlap = _BLOCK_S * SAMPLE_RATE, _BLOCK_OVERLAP_S * SAMPLE_RATE
    for first in range(0, max(1, len(audio)), block):
        start = max(0, first - overlap)
        for region in get_speech_timestamps(audio[start : first + block + overlap], options):
            begin = grid.index((start + region["start"]) / SAMPLE_RATE - pad_s)
            end = grid.index((start + region["end"]) / SAMPLE_RATE + pad_s)
            heard[min(begin, total_frames) : min(end + 1, total_frames)] = True
    return heard
