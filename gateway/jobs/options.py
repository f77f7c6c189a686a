"""What a job is asked to do, kept with it in the queue: the fields of `/v1/transcribe`."""

from __future__ import annotations

from pydantic import BaseModel

from stt.v1 import asr_pb2


class JobOptions(BaseModel):
    model: str = ""
    language: str = "auto"
    diarize: bool = True
    speakers: int = 0
    min_speakers: int = 0
    max_speakers: int = 0
    enhance: bool = False
    filename: str = ""

    def config(self) -> asr_pb2.TranscribeConfig:
        return asr_pb2.TranscribeConfig(
            model=self.model,
            language=self.language,
            diarize=self.diarize,
            speakers=self.speakers,
            min_speakers=self.min_speakers,
            max_speakers=self.max_speakers,
            filename=self.filename,
        )
