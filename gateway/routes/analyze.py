"""`POST /v1/analyze`: sentiment, topics, entities, action items, questions or PII redaction of text,
each in its own documented shape; no text leaves the deployment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.dependencies import LlmDep, MeteredDep, RequestIdDep, WatchedDep
from gateway.schemas.analysis import Analysis, analysis_json
from gateway.schemas.text import AnalyzeRequest
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


@router.post("/v1/analyze", response_model=Analysis, summary="Analyze text")
async def analyze(
    body: AnalyzeRequest, llm: LlmDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> dict[str, Any]:
    require_unicode(body.text, "the text")
    answer = await watched(llm.analyze(body.text, body.type, request_id=request_id))
    return analysis_json(answer)
