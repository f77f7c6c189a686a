"""Who is active when, locally: pyannote's segmentation-3.0 over 10 s chunks.

For each chunk the model says, every 16.9 ms, which of up to three local speakers talk (two at once at
most: overlap is part of its output). Local speakers are consistent inside one chunk only; the
clustering step names them across the recording. Chunks overlap by `step_s`, so every moment is judged
with context on both sides, and the audio is read one batch of chunks at a time (an hour costs the
memory of a batch).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from services.common.media import SAMPLE_RATE, Samples

_BATCH = 8


@dataclass(frozen=True)
class FrameGrid:
    """The model's output frames in recording time: frame i is centred on `centre(i)`."""

    start: float
    duration: float
    step: float

    def centre(self, index: np.ndarray | int) -> np.ndarray | float:
        return self.start + self.duration / 2 + np.asarray(index) * self.step

    def index(self, seconds: float) -> int:
        return max(0, round((seconds - self.start - self.duration / 2) / self.step))


@dataclass
class LocalActivity:
    """The segmentation of a recording: per chunk, per frame, which local speakers are active."""

    chunk_s: float
    chunk_starts: np.ndarray
    """Start of each chunk, in seconds."""
    chunk_offsets: np.ndarray
    """Global frame index of each chunk's first frame."""
    active: np.ndarray
    """(chunks, frames per chunk, local speakers), bool."""
    grid: FrameGrid
    total_frames: int


def _powerset_to_speakers(classes: int, most_at_once: int) -> np.ndarray:
    """The model's classes (no one; each speaker alone; each pair) as rows of local-speaker flags."""
    rows = [
        [speaker in subset for speaker in range(classes)]
        for size in range(most_at_once + 1)
        for subset in combinations(range(classes), size)
    ]
    return np.asarray(rows, dtype=bool)


def chunk_starts(duration_s: float, chunk_s: float, step_s: float) -> np.ndarray:
    """Chunk starts covering the recording; the last chunk ends where the recording ends."""
    if duration_s <= chunk_s:
        return np.zeros(1)
    starts = np.arange(0.0, duration_s - chunk_s, step_s)
    return np.append(starts, duration_s - chunk_s)


class Segmenter:
    def __init__(self, model: Any, payload: dict[str, Any], device: str, step_s: float) -> None:
        import torch

        self._torch = torch
        self._model = model
        self._device = device
        config = payload["model"]
        self.chunk_s = float(payload["inference"]["duration"])
        self.step_s = step_s
        self.grid = FrameGrid(float(config["frame_start"]), float(config["frame_duration"]),
                              float(config["frame_step"]))  # fmt: skip
        self._speakers = _powerset_to_speakers(config["num_regular_classes"], config["powerset_max_classes"])
        self._chunk_samples = int(self.chunk_s * SAMPLE_RATE)

    def _batch(self, audio: Samples, starts: np.ndarray) -> np.ndarray:
        pieces = []
        for start in starts:
            first = round(start * SAMPLE_RATE)
            piece = audio[first : first + self._chunk_samples]
            pieces.append(np.pad(piece, (0, self._chunk_samples - len(piece))))
        batch = self._torch.from_numpy(np.stack(pieces).astype(np.float32))[:, None, :].to(self._device)
        with self._torch.inference_mode():
            classes = self._model(batch).argmax(dim=-1).cpu().numpy()
        return np.asarray(self._speakers[classes])

    def run(self, audio: Samples) -> LocalActivity:
        duration = len(audio) / SAMPLE_RATE
        starts = chunk_starts(duration, self.chunk_s, self.step_s)
        active = np.concatenate(
            [self._batch(audio, starts[i : i + _BATCH]) for i in range(0, len(starts), _BATCH)]
        )
        offsets = np.asarray([round(s / self.grid.step) for s in starts], dtype=int)
        total = max(self.grid.index(duration) + 1, int(offsets[-1]) + active.shape[1])
        return LocalActivity(self.chunk_s, starts, offsets, active, self.grid, total)
