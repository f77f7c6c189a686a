"""`GET /health` (no auth): GPU facts as the services read them from their hardware, each service's
gRPC health, and Redis. `status` is "ok" only when everything answers."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from gateway.dependencies import (
    AsrDep,
    AudioDep,
    EmbedDep,
    LlmDep,
    RedisDep,
    RequestIdDep,
    TranslateDep,
    TtsDep,
)
from gateway.schemas.health import HealthAnswer

router = APIRouter(tags=["operations"])


async def _redis_ok(redis: RedisDep) -> bool:
    try:
        return bool(await redis.ping())
    except Exception:
        return False


async def _translation(translator: TranslateDep, request_id: str) -> dict[str, Any]:
    """The translation service's health and the engines that serve pairs; serving with no engine at
    all is `no_engine` (it answers every translation with 503)."""
    status = (await translator.health()).lower()
    found: dict[str, Any] = {"status": status, "address": translator.address}
    if status == "serving":
        try:
            routes = (await translator.language_pairs(request_id)).routes
        except Exception:
            return {**found, "status": "unreachable"}
        found["engines"] = sorted({route.engine for route in routes})
        if not routes:
            found["status"] = "no_engine"
    return found


@router.get(
    "/health",
    response_model=None,  # built as it is found; this documents it
    responses={200: {"model": HealthAnswer}},
    summary="Platform health with GPU facts",
)
async def health(
    asr: AsrDep,
    audio: AudioDep,
    embedder: EmbedDep,
    llm: LlmDep,
    translator: TranslateDep,
    tts: TtsDep,
    redis: RedisDep,
    request_id: RequestIdDep,
) -> dict[str, Any]:
    plain = {"audio": audio, "embed": embedder, "llm": llm, "tts": tts}
    asr_status, translate, redis_ok, *statuses = await asyncio.gather(
        asr.health(),
        _translation(translator, request_id),
        _redis_ok(redis),
        *(client.health() for client in plain.values()),
    )
    asr_service: dict[str, Any] = {"status": asr_status.lower(), "address": asr.address}
    gpu: dict[str, Any] = {"gpu_available": False, "gpu_name": None, "gpu_memory_mb": 0}
    if asr_status != "UNREACHABLE":
        try:
            device = await asr.device_info(request_id)
        except Exception:
            device = None
        if device is not None:
            asr_service.update(device=device.device, compute_type=device.compute_type)
            if device.gpu_available:
                gpu = {
                    "gpu_available": True,
                    "gpu_name": device.gpu_name,
                    "gpu_memory_mb": device.gpu_memory_mb,
                    "gpu_memory_used_mb": device.gpu_memory_used_mb,
                }
    every = [asr_status, translate["status"].upper(), *statuses]
    healthy = all(status == "SERVING" for status in every) and redis_ok
    services: dict[str, Any] = {"asr": asr_service, "translate": translate}
    for (name, client), status in zip(plain.items(), statuses, strict=True):
        services[name] = {"status": status.lower(), "address": client.address}
    services["redis"] = {"status": "ok" if redis_ok else "unreachable"}
    return {"status": "ok" if healthy else "degraded", **gpu, "services": services}


@router.get("/metrics", summary="Prometheus metrics of the gateway", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
