"""The service's runtime: a file in, a WAV out, in bounded memory whatever its length.

1. Decode to 48 kHz (the denoiser's rate) a block at a time, measuring the input's loudness; denoise;
   resample to the answer's rate (without denoising: decode straight at that rate); keep that on disk
   (float32) and measure its loudness.
2. The gain that brings it to the target loudness (at most `max_gain_db`; none for silence).
3. Apply it under the true-peak limiter, block by block, into the WAV, measuring what comes out; when
   the limiter took enough off to leave the answer short of the target, raise the gain and write it
   again (at most three times).

Loudness must be known for the whole file before its first sample is scaled, so the answer is sent
once the file is done; it then streams from disk.

A streamed enhancement (`RunningEnhancement`) sends each block as soon as it is cleaned instead:
its gain follows the loudness of the cleaned audio so far (ramped across each block, so it never
jumps), raised by what the limiter takes off that block (tried on it first), under the same limiter
run over the stream. A block of speech at a new level (more than 6 LU from all before it, and not a
pause) starts that measure again and moves the gain at once, so each level is brought to the target
rather than the whole file by one gain: the answer lands on target where the level changes, but keeps
less of the change than the whole answer does. What it reached is known only at the end."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from services.audio import denoise
from services.audio.loudness import SILENCE, LoudnessMeter
from services.audio.peaks import RunningLimiter, RunningTruePeak, db_to_gain, gain_to_db, limited
from services.audio.settings import AudioSettings
from services.common import media, wav
from services.common.errors import InvalidRequestError, ServiceError
from stt.v1 import audio_pb2

_SHORTFALL_LU = 0.2
"""An answer this far under the target after limiting gets its gain raised and is written again."""
_MAX_REWRITES = 3
_LEVEL_CHANGE_LU = 6.0
"""A streamed block this much louder or quieter than all the cleaned audio before it is speech at a
new level: the running measure starts again from it, and its gain moves at once (`_NEW_LEVEL_RAMP_S`)
instead of across the block. Blocks of even speech differ from what came before by up to about 4 LU."""
_PAUSE_LU = 12.0
"""A block more than this much quieter than before is taken for a pause (room tone, what noise the
denoiser left), not a new level: it never restarts the measure, so no pause is raised toward the
target. Speech that drops further than this keeps the lagging gain."""
_NEW_LEVEL_RAMP_S = 0.5


class StoppedError(ServiceError):
    """The caller went away: the work stopped at the next block."""


@dataclass(frozen=True)
class EnhanceOptions:
    target_lufs: float
    true_peak_db: float
    sample_rate: int
    """0: the input's own rate."""
    encoding: int
    denoise: bool


@dataclass(frozen=True)
class Measured:
    duration: float
    sample_rate: int
    encoding: int
    model: str
    input_loudness: float
    output_loudness: float
    output_true_peak: float
    processing_seconds: float


@dataclass(frozen=True)
class Enhanced(Measured):
    path: Path
    """The WAV file, in the work folder."""


