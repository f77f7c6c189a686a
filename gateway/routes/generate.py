"""`POST /v1/generate`: content made from text (a blog post, meeting notes, a quiz, ...) as Markdown and
in its type's documented shape; no text leaves the deployment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.dependencies import LlmDep, MeteredDep, RequestIdDep, WatchedDep
from gateway.schemas.generation import GenerateResponse, generated_json
from gateway.schemas.text import GenerateRequest
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


@router.post("/v1/generate", response_model=GenerateResponse, summary="Generate content from text")
async def generate(
    body: GenerateRequest, llm: LlmDep, request_id: RequestIdDep, watched: WatchedDep, _: MeteredDep
) -> dict[str, Any]:
    require_unicode(body.text, "the text")
    require_unicode(body.prompt, "the prompt")
    answer = await watched(llm.generate(body.text, body.type, body.prompt, request_id=request_id))
    return generated_json(answer)
