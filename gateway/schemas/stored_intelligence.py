"""Text intelligence on a stored transcript (`/api/v1/transcripts/{id}/summarize|analyze|generate|chat/`):
requests, and the answers that differ from the `/v1` ones (a stored answer adds `cached`, `created_at`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.schemas.analysis import Analysis
from gateway.schemas.generation import GenerateResponse
from gateway.schemas.text import SummarizeResponse


class SummarizeTranscript(BaseModel):
    style: str = Field(default="brief", description="As `/v1/summarize`")
    force: bool = Field(default=False, description="Summarize again even if a summary is cached")


class StoredSummary(SummarizeResponse):
    cached: bool = Field(description="True when this answer was made earlier and kept with the transcript")
    created_at: str


class AnalyzeTranscript(BaseModel):
    type: str | None = Field(default=None, description="One analysis, as `/v1/analyze`")
    kinds: list[str] | None = Field(
        default=None, description="Several at once (`pii` is an alias of `pii_redact`)"
    )
    force: bool = Field(default=False, description="Analyze again even if an analysis is cached")


class StoredAnalyses(BaseModel):
    results: dict[str, Analysis] = Field(
        description="Each asked type's analysis, as `/v1/analyze` answers it"
    )


StoredAnalysisAnswer = Analysis | StoredAnalyses


class GenerateFromTranscript(BaseModel):
    type: str = Field(description="As `/v1/generate`")
    prompt: str = Field(default="", description="Optional words that steer the content")
    force: bool = Field(default=False, description="Generate again even if this content is cached")


class StoredGenerateResponse(GenerateResponse):
    cached: bool = Field(description="True when this content was made earlier and kept with the transcript")
    created_at: str


class ChatQuestion(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    session_id: str | None = Field(
        default=None, max_length=64, description="Continue this conversation; a new one when absent"
    )
    stream: bool = Field(
        default=False,
        description='Answer as server-sent events: `{"delta": ...}` as the answer is written, then the '
        "whole answer object, then `[DONE]`",
    )


class Source(BaseModel):
    segment_order: int = Field(description="The segment's position in the transcript, from 0")
    segment_id: int
    start_time: float
    end_time: float
    speaker: str | None
    text: str
    score: float = Field(
        description="Similarity of the question to the segment: the mean of its cosine similarity to the "
        "segment alone and to the segment with its neighbours"
    )


class ChatAnswer(BaseModel):
    answer: str
    sources: list[Source] = Field(description="The segments retrieved for the answer, best first")
    session_id: str
    model: str
