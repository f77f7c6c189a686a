"""`POST /v1/summarize`: a summary from our own LLM service; no text leaves the deployment."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gateway.dependencies import LlmDep, PrincipalDep, RequestIdDep
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


class SummarizeRequest(BaseModel):
    text: str = Field(description="The text to summarize, e.g. a transcript")
    style: str = Field(
        default="brief",
        description="`brief`, `detailed`, `action_items` or `bullet_points` (alias `bullets`)",
    )


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class SummarizeResponse(BaseModel):
    summary: str
    style: str = Field(description="The style that was used (`bullets` answers as `bullet_points`)")
    model: str = Field(description="The language model that wrote it")
    parts: int = Field(description="Parts the text was split into to fit the model (1 when it fitted)")
    usage: Usage = Field(description="Tokens the engine read and wrote, over every part")


@router.post("/v1/summarize", response_model=SummarizeResponse, summary="Summarize text")
async def summarize(
    body: SummarizeRequest, llm: LlmDep, request_id: RequestIdDep, _: PrincipalDep
) -> SummarizeResponse:
    require_unicode(body.text, "the text")
    answer = await llm.summarize(body.text, body.style, request_id=request_id)
    usage = Usage(prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens)
    return SummarizeResponse(
        summary=answer.summary, style=answer.style, model=answer.model, parts=answer.parts, usage=usage
    )
