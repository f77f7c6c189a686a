"""Several distinct voices from the one packaged Piper voice: played faster or slower, a recording's
pitch and timbre move enough that a speaker encoder tells them apart (CAM++: about 0.5 cosine between
1.5 s pieces of A, B and C, 0.85 to 0.9 within one; D, at 0.65, is nearer C). Conversations made of
them have an exact speaker timeline: each line's speech as Silero VAD finds it, without padding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from testbed.media import read_wav, synthesize, write_wav

RATE = 16_000
VOICES = {"A": 1.0, "B": 1.3, "C": 0.8, "D": 0.65}


def _resample(samples: np.ndarray, factor: float) -> np.ndarray:
    positions = np.arange(0, len(samples) - 1, factor)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def speak(text: str, voice: str, folder: Path, name: str) -> np.ndarray:
    samples, rate = read_wav(synthesize(text, folder / f"{name}.wav"))
    return _resample(_resample(samples, rate / RATE), VOICES[voice])


@dataclass(frozen=True)
class Conversation:
    path: Path
    turns: list[tuple[float, float, str]]
    """(start, end, voice) of the speech in each turn, found by VAD inside the turn."""
    text: str

    @property
    def voices(self) -> list[str]:
        return list(dict.fromkeys(v for _, _, v in self.turns))


def conversation(lines: list[tuple[str, str]], folder: Path, pause_s: float = 0.6) -> Conversation:
    """The lines spoken one after another with `pause_s` between them; a negative pause makes each
    line start that long before the previous one ends (overlapping speech, mixed)."""
    placed: list[tuple[int, np.ndarray]] = []
    turns: list[tuple[float, float, str]] = []
    offset = 0
    for index, (voice, text) in enumerate(lines):
        audio = speak(text, voice, folder, f"line{index}")
        start = max(0, offset)
        for region in get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=30)):
            turns.append(((start + region["start"]) / RATE, (start + region["end"]) / RATE, voice))
        placed.append((start, audio))
        offset = start + len(audio) + int(pause_s * RATE)
    mixed = np.zeros(max(s + len(a) for s, a in placed) + int(max(pause_s, 0) * RATE), dtype=np.float32)
    for start, audio in placed:
        mixed[start : start + len(audio)] += audio
    path = write_wav(mixed, RATE, folder / "conversation.wav")
    return Conversation(path, sorted(turns), " ".join(text for _, text in lines))
