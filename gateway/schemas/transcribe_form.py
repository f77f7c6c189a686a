"""The form fields of a file transcription (`POST /v1/transcribe`, and a job's `POST
/api/v1/transcripts/`), checked, and the ASR config they ask for. A job keeps them in the queue and
the gateway that runs it reads them back with this same model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.messages import filled
from stt.v1 import asr_pb2

ResponseFormat = Literal["json", "verbose_json", "txt", "text", "srt", "vtt"]


class TranscribeForm(BaseModel):
    """The form fields of `POST /v1/transcribe` besides `file`."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(
        default="", max_length=100, description="Model id; empty means the deployment's default"
    )
    language: str = Field(default="auto", max_length=10, description="ISO 639-1 code, or `auto` to detect")
    diarize: bool = Field(default=True, description="Speaker diarization")
    speakers: int = Field(default=0, ge=0, le=32, description="Expected number of speakers, 0 = detect")
    min_speakers: int = Field(
        default=0, ge=0, le=32, description="With `speakers` 0: the fewest speakers to find, 0 = no bound"
    )
    max_speakers: int = Field(
        default=0, ge=0, le=32, description="With `speakers` 0: the most speakers to find, 0 = no bound"
    )
    response_format: ResponseFormat = "json"
    enhance: bool = Field(
        default=False, description="Remove noise first (the audio service, DeepFilterNet3), then transcribe"
    )

    @model_validator(mode="after")
    def _bounds_allow_a_count(self) -> TranscribeForm:
        if 0 < self.max_speakers < self.min_speakers:
            raise ValueError(
                f"min_speakers ({self.min_speakers}) is more than max_speakers ({self.max_speakers})"
            )
        return self

    def config(self, filename: str) -> asr_pb2.TranscribeConfig:
        """What the ASR service is asked (`enhance` is the gateway's own step)."""
        return filled(asr_pb2.TranscribeConfig, self, filename=filename)
