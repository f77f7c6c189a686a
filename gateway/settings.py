"""Settings of the gateway (env prefix `STT_GATEWAY_`; `STT_PORT` also sets the port)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STT_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias=AliasChoices("STT_PORT", "STT_GATEWAY_PORT"))
    data_dir: Path = Field(default=Path("data"), validation_alias=AliasChoices("STT_DATA_DIR"))
    """The platform's data folder; uploads are spooled under `<data_dir>/spool/gateway`."""
    asr_address: str = "127.0.0.1:50051"
    """gRPC address of the ASR service (a headless Kubernetes service name in a cluster)."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    max_upload_bytes: int = 2 * 1024**3
    """The largest file accepted (2 GB); a larger upload is refused with 413 while it is still arriving."""
    max_form_field_bytes: int = 64 * 1024
    upload_chunk_bytes: int = 1024 * 1024
    """Size of each audio chunk streamed to a service over gRPC."""
    transcribe_timeout_s: float = 3600.0
    """gRPC deadline of one transcription."""
    info_timeout_s: float = 5.0
    """gRPC deadline of small calls: models, languages, health, device facts."""
    retry_after_s: int = 5
    """`Retry-After` sent with 503 when a backing service is unavailable."""
    log_level: str = "INFO"

    @cached_property
    def spool_dir(self) -> Path:
        path = self.data_dir / "spool" / "gateway"
        path.mkdir(parents=True, exist_ok=True)
        return path
