"""A transcript as the API answers it (`POST /v1/transcribe` with `json`, a stored transcript), and the
list of stored transcripts. Answers are built by `gateway/exports/transcript_json.py`; these models
document them in OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Word(BaseModel):
    word: str
    start: float
    end: float
    speaker: str | None = Field(default=None, description="Present when the transcript is diarized")
    probability: float | None = Field(default=None, description="`verbose_json` only")


class Segment(BaseModel):
    id: int | None = Field(default=None, description="`verbose_json` only")
    start: float
    end: float
    text: str
    speaker: str | None
    confidence: float
    words: list[Word]
    avg_logprob: float | None = Field(default=None, description="`verbose_json` only")
    no_speech_prob: float | None = Field(default=None, description="`verbose_json` only")
    compression_ratio: float | None = Field(default=None, description="`verbose_json` only")


class SpeakerTurn(BaseModel):
    start: float
    end: float
    speaker: str


class TranscriptAnswer(BaseModel):
    id: str | None = Field(default=None, description="The stored transcript's id (a keyed caller's)")
    task: str | None = Field(default=None, description="`verbose_json` only: `transcribe`")
    text: str
    language: str | None
    duration: float
    segments: list[Segment]
    speakers: list[str]
    model: str = Field(description="The weights that ran")
    speaker_turns: list[SpeakerTurn] | None = Field(
        default=None, description="Diarized only: who spoke when, overlapping turns included"
    )
    requested_model: str | None = Field(default=None, description="`verbose_json` only")
    language_probability: float | None = Field(default=None, description="`verbose_json` only")
    processing_time: float | None = Field(default=None, description="`verbose_json` only")


class TranscriptSummary(BaseModel):
    id: str
    status: str = Field(
        description="`queued` (a job waiting its turn), `processing`, `completed` or `failed`"
    )
    filename: str
    model: str | None
    requested_model: str | None
    language: str | None
    duration: float | None
    error: str | None
    progress: float | None = Field(description="Jobs: how much of the work is done, 0 to 1; null otherwise")
    created_at: str
    completed_at: str | None


class StoredTranscript(TranscriptSummary):
    text: str
    segments: list[Segment]
    speakers: list[str]
    speaker_turns: list[SpeakerTurn] | None = None


class TranscriptList(BaseModel):
    results: list[TranscriptSummary]
    count: int = Field(description="How many transcripts match, over every page")


class WebhookAttempt(BaseModel):
    attempt: int
    event: str = Field(description="`transcript.completed` or `transcript.failed`")
    url: str
    status_code: int | None = Field(description="The receiver's HTTP status; null when none came")
    error: str | None = Field(description="Why the attempt failed, when it did")
    duration_ms: float
    created_at: str


class WebhookAttempts(BaseModel):
    results: list[WebhookAttempt]
    count: int
