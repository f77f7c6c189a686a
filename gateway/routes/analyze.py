"""`POST /v1/analyze`: sentiment, topics, entities, action items, questions or PII redaction of text,
each in its own documented shape; no text leaves the deployment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gateway.dependencies import LlmDep, PrincipalDep, RequestIdDep
from gateway.intelligence.analysis import Analysis, analysis_json
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


class AnalyzeRequest(BaseModel):
    text: str = Field(description="The text to analyze, e.g. a transcript")
    type: str = Field(
        description="`sentiment`, `topics`, `entities`, `action_items`, `questions` or `pii_redact` "
        "(alias `pii`)"
    )


@router.post("/v1/analyze", response_model=Analysis, summary="Analyze text")
async def analyze(
    body: AnalyzeRequest, llm: LlmDep, request_id: RequestIdDep, _: PrincipalDep
) -> dict[str, Any]:
    require_unicode(body.text, "the text")
    answer = await llm.analyze(body.text, body.type, request_id=request_id)
    return analysis_json(answer)
