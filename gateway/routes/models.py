"""`GET /v1/models` and `GET /v1/languages` (no auth): what the ASR service has installed."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.dependencies import AsrDep, RequestIdDep
from gateway.schemas.models import Language, LanguagesResponse, ModelInfo, ModelsResponse

router = APIRouter(tags=["models"])


@router.get("/v1/models", summary="Transcription models, installed weights and aliases")
async def list_models(asr: AsrDep, request_id: RequestIdDep) -> ModelsResponse:
    answer = await asr.list_models(request_id)
    models = [
        ModelInfo(
            id=m.id, name=m.name, languages=m.languages, speed=m.speed, installed=m.installed,
            served_by=m.served_by or None, alias=m.is_alias, loaded=m.loaded,
        )
        for m in answer.models
    ]  # fmt: skip
    return ModelsResponse(models=models, default=answer.default_model)


@router.get("/v1/languages", summary="Languages the installed models recognise")
async def list_languages(asr: AsrDep, request_id: RequestIdDep) -> LanguagesResponse:
    answer = await asr.list_languages(request_id)
    return LanguagesResponse(
        languages=[Language(code=lang.code, name=lang.name) for lang in answer.languages]
    )
