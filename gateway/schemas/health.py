"""`GET /health`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ServiceHealth(BaseModel):
    status: str = Field(
        description="`serving`, `not_serving` (models loading) or `unreachable`; Redis: `ok`; translation: "
        "`no_engine` when it serves but has no engine installed"
    )
    address: str | None = None
    device: str | None = Field(default=None, description="ASR: `cpu` or `cuda`")
    compute_type: str | None = Field(default=None, description="ASR: `int8`, `float16`, ...")
    engines: list[str] | None = Field(default=None, description="Translation: the engines that serve pairs")


class HealthAnswer(BaseModel):
    status: str = Field(description="`ok` when every service serves and Redis answers, else `degraded`")
    gpu_available: bool
    gpu_name: str | None
    gpu_memory_mb: int
    gpu_memory_used_mb: int | None = None
    services: dict[str, ServiceHealth]
