"""Text intelligence on text the caller sends, from our own LLM service (no text leaves the
deployment): `POST /v1/summarize`, `POST /v1/analyze` (sentiment, topics, entities, action items,
questions or PII redaction, each in its own documented shape) and `POST /v1/generate` (a blog post,
meeting notes, a quiz, ... as Markdown and in its type's documented shape)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.dependencies import LlmDep, MeteredDep, RequestIdDep, WatchedDep
from gateway.schemas.analysis import Analysis, analysis_json
from gateway.schemas.generation import GenerateResponse, generated_json
from gateway.schemas.text import (
    AnalyzeRequest,
    GenerateRequest,
    SummarizeRequest,
    SummarizeResponse,
    summary_of,
)
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


@router.post("/v1/summarize", response_model=SummarizeResponse, summary="Summarize text")
async def summarize(
    body: SummarizeRequest, llm: LlmDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> SummarizeResponse:
    require_unicode(body.text, "the text")
    answer = await watched(llm.summarize(body.text, body.style, request_id=request_id))
    return summary_of(answer)


@router.post("/v1/analyze", response_model=Analysis, summary="Analyze text")
async def analyze(
    body: AnalyzeRequest, llm: LlmDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> dict[str, Any]:
    require_unicode(body.text, "the text")
    answer = await watched(llm.analyze(body.text, body.type, request_id=request_id))
    return analysis_json(answer)


@router.post("/v1/generate", response_model=GenerateResponse, summary="Generate content from text")
async def generate(
    body: GenerateRequest, llm: LlmDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> dict[str, Any]:
    require_unicode(body.text, "the text")
    require_unicode(body.prompt, "the prompt")
    answer = await watched(llm.generate(body.text, body.type, body.prompt, request_id=request_id))
    return generated_json(answer)
