"""True peaks (ITU-R BS.1770-4 annex 2: the signal 4x oversampled) and a look-ahead limiter that keeps
every true peak under a ceiling. Loudness normalisation alone lets speech peaks pass full scale (1.5x
at -16 LUFS was measured): the limiter takes them down, and only them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

OVERSAMPLING = 4
_RESAMPLER_EDGE = 64
"""Samples either side that the oversampling filter needs to be exact (its half-length is 10 input
samples at 4x; the rest is margin)."""
HOLD_S = 0.02
"""The gain starts down this long before a peak and stays down this long after it: slow enough not to
distort a voice, fast enough to leave the words around the peak alone."""
SMOOTHING_S = 0.01
MARGIN_DB = 0.05
"""Aimed this far under the ceiling: the gain varies across an oversampled peak, and 16-bit rounding
adds its half step."""


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def gain_to_db(gain: float) -> float:
    return float(20.0 * np.log10(gain)) if gain > 0 else float("-inf")


def true_peak_envelope(samples: np.ndarray) -> np.ndarray:
    """For each sample, the largest magnitude of the 4x oversampled signal from it to the next."""
    if not len(samples):
        return np.zeros(0)
    oversampled = np.abs(resample_poly(samples.astype(np.float64), OVERSAMPLING, 1))
    per_sample = oversampled[: len(samples) * OVERSAMPLING].reshape(-1, OVERSAMPLING).max(axis=1)
    return np.maximum(per_sample, np.abs(samples))


Reader = Callable[[int, int], np.ndarray]
"""Reads samples [start, end) of a signal that is on disk."""


def _context(rate: int) -> tuple[int, int, int]:
    """Samples of hold and of smoothing at `rate`, and the context either side a span needs."""
    hold = max(1, int(HOLD_S * rate))
    smoothing = max(1, int(SMOOTHING_S * rate))
    return hold, smoothing, hold + smoothing + _RESAMPLER_EDGE


def _limit_span(samples: np.ndarray, start: int, end: int, rate: int, ceiling: float) -> np.ndarray:
    """`samples[start:end]` under the limiter, the samples around the span being its context.

    The gain each sample needs (ceiling / its true peak, at most 1) is taken as the minimum over the
    hold either side, then averaged over the smoothing window: each averaged value is an average of
    minimums whose windows all hold that sample, so it never exceeds what the sample needs."""
    hold, smoothing, _ = _context(rate)
    peaks = true_peak_envelope(samples)
    with np.errstate(divide="ignore"):
        needed = np.minimum(1.0, ceiling * db_to_gain(-MARGIN_DB) / np.maximum(peaks, 1e-12))
    held = minimum_filter1d(needed, 2 * hold + 1, mode="nearest")
    gain = uniform_filter1d(held, smoothing, mode="nearest")
    gain = np.minimum(gain, needed)  # the edges of the samples, where the filters see less context
    return (samples * gain)[start:end].astype(np.float32)


def limited(read: Reader, total: int, rate: int, ceiling: float, block: int) -> Iterator[np.ndarray]:
    """The signal, a block at a time, with a gain that keeps every true peak at most `ceiling`."""
    context = _context(rate)[2]
    for start in range(0, total, block):
        end = min(total, start + block)
        first, last = max(0, start - context), min(total, end + context)
        yield _limit_span(read(first, last), start - first, end - first, rate, ceiling)


class _Spans:
    """A signal that arrives a block at a time, handed out in spans, each with the `context` samples
    handed out before it (the samples after it are those still waiting)."""

    def __init__(self, context: int) -> None:
        self._context = context
        self._before = np.zeros(0, dtype=np.float32)  # the last samples handed out
        self.waiting = np.zeros(0, dtype=np.float32)  # samples not yet handed out

    def push(self, block: np.ndarray) -> None:
        self.waiting = np.concatenate([self.waiting, block.astype(np.float32)])

    def take(self, count: int) -> tuple[np.ndarray, int] | None:
        """The next `count` samples (None if there are none) as the samples around them and where in
        those they start."""
        if count <= 0:
            return None
        samples = np.concatenate([self._before, self.waiting])
        start = len(self._before)
        self._before = samples[max(0, start + count - self._context) : start + count]
        self.waiting = self.waiting[count:]
        return samples, start


class RunningLimiter:
    """The same limiter over a signal that arrives a block at a time: each block comes out limited
    once the context after it has arrived, so the output lags the input by a few milliseconds."""

    def __init__(self, rate: int, ceiling: float) -> None:
        self._rate, self._ceiling = rate, ceiling
        self._context = _context(rate)[2]
        self._spans = _Spans(self._context)

    def push(self, block: np.ndarray) -> np.ndarray:
        """What can be sent of everything pushed so far."""
        self._spans.push(block)
        return self._send(len(self._spans.waiting) - self._context)

    def finish(self) -> np.ndarray:
        return self._send(len(self._spans.waiting))

    def _send(self, count: int) -> np.ndarray:
        span = self._spans.take(count)
        if span is None:
            return np.zeros(0, dtype=np.float32)
        samples, start = span
        return _limit_span(samples, start, start + count, self._rate, self._ceiling)


class RunningTruePeak:
    """The highest true peak of a signal that comes a block at a time. Each sample is measured with the
    samples either side of it: a block measured alone rings at its cut edges, and one 80 s answer
    read 0.5 dB over the peak its samples have in context."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._spans = _Spans(_RESAMPLER_EDGE)

    def add(self, block: np.ndarray) -> None:
        self._spans.push(block)
        self._measure(len(self._spans.waiting) - _RESAMPLER_EDGE)

    def finish(self) -> float:
        """The peak of the whole signal (its last samples measured against the silence after it)."""
        self._measure(len(self._spans.waiting))
        return self.peak

    def _measure(self, count: int) -> None:
        span = self._spans.take(count)
        if span is not None:
            samples, start = span
            self.peak = max(self.peak, float(true_peak_envelope(samples)[start : start + count].max()))
