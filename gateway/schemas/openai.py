"""The answers of the OpenAI-compatible audio routes, in OpenAI's shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OpenAiTranscription(BaseModel):
    text: str


class OpenAiSegment(BaseModel):
    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int] = Field(description="Always empty here")
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float


class OpenAiWord(BaseModel):
    word: str
    start: float
    end: float


class OpenAiVerboseTranscription(BaseModel):
    task: str = Field(description="`transcribe` or `translate`")
    language: str = Field(description="The language's English name, as OpenAI writes it (`english`)")
    duration: float
    text: str
    segments: list[OpenAiSegment]
    words: list[OpenAiWord] | None = Field(default=None, description="With `timestamp_granularities[]=word`")
