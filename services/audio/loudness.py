"""Integrated loudness (ITU-R BS.1770-4, the measure of EBU R128) of a mono signal fed a chunk at a
time, so an hour is measured in the memory of one chunk: K-weighting filters that keep their state
between chunks, the mean square of every 100 ms, then 400 ms blocks overlapping by 75% and the
absolute (-70 LUFS) and relative (-10 LU) gates."""

from __future__ import annotations

import math

import numpy as np
from pyloudnorm.iirfilter import IIRfilter
from scipy.signal import lfilter, lfilter_zi

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SILENCE = -math.inf


def _lufs(mean_square: np.ndarray | float) -> np.ndarray | float:
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(mean_square)


class LoudnessMeter:
    def __init__(self, rate: int) -> None:
        self._rate = rate
        # The K-weighting of BS.1770: a high shelf (+4 dB above ~1.5 kHz, the head) and a high-pass
        # (~38 Hz), designed for this rate as pyloudnorm designs them.
        self._stages = [
            IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, rate, "high_shelf"),
            IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
        ]
        self._states = [lfilter_zi(stage.b, stage.a) * 0.0 for stage in self._stages]
        self._squares: list[float] = []
        """Sum of squared weighted samples in each completed 100 ms step."""
        self._open_sum = 0.0
        self._seen = 0
        self._first = 0
        """The first step measured (`forget_before`)."""

    def _step_end(self, index: int) -> int:
        return round(0.1 * (index + 1) * self._rate)

    def add(self, chunk: np.ndarray) -> None:
        weighted = np.asarray(chunk, dtype=np.float64)
        for number, stage in enumerate(self._stages):
            weighted, self._states[number] = lfilter(stage.b, stage.a, weighted, zi=self._states[number])
        start = 0
        while start < len(weighted):
            end = min(len(weighted), start + self._step_end(len(self._squares)) - self._seen)
            part = weighted[start:end]
            self._open_sum += float(np.dot(part, part))
            self._seen += len(part)
            start = end
            if self._seen == self._step_end(len(self._squares)):
                self._squares.append(self._open_sum)
                self._open_sum = 0.0

    @property
    def steps(self) -> int:
        """How many 100 ms steps are complete: a mark to measure from (`integrated`, `forget_before`)."""
        return len(self._squares)

    def forget_before(self, step: int) -> None:
        """From now on measures from `step` on, as if what came before had not been added."""
        self._first = step

    def integrated(self, since_step: int = 0) -> float:
        """The gated loudness in LUFS of what was added (from step `since_step` on); -inf for silence or
        under 400 ms."""
        steps = np.asarray(self._squares[max(self._first, since_step) :])
        if len(steps) < 4:
            return SILENCE
        windows = np.lib.stride_tricks.sliding_window_view(steps, 4).sum(axis=1) / (0.4 * self._rate)
        loud = windows[_lufs(windows) >= ABSOLUTE_GATE_LUFS]
        if not len(loud):
            return SILENCE
        relative_gate = float(_lufs(loud.mean())) + RELATIVE_GATE_LU
        kept = loud[_lufs(loud) >= relative_gate]
        return float(_lufs(kept.mean()))
