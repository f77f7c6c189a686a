"""What `stt serve` reads from the environment, in one typed place: the data folder and the ports of the
processes it starts (0 picks a free one). Each process then reads its own settings class."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServeSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), validation_alias=AliasChoices("STT_DATA_DIR"))
    """The platform's data folder: database, spooled uploads, joined model weights."""
    gateway_port: int = Field(default=8000, validation_alias=AliasChoices("STT_PORT", "STT_GATEWAY_PORT"))
    """The gateway's HTTP port (`STT_PORT`)."""
    asr_port: int = Field(default=0, validation_alias=AliasChoices("STT_ASR_PORT"))
    embed_port: int = Field(default=0, validation_alias=AliasChoices("STT_EMBED_PORT"))
    llm_port: int = Field(default=0, validation_alias=AliasChoices("STT_LLM_PORT"))
    audio_port: int = Field(default=0, validation_alias=AliasChoices("STT_AUDIO_PORT"))
    tts_port: int = Field(default=0, validation_alias=AliasChoices("STT_TTS_PORT"))
    translate_port: int = Field(default=0, validation_alias=AliasChoices("STT_TRANSLATE_PORT"))
    llm_engine_port: int = Field(default=0, validation_alias=AliasChoices("STT_LLM_ENGINE_PORT"))
    """The llama.cpp engine's port (the LLM service is pointed at it)."""
