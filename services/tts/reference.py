"""The reference clip of a voice to clone or match: decoded from any accepted format, its speech
measured with Silero VAD (3 to 10 s wanted), and its median pitch read with Praat."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.common import media
from services.common.errors import InvalidRequestError

RATE = media.SAMPLE_RATE


@dataclass(frozen=True)
class Reference:
    path: Path
    """The clip as sent, on disk (F5-TTS reads it from a file)."""
    samples: np.ndarray
    """Mono float32 at 16 kHz."""
    speech_s: float


def speech_seconds(samples: np.ndarray) -> float:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=300))
    return sum(span["end"] - span["start"] for span in spans) / RATE


def read_reference(data: bytes, folder: Path, shortest_s: float, longest_s: float) -> Reference:
    """The checked reference, kept in `folder`; 400 for one that is not audio or holds too little or
    too much speech."""
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".reference", delete=False) as sink:
        sink.write(data)
        path = Path(sink.name)
    try:
        samples = media.decode(path)
    except media.MediaError as exc:
        raise InvalidRequestError(f"the reference clip: {exc}") from exc
    speech = speech_seconds(samples)
    if speech == 0:
        raise InvalidRequestError("the reference clip holds no speech")
    if not shortest_s <= speech <= longest_s:
        raise InvalidRequestError(
            f"the reference clip holds {speech:.1f} s of speech; {shortest_s:g} to {longest_s:g} s are needed"
        )
    return Reference(path, samples, speech)


def median_pitch(samples: np.ndarray, rate: int) -> float:
    """The median F0 of the voiced frames in Hz (0 when nothing is voiced)."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=rate)
    pitch = call(sound.to_pitch(), "Get quantile", 0, 0, 0.5, "Hertz")
    return 0.0 if np.isnan(pitch) else float(pitch)


def matched_pitch(samples: np.ndarray, rate: int, target_hz: float) -> np.ndarray:
    """`samples` with their median pitch moved to `target_hz` (Praat's "Change gender": pitch and
    formants shifted together, duration kept). Matching a voice's pitch, not cloning the voice."""
    import parselmouth
    from parselmouth.praat import call

    source_hz = median_pitch(samples, rate)
    if source_hz <= 0 or target_hz <= 0:
        return samples
    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=rate)
    formant_shift = float(np.clip((target_hz / source_hz) ** 0.5, 0.8, 1.25))
    changed = call(sound, "Change gender", 75, 600, formant_shift, target_hz, 1.0, 1.0)
    out = np.asarray(changed.values[0], dtype=np.float32)
    return out[: len(samples)] if len(out) >= len(samples) else np.pad(out, (0, len(samples) - len(out)))