class _FloatSpool:
    """A mono float32 signal on disk, written in order and read back by range."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.samples = 0

    def append(self, block: np.ndarray) -> None:
        with self.path.open("ab") as sink:
            sink.write(block.astype("<f4").tobytes())
        self.samples += len(block)

    def read(self, start: int, end: int) -> np.ndarray:
        with self.path.open("rb") as source:
            source.seek(start * 4)
            return np.fromfile(source, dtype="<f4", count=max(0, end - start))


def answer_rate(upload: Path, options: EnhanceOptions) -> int:
    return options.sample_rate or media.source_rate(upload)


def _resampled(blocks: Iterator[np.ndarray], rate: int, out_rate: int) -> Iterator[np.ndarray]:
    if rate == out_rate:
        yield from blocks
        return
    resampler = av.AudioResampler(format="flt", layout="mono", rate=out_rate)
    for block in _with_end(blocks):
        if block is not None and not len(block):
            continue  # the denoiser may hold a whole block back; FFmpeg refuses an empty frame
        frame = None
        if block is not None:
            frame = av.AudioFrame.from_ndarray(
                block.reshape(1, -1).astype(np.float32), format="flt", layout="mono"
            )
            frame.sample_rate = rate
        for out in resampler.resample(frame):
            yield out.to_ndarray().reshape(-1)


def _with_end(blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray | None]:
    """The blocks, then None (which flushes what the resampler holds)."""
    yield from blocks
    yield None


class Enhancer:
    def __init__(self, settings: AudioSettings) -> None:
        self.settings = settings
        self._denoiser = denoise.Denoiser(settings.attenuation_limit_db)
        self._loaded = False

    @property
    def ready(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self._denoiser.check()
        self._loaded = True

    def close(self) -> None:
        self._loaded = False

    def options_of(self, asked: audio_pb2.EnhanceOptions) -> EnhanceOptions:
        """The caller's options with the defaults filled in; 400 for one out of range."""
        target = asked.target_lufs or self.settings.target_lufs
        ceiling = asked.true_peak_db or self.settings.true_peak_db
        if not -70.0 <= target <= -5.0:
            raise InvalidRequestError(f"target loudness {target} LUFS is out of range (-70 to -5)")
        if not -20.0 <= ceiling <= 0.0:
            raise InvalidRequestError(f"true-peak limit {ceiling} dBTP is out of range (-20 to 0)")
        if asked.sample_rate and not 8000 <= asked.sample_rate <= 192_000:
            raise InvalidRequestError(f"sample rate {asked.sample_rate} Hz is out of range (8000 to 192000)")
        encoding = asked.encoding or audio_pb2.PCM_16
        return EnhanceOptions(target, ceiling, asked.sample_rate, encoding, not asked.skip_denoise)

    def cleaned(
        self, upload: Path, out_rate: int, options: EnhanceOptions, cancelled: threading.Event
    ) -> tuple[LoudnessMeter, Iterator[np.ndarray]]:
        """The meter of the input's loudness (complete once the blocks are), and the input denoised
        and resampled to `out_rate`, a block at a time."""
        # Decoded at the denoiser's rate, or straight at the answer's when there is no denoising.
        rate = denoise.RATE if options.denoise else out_rate
        heard = LoudnessMeter(rate)

        def decoded() -> Iterator[np.ndarray]:
            blocks = media.decode_blocks(upload, rate, allow_empty=True)
            for block in blocks:
                if cancelled.is_set():
                    raise StoppedError("the caller went away")
                heard.add(block)
                yield block

        cleaned = self._denoiser.run(decoded()) if options.denoise else decoded()
        return heard, _resampled(cleaned, rate, out_rate)

    def enhance(
        self, upload: Path, work: Path, options: EnhanceOptions, cancelled: threading.Event
    ) -> Enhanced:
        started = time.perf_counter()
        out_rate = answer_rate(upload, options)
        heard, cleaned = self.cleaned(upload, out_rate, options, cancelled)
        spool = _FloatSpool(work / "cleaned.f32")
        cleaned_meter = LoudnessMeter(out_rate)
        for block in cleaned:
            cleaned_meter.add(block)
            spool.append(block)
        loudness = cleaned_meter.integrated()
        most = self.settings.max_gain_db
        gain_db = 0.0 if loudness == SILENCE else min(most, options.target_lufs - loudness)
        path = work / "enhanced.wav"
        output_loudness, peak = self._write(spool, out_rate, gain_db, options, path)
        # The limiter gives back only part of each decibel added: aim again along the slope seen.
        slope = 1.0
        for _ in range(_MAX_REWRITES):
            shortfall = options.target_lufs - output_loudness
            if not math.isfinite(output_loudness) or shortfall <= _SHORTFALL_LU or gain_db >= most:
                break
            previous_gain, previous_loudness = gain_db, output_loudness
            gain_db = min(most, gain_db + shortfall / slope)
            output_loudness, peak = self._write(spool, out_rate, gain_db, options, path)
            slope = max(0.1, (output_loudness - previous_loudness) / (gain_db - previous_gain))
        return Enhanced(
            path=path,
            duration=spool.samples / out_rate,
            sample_rate=out_rate,
            encoding=options.encoding,
            model=denoise.MODEL if options.denoise else "none",
            input_loudness=heard.integrated(),
            output_loudness=output_loudness,
            output_true_peak=gain_to_db(peak),
            processing_seconds=time.perf_counter() - started,
        )

    def _write(
        self, spool: _FloatSpool, rate: int, gain_db: float, options: EnhanceOptions, path: Path
    ) -> tuple[float, float]:
        """Writes the WAV at `gain_db` under the limiter; its loudness and its highest true peak."""
        gain = db_to_gain(gain_db)
        meter, peaks = LoudnessMeter(rate), RunningTruePeak()
        block = max(1, int(self.settings.block_s * rate))
        with path.open("wb") as sink:
            floats = options.encoding == audio_pb2.FLOAT_32
            sink.write(wav.header(spool.samples, rate, floats))
            ceiling = db_to_gain(options.true_peak_db)
            for out in limited(lambda a, b: spool.read(a, b) * gain, spool.samples, rate, ceiling, block):
                meter.add(out)
                peaks.add(out)
                wav.write_block(sink, out, floats)
        return meter.integrated(), peaks.finish()


