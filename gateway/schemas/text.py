"""`/v1/summarize`, `/v1/analyze`, `/v1/generate` and `/v1/embed`: requests, and the answers of summaries
and embeddings (analyses and generated content have their own modules: one shape per type)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.schemas.generation import SHAPES
from gateway.schemas.usage import PartsCount, TokenUsage, WriterModel, usage_of
from stt.v1 import llm_pb2


class SummarizeRequest(BaseModel):
    text: str = Field(description="The text to summarize, e.g. a transcript")
    style: str = Field(
        default="brief",
        description="`brief`, `detailed`, `action_items` or `bullet_points` (alias `bullets`)",
    )


class SummarizeResponse(BaseModel):
    summary: str
    style: str = Field(description="The style that was used (`bullets` answers as `bullet_points`)")
    model: WriterModel
    parts: PartsCount
    usage: TokenUsage


def summary_of(answer: llm_pb2.SummarizeResponse) -> SummarizeResponse:
    return SummarizeResponse(
        summary=answer.summary,
        style=answer.style,
        model=answer.model,
        parts=answer.parts,
        usage=usage_of(answer),
    )


class AnalyzeRequest(BaseModel):
    text: str = Field(description="The text to analyze, e.g. a transcript")
    type: str = Field(
        description="`sentiment`, `topics`, `entities`, `action_items`, `questions` or `pii_redact` "
        "(alias `pii`)"
    )


class GenerateRequest(BaseModel):
    text: str = Field(description="The text to work from, e.g. a transcript")
    type: str = Field(description="One of: " + ", ".join(f"`{kind}`" for kind in SHAPES))
    prompt: str = Field(default="", description="Optional words that steer the content")


class EmbedRequest(BaseModel):
    texts: list[str] = Field(
        description="The texts to embed, in order", examples=[["Hello world", "How are you"]]
    )


class EmbedResponse(BaseModel):
    embeddings: list[list[float]] = Field(description="One L2-normalised vector per text, in order")
    dimensions: int = Field(description="Length of each vector (384 for all-MiniLM-L6-v2)")
    model: str = Field(description="The weights that ran")
