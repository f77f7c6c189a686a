"""Speech mixed with noise at a known signal-to-noise ratio, and the measures the enhancement tests
and benchmarks read: SI-SDR, true peak (by FFT oversampling, a different method from the service's
polyphase one) and the delay between two signals."""

from __future__ import annotations

import numpy as np
from scipy.signal import correlate, resample


def pink_with_hum(samples: int, rate: int, seed: int) -> np.ndarray:
    """Pink noise (1/f: traffic, ventilation) with a 60 Hz mains hum and its harmonics."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.normal(0, 1, samples))
    frequencies = np.fft.rfftfreq(samples, 1 / rate)
    spectrum[1:] /= np.sqrt(frequencies[1:])
    pink = np.fft.irfft(spectrum, samples)
    seconds = np.arange(samples) / rate
    hum = sum(np.sin(2 * np.pi * 60 * k * seconds) / k for k in (1, 2, 3))
    noise = pink / pink.std() + 0.5 * hum / hum.std()
    return noise.astype(np.float32)


def white(samples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 1, samples).astype(np.float32)


def mixed(speech: np.ndarray, noise: np.ndarray, snr_db: float, peak: float = 0.5) -> np.ndarray:
    """`speech` plus `noise` scaled to `snr_db` below it, the sum scaled to `peak` (below full scale)."""
    scaled = noise * np.sqrt(np.mean(speech**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    total = speech + scaled
    return (total * peak / np.abs(total).max()).astype(np.float32)


def si_sdr(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Scale-invariant signal-to-distortion ratio (dB) of `estimate` against `reference`."""
    length = min(len(estimate), len(reference))
    estimate, reference = estimate[:length].astype(np.float64), reference[:length].astype(np.float64)
    target = np.dot(estimate, reference) / np.dot(reference, reference) * reference
    return float(10 * np.log10(np.sum(target**2) / np.sum((estimate - target) ** 2)))


def true_peak_db(samples: np.ndarray) -> float:
    """The highest peak of the signal 4x oversampled through the FFT, silence around it (the FFT treats
    a signal as periodic: without it, the jump from the last sample back to the first would ring)."""
    padded = np.pad(samples.astype(np.float64), 4096)
    oversampled = resample(padded, len(padded) * 4)
    return float(20 * np.log10(np.abs(oversampled).max()))


def delay(signal: np.ndarray, reference: np.ndarray) -> int:
    """Samples by which `signal` lags `reference` (negative: it leads)."""
    length = min(len(signal), len(reference))
    scores = correlate(signal[:length], reference[:length], mode="full", method="fft")
    return int(np.argmax(scores)) - (length - 1)
