"""The enhancement's signal code without the model: the block-wise loudness meter agrees with
pyloudnorm, the limiter keeps true peaks under its ceiling and leaves quiet audio alone, the resampler
takes the empty blocks a denoiser may give, and the WAV header describes its data."""

from __future__ import annotations

import io

import numpy as np
import pyloudnorm
import pytest
import soundfile
from scipy.signal import butter, lfilter

from services.audio.enhancer import _is_new_level, _ramped, _resampled
from services.audio.loudness import SILENCE, LoudnessMeter
from services.audio.peaks import RunningLimiter, RunningTruePeak, db_to_gain, limited, true_peak_envelope
from services.common import wav
from testbed.noise import true_peak_db


def _speechlike(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Noise with a syllable-like envelope, band-limited like speech (little energy near Nyquist, where
    an ideal-sinc measure finds inter-sample peaks that the standard's 4x meter does not)."""
    rng = np.random.default_rng(seed)
    envelope = np.abs(np.sin(np.linspace(0, 3 * seconds, int(seconds * rate)))) ** 3
    b, a = butter(4, 0.4)
    return (lfilter(b, a, rng.normal(0, 0.4, int(seconds * rate))) * envelope).astype(np.float32)


@pytest.mark.parametrize("rate", [8000, 16_000, 22_050, 44_100, 48_000])
def test_the_meter_fed_in_odd_blocks_agrees_with_pyloudnorm(rate: int) -> None:
    signal = _speechlike(6.0, rate, seed=rate)
    meter = LoudnessMeter(rate)
    for start in range(0, len(signal), 7777):
        meter.add(signal[start : start + 7777])
    expected = pyloudnorm.Meter(rate).integrated_loudness(signal.astype(np.float64))
    assert meter.integrated() == pytest.approx(expected, abs=0.01)


def test_silence_and_too_short_audio_have_no_loudness() -> None:
    meter = LoudnessMeter(16_000)
    meter.add(np.zeros(32_000, np.float32))
    assert meter.integrated() == float("-inf")
    short = LoudnessMeter(16_000)
    short.add(np.ones(3000, np.float32) * 0.1)
    assert short.integrated() == float("-inf")


def test_the_limiter_keeps_every_true_peak_under_the_ceiling() -> None:
    rate = 16_000
    signal = _speechlike(5.0, rate, seed=1) * 8  # peaks far over full scale
    ceiling = db_to_gain(-1.0)
    out = np.concatenate(list(limited(lambda a, b: signal[a:b], len(signal), rate, ceiling, 5000)))
    assert len(out) == len(signal)
    assert true_peak_db(out) <= -1.0 + 0.02
    assert true_peak_db(signal) > 10


def test_the_limiter_leaves_audio_under_the_ceiling_untouched() -> None:
    quiet = _speechlike(3.0, 16_000, seed=2) * 0.1
    out = np.concatenate(list(limited(lambda a, b: quiet[a:b], len(quiet), 16_000, db_to_gain(-1.0), 4000)))
    assert np.array_equal(out, quiet)


@pytest.mark.parametrize("sizes", [[5000], [37, 900, 12_000], [1, 700, 3]])
def test_the_running_limiter_gives_what_the_limiter_gives(sizes: list[int]) -> None:
    """Fed in blocks of any size (here cycling through `sizes`), the running limiter's output is the
    limiter's over the whole signal."""
    rate = 16_000
    signal = _speechlike(2.0, rate, seed=3) * 8
    ceiling = db_to_gain(-1.0)
    whole = np.concatenate(list(limited(lambda a, b: signal[a:b], len(signal), rate, ceiling, 5000)))
    running, parts, start, turn = RunningLimiter(rate, ceiling), [], 0, 0
    while start < len(signal):
        size = sizes[turn % len(sizes)]
        parts.append(running.push(signal[start : start + size]))
        start, turn = start + size, turn + 1
    parts.append(running.finish())
    out = np.concatenate(parts)
    assert len(out) == len(signal)
    np.testing.assert_allclose(out, whole, atol=1e-6)


@pytest.mark.parametrize("sizes", [[4411], [37, 900, 12_000], [1, 700, 3]])
def test_the_running_true_peak_is_the_whole_signals_not_the_blocks_cut_edges(sizes: list[int]) -> None:
    """A loud tone cut into blocks: each block alone rings at its cut edges and reads over the tone's
    true peak; measured with its neighbours, the running peak is the whole signal's."""
    rate = 44_100
    tone = (0.9 * np.sin(2 * np.pi * 9_000 * np.arange(rate) / rate)).astype(np.float32)
    running, alone, start, turn = RunningTruePeak(), 0.0, 0, 0
    while start < len(tone):
        block = tone[start : start + sizes[turn % len(sizes)]]
        running.add(block)
        alone = max(alone, float(true_peak_envelope(block).max()))
        start, turn = start + len(block), turn + 1
    whole = float(true_peak_envelope(tone).max())
    assert running.finish() == pytest.approx(whole, abs=1e-6)
    assert alone > whole + 0.01


def test_the_resampler_skips_empty_blocks_and_keeps_the_length() -> None:
    blocks = [np.zeros(0, np.float32), np.full(48_000, 0.1, np.float32), np.zeros(0, np.float32)]
    out = np.concatenate(list(_resampled(iter(blocks), 48_000, 16_000)))
    assert len(out) == 16_000


@pytest.mark.parametrize(("floats", "subtype"), [(False, "PCM_16"), (True, "FLOAT")])
def test_the_wav_header_describes_its_data(floats: bool, subtype: str) -> None:
    samples = np.linspace(-0.5, 0.5, 1000, dtype=np.float32)
    sink = io.BytesIO()
    sink.write(wav.header(len(samples), 22_050, floats))
    wav.write_block(sink, samples, floats)
    read, rate = soundfile.read(io.BytesIO(sink.getvalue()), dtype="float32")
    with soundfile.SoundFile(io.BytesIO(sink.getvalue())) as info:
        assert (info.subtype, info.frames, rate) == (subtype, 1000, 22_050)
    assert np.allclose(read, samples, atol=1e-4)


def test_a_stream_of_unknown_length_is_read_to_its_end() -> None:
    samples = np.linspace(-0.5, 0.5, 2205, dtype=np.float32)
    sink = io.BytesIO()
    sink.write(wav.header(None, 22_050))
    wav.write_block(sink, samples)
    read, rate = soundfile.read(io.BytesIO(sink.getvalue()), dtype="float32")
    assert rate == 22_050 and len(read) == 2205


def test_a_streamed_block_at_a_new_level_is_told_from_even_speech_and_from_a_pause() -> None:
    assert _is_new_level(-18.0, -28.0)  # 10 dB louder
    assert _is_new_level(-37.0, -28.0)  # 9 dB quieter
    assert not _is_new_level(-31.5, -28.0) and not _is_new_level(-24.5, -28.0)  # even speech varies so
    assert not _is_new_level(-45.0, -28.0)  # a pause: what noise is left is never raised to the target
    assert not _is_new_level(SILENCE, -28.0) and not _is_new_level(-20.0, SILENCE)


def test_a_gain_ramp_moves_over_its_samples_then_holds() -> None:
    block = np.ones(10, np.float32)
    six_db = 20 * np.log10(2)
    np.testing.assert_allclose(_ramped(block, 0.0, six_db, 3), [1, 1.5, 2, 2, 2, 2, 2, 2, 2, 2], rtol=1e-6)
    np.testing.assert_allclose(_ramped(block, 0.0, six_db, 10), np.linspace(1, 2, 10), rtol=1e-6)
    np.testing.assert_allclose(_ramped(block, None, six_db, 3), np.full(10, 2.0), rtol=1e-6)


def test_the_meter_measures_from_a_mark_and_can_forget_what_came_before_it() -> None:
    rate = 16_000
    quiet, loud = _speechlike(6.0, rate, seed=1) * 0.5, _speechlike(6.0, rate, seed=2)  # within the gate
    meter, alone = LoudnessMeter(rate), LoudnessMeter(rate)
    meter.add(quiet)
    mark = meter.steps
    meter.add(loud)
    alone.add(loud)
    assert meter.integrated() < alone.integrated() - 1.0  # the quiet part counts
    assert meter.integrated(since_step=mark) == pytest.approx(alone.integrated(), abs=0.05)
    meter.forget_before(mark)
    assert meter.integrated() == pytest.approx(alone.integrated(), abs=0.05)
