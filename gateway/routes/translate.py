"""`POST /v1/translate` (one text or a batch) and `GET /v1/translate/languages`, served by the
translation service; every answer names the engine and model that translated."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.dependencies import MeteredDep, RequestIdDep, TranslateDep, WatchedDep
from gateway.errors import ApiError
from gateway.schemas.translation import (
    BatchTranslateResponse,
    LanguageRoute,
    TranslateLanguages,
    TranslateRequest,
    TranslateResponse,
)
from gateway.text_input import require_unicode

router = APIRouter(tags=["text"])


@router.post(
    "/v1/translate",
    summary="Translate a text (`text`) or several (`texts`)",
    response_model=None,  # one shape per form; this documents both
    responses={200: {"model": TranslateResponse | BatchTranslateResponse}},
)
async def translate(
    body: TranslateRequest,
    translator: TranslateDep,
    request_id: RequestIdDep,
    watched: WatchedDep,
    _: MeteredDep,
) -> dict[str, Any]:
    if (body.text is None) == (body.texts is None):
        raise ApiError(400, "send either `text` (one text) or `texts` (a list of texts)")
    require_unicode(body.source, "source")
    require_unicode(body.target, "target")
    texts = [body.text] if body.text is not None else body.texts or []
    if not texts:
        raise ApiError(400, "no texts to translate: send at least one")
    for index, text in enumerate(texts):
        what = "the text" if body.text is not None else f"text {index}"
        require_unicode(text, what)
        if not text.strip():
            raise ApiError(400, f"{what} is empty")
    answer = await watched(translator.translate(texts, body.source, body.target, request_id=request_id))
    named = {
        "source_language": answer.source,
        "target_language": answer.target,
        "model": answer.model,
        "engine": answer.engine,
    }
    if body.text is not None:
        return {"translated_text": answer.translations[0], **named}
    return {"translations": [{"translated_text": t} for t in answer.translations], **named}


@router.get("/v1/translate/languages", summary="The language pairs this deployment translates, by engine")
async def translate_languages(translator: TranslateDep, request_id: RequestIdDep) -> TranslateLanguages:
    answer = await translator.language_pairs(request_id)
    routes = [
        LanguageRoute(engine=r.engine, model=r.model, sources=list(r.sources), targets=list(r.targets))
        for r in answer.routes
    ]
    pairs = {(s, t) for r in routes for s in r.sources for t in r.targets if s != t}
    return TranslateLanguages(routes=routes, pairs=len(pairs))