class RunningEnhancement:
    """One file enhanced and sent as it goes: `blocks` yields the answer's samples as they are made
    (run it on one thread: the denoiser's runtime may not change threads), then `figures` holds what
    was measured."""

    def __init__(
        self, enhancer: Enhancer, upload: Path, options: EnhanceOptions, cancelled: threading.Event
    ) -> None:
        self._enhancer = enhancer
        self._upload, self._options, self._cancelled = upload, options, cancelled
        self.sample_rate = answer_rate(upload, options)
        self.model = denoise.MODEL if options.denoise else "none"
        self.figures: Measured | None = None

    def blocks(self) -> Generator[np.ndarray, None, None]:
        started = time.perf_counter()
        options = self._options
        rate = self.sample_rate
        heard, cleaned = self._enhancer.cleaned(self._upload, rate, options, self._cancelled)
        most = self._enhancer.settings.max_gain_db
        so_far, sent = LoudnessMeter(rate), LoudnessMeter(rate)
        ceiling = db_to_gain(options.true_peak_db)
        limiter = RunningLimiter(rate, ceiling)
        gain_db: float | None = None  # none until some sound was measured: silence needs no gain
        limited_off = 0.0  # the loudness the limiter took off the last block
        loudness = SILENCE  # of the cleaned audio measured so far
        samples, peaks = 0, RunningTruePeak()
        for block in _with_end(cleaned):
            if block is None:
                out = limiter.finish()
            else:
                before, block_start = loudness, so_far.steps
                so_far.add(block)
                new_level = _is_new_level(so_far.integrated(since_step=block_start), before)
                if new_level:
                    so_far.forget_before(block_start)
                loudness = so_far.integrated()
                aim = gain_db
                ramp = int(_NEW_LEVEL_RAMP_S * rate) if new_level else len(block)
                if loudness != SILENCE:
                    # The limiter takes loudness off the peaks, more the more gain there is: each
                    # block is tried under it and the gain raised by what it took, twice.
                    wanted = options.target_lufs - loudness
                    for _ in range(2):
                        aim = min(most, wanted + limited_off)
                        tried = _ramped(block, gain_db, aim, ramp)
                        limited_off = max(0.0, _loudness_taken(tried, rate, ceiling))
                    aim = min(most, wanted + limited_off)
                out = limiter.push(_ramped(block, gain_db, aim, ramp))
                gain_db = aim
            if len(out):
                sent.add(out)
                peaks.add(out)
                samples += len(out)
                yield out
        self.figures = Measured(
            duration=samples / rate,
            sample_rate=rate,
            encoding=options.encoding,
            model=self.model,
            input_loudness=heard.integrated(),
            output_loudness=sent.integrated(),
            output_true_peak=gain_to_db(peaks.finish()),
            processing_seconds=time.perf_counter() - started,
        )


def _ramped(block: np.ndarray, before_db: float | None, after_db: float | None, ramp: int) -> np.ndarray:
    """`block` under a gain moving evenly from `before_db` to `after_db` (None: no gain yet) over its
    first `ramp` samples, then held."""
    end = db_to_gain(after_db or 0.0)
    start = end if before_db is None else db_to_gain(before_db)
    ramp = max(1, min(ramp, len(block)))
    gains = np.full(len(block), end)
    gains[:ramp] = np.linspace(start, end, ramp)
    return np.asarray(block * gains, dtype=np.float32)


def _is_new_level(block_lufs: float, before_lufs: float) -> bool:
    """Whether a block's loudness says the speech went on at another level (not a pause)."""
    if block_lufs == SILENCE or before_lufs == SILENCE:
        return False
    change = block_lufs - before_lufs
    return abs(change) > _LEVEL_CHANGE_LU and change > -_PAUSE_LU


def _loudness_taken(block: np.ndarray, rate: int, ceiling: float) -> float:
    """How much quieter (LU) the limiter makes `block` on its own; 0 when either is too short to measure."""
    before, after = LoudnessMeter(rate), LoudnessMeter(rate)
    before.add(block)
    after.add(next(limited(lambda a, b: block[a:b], len(block), rate, ceiling, max(1, len(block))), block))
    taken = before.integrated() - after.integrated()
    return taken if math.isfinite(taken) else 0.0
