"""`POST /v1/generate`: content made from text (a blog post, meeting notes, a quiz, ...) as Markdown and
in its type's documented shape; no text leaves the deployment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gateway.dependencies import LlmDep, PrincipalDep, RequestIdDep
from gateway.intelligence.generation import SHAPES, GenerateResponse, generated_json
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


class GenerateRequest(BaseModel):
    text: str = Field(description="The text to work from, e.g. a transcript")
    type: str = Field(description="One of: " + ", ".join(f"`{kind}`" for kind in SHAPES))
    prompt: str = Field(default="", description="Optional words that steer the content")


@router.post("/v1/generate", response_model=GenerateResponse, summary="Generate content from text")
async def generate(
    body: GenerateRequest, llm: LlmDep, request_id: RequestIdDep, _: PrincipalDep
) -> dict[str, Any]:
    require_unicode(body.text, "the text")
    require_unicode(body.prompt, "the prompt")
    answer = await llm.generate(body.text, body.type, body.prompt, request_id=request_id)
    return generated_json(answer)
