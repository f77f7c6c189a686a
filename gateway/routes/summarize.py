"""`POST /v1/summarize`: a summary from our own LLM service; no text leaves the deployment."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.dependencies import LlmDep, MeteredDep, RequestIdDep, WatchedDep
from gateway.schemas.text import SummarizeRequest, SummarizeResponse, summary_of
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


@router.post("/v1/summarize", response_model=SummarizeResponse, summary="Summarize text")
async def summarize(
    body: SummarizeRequest, llm: LlmDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> SummarizeResponse:
    require_unicode(body.text, "the text")
    answer = await watched(llm.summarize(body.text, body.style, request_id=request_id))
    return summary_of(answer)
