"""The service's runtime: checks a request, picks the voice (cloned, pitch-matched or built-in) and
speaks the text sentence by sentence."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.common.errors import InputTooLargeError, InvalidRequestError, NotInstalledError
from services.common.text_pieces import split_text
from services.tts.reference import Reference, matched_pitch, median_pitch, read_reference
from services.tts.settings import TtsSettings
from services.tts.voices import F5Voice, PiperVoice
from stt.v1 import tts_pb2

_UNSPEAKABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters: nothing to say, and espeak (under Piper) refuses a NUL outright."""
_HEADROOM = 10 ** (-1 / 20)
"""Piper writes to full scale: each sentence is scaled to -1 dBFS, so no codec clips it."""


@dataclass(frozen=True)
class Plan:
    """How one request is spoken, decided before any audio is made."""

    sentences: list[str]
    speed: float
    model: str
    rate: int
    cloned: bool
    matching: str
    reference: Reference | None
    reference_text: str
    target_pitch_hz: float


class Synthesizer:
    def __init__(self, settings: TtsSettings) -> None:
        self.settings = settings
        self.piper = PiperVoice(settings.piper_model)
        self.f5 = F5Voice(settings)
        self._loaded = False
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def ready(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self.piper.load()
        self.f5.load()
        self._loaded = True

    def close(self) -> None:
        self._loaded = False

    def voices(self) -> tts_pb2.Voices:
        return tts_pb2.Voices(
            builtin_model=self.piper.model,
            can_clone=self.f5.ready,
            clone_model=self.f5.model,
            clone_unavailable_reason="" if self.f5.ready else self.f5.unavailable,
        )

    def plan(self, request: tts_pb2.SynthesizeRequest, work: Path) -> Plan:
        """The checked request; 400 for bad text or a bad reference, 413 for too much text, 503
        (UNIMPLEMENTED) when cloning is required and cannot be done. Runs on a worker (it decodes)."""
        settings = self.settings
        text = _UNSPEAKABLE.sub(" ", request.text)
        if not text.strip():
            raise InvalidRequestError("the text is empty")
        if len(text) > settings.max_text_chars:
            raise InputTooLargeError(
                f"the text has {len(text)} characters; at most {settings.max_text_chars}"
            )
        speed = request.speed or 1.0
        if not 0.5 <= speed <= 2.0:
            raise InvalidRequestError(f"speed {speed} is out of range (0.5 to 2.0)")
        sentences = split_text(text, settings.max_sentence_chars).pieces
        wants_voice = bool(request.reference_audio) and request.clone != tts_pb2.CLONE_OFF
        if request.clone == tts_pb2.CLONE_REQUIRED and not request.reference_audio:
            raise InvalidRequestError("clone=required needs a reference clip")
        if request.clone == tts_pb2.CLONE_REQUIRED and not self.f5.ready:
            raise NotInstalledError(f"this deployment cannot clone voices: {self.f5.unavailable}")
        reference = None
        if wants_voice:
            reference = read_reference(
                request.reference_audio,
                work,
                settings.min_reference_speech_s,
                settings.max_reference_speech_s,
            )
        if reference is not None and self.f5.ready:
            if not request.reference_text.strip():
                raise InvalidRequestError("cloning needs the reference clip's transcript (reference_text)")
            return Plan(sentences, speed, self.f5.model, self.f5.rate, True, "", reference,
                        request.reference_text, 0.0)  # fmt: skip
        matching, pitch = "", 0.0
        if reference is not None and settings.voice_matching:
            pitch = median_pitch(reference.samples, 16_000)
            matching = "pitch" if pitch > 0 else ""
        return Plan(sentences, speed, self.piper.model, self.piper.rate, False, matching, None, "", pitch)

    def speak(self, plan: Plan, sentence: str) -> bytes:
        """One sentence as mono 16-bit PCM at the plan's rate."""
        if plan.cloned:
            assert plan.reference is not None
            audio = self.f5.speak(sentence, plan.speed, plan.reference.path, plan.reference_text)
        else:
            audio = self.piper.speak(sentence, plan.speed)
            if plan.matching:
                audio = matched_pitch(audio, plan.rate, plan.target_pitch_hz)
        peak = float(np.abs(audio).max()) if len(audio) else 0.0
        if peak > _HEADROOM:
            audio = audio * (_HEADROOM / peak)
        return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()

    def work_folder(self) -> Path:
        folder = self.settings.data_dir / "spool" / "tts"
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=folder))
