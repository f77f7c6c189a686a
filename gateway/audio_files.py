"""The formats besides WAV that the gateway writes from PCM, encoded with PyAV (the FFmpeg it bundles)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

CONTAINERS = {"flac": ("flac", "flac", "audio/flac"), "mp3": ("mp3", "libmp3lame", "audio/mpeg"),
              "opus": ("ogg", "libopus", "audio/ogg"), "aac": ("adts", "aac", "audio/aac")}  # fmt: skip
PCM_RATE = 24_000
"""Raw PCM answers are 16-bit mono at 24 kHz, the rate OpenAI's clients play them at."""
OPUS_RATE = 48_000  # the only rates Opus takes are 8, 12, 16, 24 and 48 kHz


_WAV_HEADER_BYTES = 44


def _resampled(source_wav: Path, rate: int, sample_format: str, out_rate: int) -> list[av.AudioFrame]:
    """A mono 16-bit WAV (its plain 44-byte header) as frames in `sample_format` at `out_rate`."""
    samples = np.fromfile(source_wav, dtype="<i2", offset=_WAV_HEADER_BYTES)
    resampler = av.AudioResampler(format=sample_format, layout="mono", rate=out_rate)
    frames = []
    if len(samples):  # text with nothing to say (")") gives no speech; FFmpeg refuses an empty frame
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        frames = resampler.resample(frame)
    return [*frames, *resampler.resample(None)]


def raw_pcm(source_wav: Path, rate: int, out: Path) -> None:
    """A mono 16-bit WAV as headerless little-endian PCM at `PCM_RATE`."""
    frames = _resampled(source_wav, rate, "s16", PCM_RATE)
    out.write_bytes(b"".join(frame.to_ndarray().astype("<i2").tobytes() for frame in frames))


def encode_pcm(source_wav: Path, rate: int, audio_format: str, out: Path) -> None:
    """Encodes a mono 16-bit WAV into `audio_format` (flac, mp3, opus, aac)."""
    container, codec, _ = CONTAINERS[audio_format]
    out_rate = OPUS_RATE if audio_format == "opus" else rate
    with av.open(str(out), "w", format=container) as sink:
        stream = sink.add_stream(codec, rate=out_rate, layout="mono")
        assert isinstance(stream, av.audio.stream.AudioStream)
        for resampled in _resampled(source_wav, rate, stream.format.name, out_rate):
            for packet in stream.encode(resampled):
                sink.mux(packet)
        for packet in stream.encode(None):
            sink.mux(packet)
    out.touch()  # with no audio at all the muxer writes no file: the answer is then an empty one
